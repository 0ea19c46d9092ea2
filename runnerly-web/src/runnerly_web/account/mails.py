"""The account's security mail: what each one says, and queueing it for the worker.

Security mail is not optional: it tells the runner about a change to their account, or
carries the link they asked for.  One sent to the account's address names the runner, and
the worker adds their one-click unsubscribe from the optional mail and a line saying this
one comes whatever (decision 56).  One to an address that is not the account's — the new
address being confirmed, the old one after a change — names nobody: its holder may be
someone else, who must not get the runner's unsubscribe token.  Links point at the app's public
address (``PUBLIC_URL``; this request's host when unset, as in development) and carry the
token in the fragment (``#token=``), which browsers never send to a server: no access
log, proxy or ``Referer`` sees it.
"""

from __future__ import annotations

import logging

from flask import request

from runnerly_common.mail import Action, Mail, compose
from runnerly_common.tasks import DELIVER_MAIL
from runnerly_web.extensions import mail_queue, settings

log = logging.getLogger(__name__)


def public_url() -> str:
    return (settings().public_url or request.host_url).rstrip("/")


def _greeting(user: dict[str, object]) -> str:
    name = "".join(ch for ch in str(user.get("first_name") or "") if ch.isprintable()).strip()
    return f"Hi {name}," if name else "Hello,"


def _hours(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return "1 hour" if hours == 1 else f"{hours} hours"
    minutes = max(1, seconds // 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def send(mail: Mail) -> bool:
    """Queue ``mail`` for the worker; False (logged) when the broker cannot take it."""
    queue = mail_queue()
    if not queue.broker_url:
        # Only outside production (WebSettings.check requires a broker there): a test stack
        # or a development setup without a worker, where no mail is expected to go out.
        log.warning("no broker is set (RUNNERLY_WEB_BROKER_URL): mail %r is not sent", mail.subject)
        return False
    queued = queue.send(DELIVER_MAIL, mail.task_kwargs())
    if not queued:
        log.error("mail %r could not be queued for the worker", mail.subject)
    return queued


def _compose(
    to: str,
    subject: str,
    user: dict[str, object],
    *lines: str,
    action: Action | None = None,
    to_account: bool = True,
) -> Mail:
    """``to_account``: ``to`` is the account's address on record (it gets the unsubscribe)."""
    return compose(
        to,
        subject,
        list(lines),
        public_url=public_url(),
        action=action,
        greeting=_greeting(user),
        headers={"X-Runnerly-Mail": "account"},
        runner_id=int(str(user["id"])) if to_account else None,
    )


def reset_link(user: dict[str, object], token: str, ttl: int) -> Mail:
    return _compose(
        str(user["email"]),
        "Reset your Runnerly password",
        user,
        "Someone — hopefully you — asked to reset the password of your Runnerly account.",
        f"The link below lets you choose a new one. It works once, for {_hours(ttl)}. "
        "Choosing a new password logs your account out everywhere.",
        "If you did not ask, ignore this email: your password stays as it is.",
        action=Action("Choose a new password", f"{public_url()}/reset-password#token={token}"),
    )


def password_changed(user: dict[str, object]) -> Mail:
    return _compose(
        str(user["email"]),
        "Your Runnerly password was changed",
        user,
        "The password of your Runnerly account was just changed, and every device logged in "
        "to it was logged out.",
        "If this was you, there is nothing to do. If it was not, reset your password now "
        "with “Forgot your password?” on the login page.",
        action=Action("Log in", f"{public_url()}/login"),
    )


def confirm_new_email(user: dict[str, object], new_email: str, token: str, ttl: int) -> Mail:
    return _compose(
        new_email,
        "Confirm your new Runnerly email address",
        user,
        f"Your Runnerly account asked to use {new_email} as its email address from now on.",
        f"Confirm with the link below (it works once, for {_hours(ttl)}). Until then, your "
        "account keeps its current address.",
        "If you did not ask, ignore this email.",
        action=Action("Confirm this address", f"{public_url()}/confirm-email#token={token}"),
        to_account=False,
    )


def email_change_requested(user: dict[str, object], new_email: str) -> Mail:
    return _compose(
        str(user["email"]),
        "A new email address was requested for your Runnerly account",
        user,
        f"Someone logged in to your Runnerly account asked to change its email address to "
        f"{new_email}. Nothing changes until that address confirms it.",
        "If this was not you, change your password now: that also cancels the request.",
        action=Action("Open your profile", f"{public_url()}/profile"),
    )


def email_changed(user: dict[str, object], old_email: str, new_email: str) -> Mail:
    return _compose(
        old_email,
        "Your Runnerly email address was changed",
        user,
        f"The email address of your Runnerly account is now {new_email}; this address "
        f"({old_email}) no longer logs in to it. Every other device was logged out.",
        "If this was not you, write to your Runnerly administrator at once.",
        to_account=False,
    )
