"""The policy the dashboard's page runs under (the toolkit gives JSON its own).

Vite's build has no inline script or style (``frontend/dist/index.html`` loads one module
and one stylesheet from ``/assets/``); React and Leaflet set styles through the CSSOM,
which ``style-src 'self'`` allows. Images are the app's own, Leaflet's ``data:`` icons and
the map tiles (``RUNNERLY_WEB_MAP_TILE_SOURCES``, matching the build's ``VITE_MAP_TILES``).
A violation is reported to ``POST /api/web/csp-report`` (:mod:`runnerly_web.csp_report`).
"""

from __future__ import annotations

from flask import Response

from runnerly_common.security_headers import policy, set_page_policy

REPORT_PATH = "/api/web/csp-report"
# The Strava connect link and the map tiles' requests may tell their origin, no more
# (tile servers such as OpenStreetMap's ask for a Referer naming the site).
REFERRER_POLICY = "strict-origin-when-cross-origin"


def dashboard_policy(tile_sources: tuple[str, ...]) -> str:
    return policy(
        {
            "default-src": "'self'",
            "script-src": "'self'",
            "style-src": "'self'",
            "img-src": ("'self'", "data:", *tile_sources),
            "connect-src": "'self'",
            "font-src": "'self'",
            "object-src": "'none'",
            "base-uri": "'none'",
            "form-action": "'self'",
            "frame-ancestors": "'none'",
            # Not report-to: where it is set Chromium ignores report-uri, and its Reporting
            # API sends only from secure contexts, batched a minute or more later (checked
            # in Debian's Chromium: nothing arrived). report-uri posts at once, everywhere.
            "report-uri": REPORT_PATH,
        }
    )


def apply(response: Response, tile_sources: tuple[str, ...]) -> Response:
    """Make ``response`` (an HTML page of the dashboard) run under the dashboard's policy."""
    return set_page_policy(
        response, dashboard_policy(tile_sources), referrer_policy=REFERRER_POLICY
    )
