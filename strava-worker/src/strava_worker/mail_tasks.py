"""``deliver_mail``: one email another service composed (runnerly-web's account mail),
sent through this worker's SMTP settings (docs/decisions.md, 52).

The web app holds no SMTP settings and does not wait on an SMTP server: it queues the
mail's parts (:mod:`runnerly_common.mail`) and answers.  Here the mail is retried while
the server may still take it (:class:`mailer.MailError`: down, busy, a 4xx) with the
backoff every task uses, up to ``max_failures``; one it will never take
(:class:`mailer.MailRejected`: a 5xx, bad credentials) or a header that may not be sent
is logged for an operator and dropped.  Delivery is at least once: a worker killed between
the server's "250" and the acknowledgement sends it again on redelivery, which for a
reset link or a notice is better than none.
"""

from __future__ import annotations

import logging
import random
from typing import Any

from celery import Task, shared_task

from runnerly_common.mail import MailHeaderError, build_message
from runnerly_common.tasks import DELIVER_MAIL
from strava_worker import mailer
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
    failures: int = 0,
) -> dict[str, Any]:
    """Send one mail to ``to``; ``status``: sent, rejected (dropped) or error (gave up)."""
    rt = _runtime(self)
    kwargs = {"to": to, "subject": subject, "text": text, "html": html, "headers": headers}
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
