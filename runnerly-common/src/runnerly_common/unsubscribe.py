"""One-click unsubscribe (RFC 8058) for optional mail: the headers a mail carries, its
visible link, and the check of the body a mail client posts (docs/decisions.md, 56).

Every optional mail (the monthly report, an export announcement) carries

    List-Unsubscribe: <https://<public url>/unsubscribe/<token>>
    List-Unsubscribe-Post: List-Unsubscribe=One-Click

where ``token`` is the runner's random unsubscribe token (the dataservice's email
preferences).  A mail client that offers "unsubscribe" POSTs the body
``List-Unsubscribe=One-Click`` to that URI, without cookies or any other context
(RFC 8058 §3.2); runnerly-web answers it.  The same URI, opened in a browser (the link in
the mail's footer), shows a page that asks before it changes anything: link scanners
open every link in a mail, and a GET must not unsubscribe.  Mail about the runner's
account (a password reset, a sign-in notice, an export ready) is not optional, yet carries
the same headers and link on delivery (:func:`runnerly_common.mail.with_unsubscribe`), with
a line saying it is sent whatever the preferences (issue 19: every email carries them).

A header holding a URI longer than a line (78 characters) would be folded by Python's
default policy into RFC 2047 encoded words, which no mail client reads as a URI: a message
carrying these headers is written with :data:`POLICY`, which only folds beyond RFC 5322's
hard limit of 998.
"""

from __future__ import annotations

import email.policy
from collections.abc import Mapping
from email.message import EmailMessage
from urllib.parse import quote

LIST_UNSUBSCRIBE = "List-Unsubscribe"
LIST_UNSUBSCRIBE_POST = "List-Unsubscribe-Post"
# RFC 8058 §3.1: the single key/value pair, also the body of the mail client's POST.
ONE_CLICK = "List-Unsubscribe=One-Click"
PATH = "/unsubscribe/"
POLICY = email.policy.default.clone(max_line_length=998)


def unsubscribe_url(public_url: str, token: str) -> str:
    """The runner's unsubscribe page and one-click URI under the app's public address."""
    base = public_url.rstrip("/") or "http://localhost:8080"
    return f"{base}{PATH}{quote(token, safe='')}"


def headers(public_url: str, token: str, mailto: str | None = None) -> dict[str, str]:
    """``List-Unsubscribe`` (the https URI first; a ``mailto:`` too when the operator has a
    mailbox that acts on it) and ``List-Unsubscribe-Post``.  RFC 8058 one-click needs the
    public address to be https; mail clients ignore an http one (development)."""
    uris = [f"<{unsubscribe_url(public_url, token)}>"]
    if mailto:
        uris.append(f"<mailto:{mailto}?subject=unsubscribe>")
    return {LIST_UNSUBSCRIBE: ", ".join(uris), LIST_UNSUBSCRIBE_POST: ONE_CLICK}


def add_to(message: EmailMessage, public_url: str, token: str, mailto: str | None = None) -> None:
    """Put the headers on ``message`` and make it written with :data:`POLICY`."""
    message.policy = POLICY
    for name, value in headers(public_url, token, mailto).items():
        message[name] = value


def is_one_click(form: Mapping[str, str]) -> bool:
    """Whether a posted form (``application/x-www-form-urlencoded`` or
    ``multipart/form-data``, both allowed by RFC 8058 §3.2) is the one-click body."""
    key, _, value = ONE_CLICK.partition("=")
    return form.get(key) == value
