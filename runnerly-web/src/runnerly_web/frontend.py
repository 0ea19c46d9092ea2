"""The React dashboard: ``/assets/*`` are Vite's fingerprinted files (cached for a year,
their names change with their content); every other page path is the single-page app's
``index.html`` (never cached, so a new build is picked up at once)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, send_from_directory
from markupsafe import escape

from runnerly_web import page_policy
from runnerly_web.extensions import settings

YEAR = 365 * 24 * 3600
# Paths that belong to the server: a typo under them is a 404, not the app's page.
_SERVER_PREFIXES = ("api/", "strava/", "assets/")
_MISSING_BUILD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Runnerly: dashboard not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<h1>The dashboard has not been built yet</h1>
<p>runnerly-web is running, but it finds no <code>index.html</code> in
<code>{dist}</code>.</p>
<p>Build it with <code>npm ci &amp;&amp; npm run build</code> in
<code>runnerly-web/frontend/</code> (<code>make setup</code> does it), or point
<code>RUNNERLY_WEB_FRONTEND_DIST</code> at a build. The JSON API under
<code>/api/web/</code> works meanwhile.</p>
</body></html>
"""


def _dist() -> Path:
    return Path(settings().frontend_dist)


def make_blueprint() -> Blueprint:
    bp = Blueprint("frontend", __name__)

    @bp.get("/assets/<path:filename>")
    def asset(filename: str) -> Response:
        response = send_from_directory(_dist() / "assets", filename, max_age=YEAR)
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        return response

    @bp.get("/", defaults={"page": ""})
    @bp.get("/<path:page>")
    def page(page: str) -> Response:
        if page.startswith(_SERVER_PREFIXES):
            abort(404)
        dist = _dist()
        # Files at the build's top level (favicon, robots.txt) are served as they are.
        if page and "/" not in page and (dist / page).is_file() and page != "index.html":
            return send_from_directory(dist, page, max_age=3600)
        return index_page()

    return bp


def index_page() -> Response:
    """The single-page app's ``index.html`` under the dashboard's policy, never cached."""
    dist = _dist()
    index = dist / "index.html"
    if not index.is_file():
        body = _MISSING_BUILD.format(dist=escape(str(dist)))
        response = Response(body, status=200, mimetype="text/html")
    else:
        response = send_from_directory(dist, "index.html", max_age=0)
        response.headers["Cache-Control"] = "no-cache"
    return page_policy.apply(response, settings().map_tile_sources)
