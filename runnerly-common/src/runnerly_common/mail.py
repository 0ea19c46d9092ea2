"""An email as one service writes it and the worker sends it (docs/decisions.md, 52).

A sender (runnerly-web) composes a :class:`Mail` — plain text, an HTML alternative with
the same words, a footer linking back to the app — and queues it as the worker's
``deliver_mail`` task (:data:`runnerly_common.tasks.DELIVER_MAIL`); the worker, which
holds the SMTP settings, turns it into a MIME message with :func:`build_message` and sends
it.  Extra headers travel with it, but never ones that would change who the mail is from
or to: those are the worker's.  A mail to a runner names them (``runner_id``): the worker
then looks up their unsubscribe token and adds the one-click headers (RFC 8058) and a
footer with the same link, :func:`with_unsubscribe` (decision 56).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from runnerly_common import unsubscribe
from runnerly_common.unsubscribe import POLICY

APP_NAME = "Runnerly"
# RFC 5322 §2.2: a field name is printable ASCII except the colon.
_FIELD_NAME = re.compile(r"^[!-9;-~]{1,76}$")
# Headers the worker writes itself: a sender's must not replace or double them.
RESERVED_HEADERS = frozenset(
    {
        "from",
        "sender",
        "to",
        "cc",
        "bcc",
        "reply-to",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "auto-submitted",
    }
)


class MailHeaderError(ValueError):
    """An extra header that cannot go into a mail: nothing is sent."""


@dataclass(frozen=True)
class Action:
    """The one thing the mail asks the reader to do: a labelled link."""

    label: str
    url: str


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str
    headers: Mapping[str, str] = field(default_factory=dict)
    # The runner whose account the mail is about, when it goes to their address on record:
    # the worker adds their one-click unsubscribe (decision 56).
    runner_id: int | None = None

    def task_kwargs(self) -> dict[str, Any]:
        """The arguments of the worker's ``deliver_mail`` task (``runner_id`` only when
        set: a worker not yet upgraded takes the rest as before)."""
        kwargs: dict[str, Any] = {
            "to": self.to,
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "headers": dict(self.headers) or None,
        }
        if self.runner_id is not None:
            kwargs["runner_id"] = self.runner_id
        return kwargs


def check_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """``headers`` when every one may go into a mail, else :class:`MailHeaderError`."""
    checked: dict[str, str] = {}
    for name, value in (headers or {}).items():
        if not isinstance(name, str) or not _FIELD_NAME.match(name):
            raise MailHeaderError(f"not a header name: {name!r}")
        if name.casefold() in RESERVED_HEADERS:
            raise MailHeaderError(f"{name} is written by the worker, not the sender")
        if not isinstance(value, str) or any(ch in value for ch in "\r\n\0"):
            raise MailHeaderError(f"{name}: a header value is one line of text")
        checked[name] = value
    return checked


def _footer_url(public_url: str) -> str:
    return public_url.rstrip("/") or "http://localhost:8080"


def compose(
    to: str,
    subject: str,
    paragraphs: Sequence[str],
    *,
    public_url: str,
    action: Action | None = None,
    greeting: str = "Hello,",
    headers: Mapping[str, str] | None = None,
    runner_id: int | None = None,
) -> Mail:
    """A mail of a greeting, ``paragraphs``, an optional ``action`` link and the footer,
    written twice (text, HTML: every value escaped); ``public_url`` is the app's address,
    ``runner_id`` the runner it goes to (their unsubscribe is added on delivery)."""
    home = _footer_url(public_url)
    text = [greeting, ""]
    for paragraph in paragraphs:
        text += [paragraph, ""]
    if action is not None:
        text += [f"{action.label}:", action.url, ""]
    text += ["Keep running,", APP_NAME, "", "-- ", f"{APP_NAME}: {home}"]

    e = html.escape
    parts = [f"<p>{e(greeting)}</p>", *(f"<p>{e(p)}</p>" for p in paragraphs)]
    if action is not None:
        parts.append(
            f'<p><a href="{e(action.url)}" style="display:inline-block;padding:8px 16px;'
            f'background:#0b6e4f;color:#fff;text-decoration:none;border-radius:4px">'
            f"{e(action.label)}</a></p>"
            f'<p style="font-size:small">Or open this address: {e(action.url)}</p>'
        )
    parts.append(f"<p>Keep running,<br>{APP_NAME}</p>")
    parts.append(
        f'<hr><p style="font-size:small;color:#555"><a href="{e(home)}">{APP_NAME}</a></p>'
    )
    page = "".join(parts)
    return Mail(
        to=to,
        subject=subject,
        text="\n".join(text) + "\n",
        html=f'<!DOCTYPE html><html><body style="font-family:sans-serif">{page}</body></html>\n',
        headers=check_headers(headers),
        runner_id=runner_id,
    )


@dataclass(frozen=True)
class WithUnsubscribe:
    """A mail's parts and headers once :func:`with_unsubscribe` added the runner's link."""

    text: str
    html: str | None
    headers: dict[str, str]


def with_unsubscribe(
    text: str,
    html_body: str | None,
    headers: Mapping[str, str] | None,
    *,
    public_url: str,
    token: str,
    mailto: str | None = None,
) -> WithUnsubscribe:
    """The mail with the runner's one-click unsubscribe (RFC 8058): the two headers
    (replacing any a sender wrote, in whatever case: one of each, the worker's token) and
    a visible footer in both parts — the unsubscribe link, the email preferences in the
    profile, and that this mail itself comes whatever those preferences say."""
    base = public_url.rstrip("/") or "http://localhost:8080"
    url = unsubscribe.unsubscribe_url(base, token)
    preferences = f"{base}/profile"
    added = unsubscribe.headers(base, token, mailto)
    ours = {name.casefold() for name in added}
    merged = {n: v for n, v in (headers or {}).items() if n.casefold() not in ours}
    merged.update(added)

    footer = [
        "",
        "This email is about your account: you get it whatever your email preferences.",
        f"Don't want {APP_NAME}'s optional emails (the monthly report)? Unsubscribe: {url}",
        f"Choose which emails you get: {preferences}",
    ]
    new_text = text.rstrip("\n") + "\n" + "\n".join(footer) + "\n"
    if html_body is None:
        return WithUnsubscribe(new_text, None, merged)
    e = html.escape
    block = (
        '<p style="font-size:small;color:#555">This email is about your account: you get '
        "it whatever your email preferences. "
        f"Don't want {APP_NAME}'s optional emails (the monthly report)? "
        f'<a href="{e(url)}">Unsubscribe</a>: {e(url)}<br>'
        f'<a href="{e(preferences)}">Choose which emails you get</a></p>'
    )
    at = html_body.lower().rfind("</body>")
    new_html = html_body + block if at < 0 else html_body[:at] + block + html_body[at:]
    return WithUnsubscribe(new_text, new_html, merged)


def build_message(
    sender: str,
    to: str,
    subject: str,
    text: str,
    html_body: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """The MIME message (text, then the HTML alternative) from ``sender`` to ``to``;
    :class:`MailHeaderError` for an extra header that may not be sent."""
    extra = check_headers(headers)
    if any(ch in f"{to}{subject}" for ch in "\r\n"):
        raise MailHeaderError("the recipient and subject are one line each")
    domain = parseaddr(sender)[1].rpartition("@")[2] or "runnerly.local"
    # Folded only past 998 characters: the default policy would write a List-Unsubscribe
    # URI longer than a line as RFC 2047 encoded words, which no client reads as a URI.
    message = EmailMessage(policy=POLICY)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    for name, value in extra.items():
        message[name] = value
    message.set_content(text)
    if html_body:
        message.add_alternative(html_body, subtype="html")
    return message
