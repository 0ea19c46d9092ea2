"""``deliver_mail``: one email another service composed (runnerly-web's account mail),
sent through this worker's SMTP settings (docs/decisions.md, 52).

The web app holds no SMTP settings and does not wait on an SMTP server: it queues the
mail's parts (:mod:`runnerly_common.mail`) and answers.  Here the mail is retried while
the server may still take it (:class:`mailer.MailError`: down, busy, a 4xx) with the
backoff every task uses, up to ``max_failures``; one it will never take
(:class:`mailer.MailRejected`: a 5xx, bad credentials) or a header that may not be sent
is logged for an operator and dropped.  A mail naming its runner (``runner_id``) gets
their one-click unsubscribe (RFC 8058) and its footer here, in one place for every sender
(decision 56): the token is read from the dataservice; while it cannot be reached the mail
waits and is retried like an SMTP failure, and once the retries are spent it goes without
(logged) — a security notice never sent is worse than one without an unsubscribe line.
Delivery is at least once: a worker killed between
the server's "250" and the acknowledgement sends it again on redelivery, which for a
reset link or a notice is better than none.
"""

from __future__ import annotations

import logging
import random
from typing import Any

from celery import Task, shared_task

from runnerly_common.mail import MailHeaderError, build_message, with_unsubscribe
from runnerly_common.tasks import DELIVER_MAIL
from strava_worker import mailer
from strava_worker.dataservice import DataserviceError, DataserviceRefused
from strava_worker.runtime import Runtime
from strava_worker.tasks import retry

log = logging.getLogger(__name__)


def _runtime(task: Task) -> Runtime:
    return task.app.runtime  # type: ignore[attr-defined]


def _backoff(rt: Runtime, failures: int) -> int:
    longest = rt.settings.retry_backoff_max
    return min(2**failures * 2, longest) + random.randint(0, 2)  # noqa: S311


def _domain(address: str) -> str:
    # The log names where a mail went without the whole address (personal data).
    return address.rpartition("@")[2] or "?"


@shared_task(
    name=DELIVER_MAIL.name, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None
)
def deliver_mail(
    self: Task,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: dict[str, Any] | None = None,
    runner_id: int | None = None,
    failures: int = 0,
) -> dict[str, Any]:
    """Send one mail to ``to``; ``status``: sent, rejected (dropped) or error (gave up)."""
    rt = _runtime(self)
    kwargs = {
        "to": to,
        "subject": subject,
        "text": text,
        "html": html,
        "headers": headers,
        "runner_id": runner_id,
    }
    if runner_id is not None:
        try:
            token = _unsubscribe_token(rt, runner_id)
        except DataserviceError as exc:
            if failures < rt.settings.max_failures:
                log.warning("mail %r to @%s: unsubscribe: %s", subject, _domain(to), exc)
                retry(
                    self,
                    kwargs={**kwargs, "failures": failures + 1},
                    countdown=_backoff(rt, failures),
                    exc=exc,
                )
            log.error("mail %r to @%s: sent without unsubscribe: %s", subject, _domain(to), exc)
            token = None
        if token:
            added = with_unsubscribe(
                text,
                html,
                headers,
                public_url=rt.settings.public_url,
                token=token,
                mailto=rt.settings.unsubscribe_mailto or None,
            )
            text, html, headers = added.text, added.html, added.headers
    try:
        message = build_message(rt.settings.smtp_from, to, subject, text, html, headers)
        mailer.send(rt.settings, message)
    except MailHeaderError as exc:
        log.error("mail %r to @%s not sent: %s", subject, _domain(to), exc)
        return {"status": "rejected"}
    except mailer.MailRejected as exc:
        log.error("mail %r to @%s refused: %s", subject, _domain(to), exc)
        return {"status": "rejected"}
    except mailer.MailError as exc:
        if failures >= rt.settings.max_failures:
            log.error("mail %r to @%s: gave up: %s", subject, _domain(to), exc)
            return {"status": "error"}
        log.warning("mail %r to @%s: %s", subject, _domain(to), exc)
        retry(
            self,
            kwargs={**kwargs, "failures": failures + 1},
            countdown=_backoff(rt, failures),
            exc=exc,
        )
    log.info("mail %r to @%s: sent", subject, _domain(to))
    return {"status": "sent"}


def _unsubscribe_token(rt: Runtime, runner_id: int) -> str | None:
    """The runner's unsubscribe token; None (logged) when there is none to give: the
    runner was deleted meanwhile, or the dataservice refuses the request for good."""
    try:  # DataserviceError (transient) goes to the caller, which retries
        preferences = rt.dataservice.email_preferences(runner_id)
    except DataserviceRefused as exc:
        log.error("runner %s: no unsubscribe token: %s", runner_id, exc)
        return None
    token = (preferences or {}).get("unsubscribe_token")
    if not token:
        log.warning("runner %s: no unsubscribe token (no such runner)", runner_id)
    return str(token) if token else None
