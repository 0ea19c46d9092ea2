"""``/unsubscribe/<token>``: the link in every optional mail (docs/decisions.md, 56).

``POST`` is RFC 8058's one-click: a mail client posts ``List-Unsubscribe=One-Click`` with
no cookie, no session and so no CSRF token (the endpoint is exempt: the random token in
the path is the authority), and the monthly report is off.  The same form field from the
page below does the same; ``monthly_report=on`` turns it back on.  Either answers a small
HTML page: 200 for a token the dataservice knows (again and again: it is idempotent), 404
for one it does not.  That 404 tells nothing useful: a token is 256 random bits, so no
answer brings a guess closer, and the gateway's rate limit applies.

``GET`` (the visible link, opened in a browser) only shows a page asking to confirm: link
scanners open every link in a mail, and a GET must not unsubscribe anyone.  No page here
needs JavaScript or a session: a runner reading mail on another device is not logged in.
"""

from __future__ import annotations

import re
from string import Template

from flask import Blueprint, Response, request
from markupsafe import escape

from runnerly_common import unsubscribe
from runnerly_common.errors import APIError
from runnerly_common.security_headers import set_page_policy
from runnerly_web.extensions import dataservice

ENDPOINT = "unsubscribe.one_click"  # exempt from the CSRF check (runnerly_web.csrf)
# What the dataservice makes (secrets.token_urlsafe); anything else is no token of ours.
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
# The page has no script, style or image of its own: it may post its own form, and the
# browser may fetch the site's icon (Chromium holds a favicon to img-src).
POLICY = (
    "default-src 'none'; img-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)

_PAGE = Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>$title · Runnerly</title></head>
<body><main>
<h1>$title</h1>
$body
<p><a href="/profile">Manage your email preferences</a> ·
<a href="/">Open Runnerly</a></p>
</main></body></html>
""")


def _form(action: str, field: str, value: str, label: str) -> str:
    return (
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="{escape(field)}" value="{escape(value)}">'
        f'<button type="submit">{escape(label)}</button></form>'
    )


def _off_form(action: str) -> str:
    key, _, value = unsubscribe.ONE_CLICK.partition("=")
    return _form(action, key, value, "Unsubscribe")


def _page(title: str, body: str, status: int = 200) -> Response:
    html = _PAGE.substitute(title=escape(title), body=body)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return set_page_policy(response, POLICY)


def _not_ours() -> Response:
    return _page(
        "This link does not work any more",
        "<p>This unsubscribe link is not (or no longer) valid: a newer mail has a newer one. "
        "Log in to choose which mail you get.</p>",
        404,
    )


def make_blueprint() -> Blueprint:
    bp = Blueprint("unsubscribe", __name__)

    @bp.get("/unsubscribe/<token>")
    def confirm(token: str) -> Response:
        if not TOKEN.match(token):
            return _not_ours()
        return _page(
            "Unsubscribe from the monthly report?",
            "<p>You will no longer get Runnerly's monthly report by email. Mail about your "
            "account's security (a password reset, a new sign-in) still comes.</p>"
            + _off_form(request.path),
        )

    @bp.post("/unsubscribe/<token>")
    def one_click(token: str) -> Response:
        if unsubscribe.is_one_click(request.form):
            wanted = False
        elif request.form.get("monthly_report") == "on":
            wanted = True
        else:
            return _page(
                "Nothing changed",
                f"<p>The request must carry <code>{escape(unsubscribe.ONE_CLICK)}</code> "
                "(RFC 8058) as a form.</p>" + _off_form(request.path),
                400,
            )
        if not TOKEN.match(token):
            return _not_ours()
        try:
            response = dataservice().call(
                "POST",
                "/email-preferences/by-token",
                json={"token": token, "monthly_report": wanted},
                allow=(404,),
            )
        except APIError as exc:  # the dataservice or the tokendealer cannot answer
            return _page("Please try again shortly", f"<p>{escape(exc.message)}</p>", exc.status)
        if response.status_code == 404:
            return _not_ours()
        if wanted:
            return _page(
                "The monthly report is on again",
                "<p>Your next monthly report comes on the day you chose.</p>",
            )
        return _page(
            "You are unsubscribed",
            "<p>You will no longer get Runnerly's monthly report by email.</p>"
            + _form(request.path, "monthly_report", "on", "Turn it back on"),
        )

    return bp
