"""Sending one message through the configured SMTP server (``STRAVA_WORKER_SMTP_*``).

Failures come out as two kinds, because the task does different things with them:
:class:`MailError` may pass (the server is down, busy, a 4xx) and is retried;
:class:`MailRejected` will not (a 5xx, bad credentials, no STARTTLS, a certificate that
does not verify) and is logged for an operator instead of being sent again and again.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from strava_worker.settings import WorkerSettings


class MailError(Exception):
    """Transient: try again later."""


class MailRejected(Exception):
    """Permanent for this message or this configuration: retrying will not help."""


def _connect(settings: WorkerSettings, context: ssl.SSLContext) -> smtplib.SMTP:
    host, port, timeout = settings.smtp_host, settings.smtp_port, settings.smtp_timeout
    if settings.smtp_security == "ssl":
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    smtp = smtplib.SMTP(host, port, timeout=timeout)
    if settings.smtp_security == "starttls":
        try:
            smtp.starttls(context=context)
        except BaseException:
            smtp.close()
            raise
    return smtp


def send(settings: WorkerSettings, message: EmailMessage) -> None:
    """Hand ``message`` to the SMTP server; returns once the server has accepted it."""
    context = ssl.create_default_context()
    smtp: smtplib.SMTP | None = None
    try:
        smtp = _connect(settings, context)
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        error = MailRejected if all(code >= 500 for code in codes) else MailError
        raise error(f"recipient refused: {exc.recipients}") from exc
    except smtplib.SMTPResponseException as exc:  # sender, data, auth, greeting
        error = MailRejected if exc.smtp_code >= 500 else MailError
        raise error(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
    except (smtplib.SMTPNotSupportedError, ssl.SSLCertVerificationError) as exc:
        raise MailRejected(f"SMTP server at {settings.smtp_host}: {exc}") from exc
    except (OSError, smtplib.SMTPException) as exc:  # refused, reset, timed out, TLS
        raise MailError(f"SMTP server at {settings.smtp_host}:{settings.smtp_port}: {exc}") from exc
    finally:
        if smtp is not None:
            _quit(smtp)


def _quit(smtp: smtplib.SMTP) -> None:
    # Once DATA is accepted the message is the server's: a failed goodbye must not turn a
    # delivered mail into a retry (that would be the runner's second copy).
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
