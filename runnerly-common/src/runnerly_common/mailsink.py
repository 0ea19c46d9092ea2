"""``runnerly-mailsink``: the SMTP server of development and tests; it delivers nothing.

Every message it accepts is stored whole as an ``.eml`` file (a mail client opens it; a
test parses it) and logged as one JSON line naming the envelope, the subject and the file.
Production sends through a real SMTP server instead; this is not one (no auth, no TLS).
Needs the ``mailsink`` extra (aiosmtpd): ``pip install 'runnerly-common[mailsink]'``.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import logging
import signal
import threading
import time
import uuid
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar

from aiosmtpd.controller import Controller

from runnerly_common.logs import configure_logging
from runnerly_common.settings import Settings

log = logging.getLogger("runnerly.mailsink")
# What an in-process sink remembers for its tests; the files are the full record.
REMEMBERED = 1000


@dataclasses.dataclass
class MailSinkSettings(Settings):
    SECTION: ClassVar[str] = "mailsink"
    ENV_PREFIX: ClassVar[str] = "MAILSINK_"

    port: int = 1025
    directory: str = "var/dev/mail"


@dataclasses.dataclass(frozen=True)
class Delivery:
    """One accepted message: its envelope (which may differ from its headers) and file."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    subject: str
    path: Path


class MaildirHandler:
    """aiosmtpd handler: each message's bytes into ``directory``, as received."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.deliveries: collections.deque[Delivery] = collections.deque(maxlen=REMEMBERED)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content: bytes = envelope.original_content or envelope.content
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        path = self.directory / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
        # Written aside, then renamed: whoever watches the folder never reads half a file.
        partial = path.with_name(f".{path.name}.part")
        partial.write_bytes(content)
        partial.replace(path)
        headers = BytesHeaderParser(policy=default_policy).parsebytes(content)
        delivery = Delivery(
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            subject=str(headers.get("Subject", "")),
            path=path,
        )
        self.deliveries.append(delivery)
        log.info(
            "mail received",
            extra={
                "mail_from": delivery.mail_from,
                "rcpt_tos": list(delivery.rcpt_tos),
                "subject": delivery.subject,
                "message_id": str(headers.get("Message-ID", "")),
                "bytes": len(content),
                "path": str(path),
            },
        )
        return "250 Message accepted for delivery"


class MailSink:
    """The sink on ``host:port`` in a thread, until :meth:`stop` (or the ``with`` ends)."""

    def __init__(self, directory: str | Path, host: str = "127.0.0.1", port: int = 1025) -> None:
        self.handler = MaildirHandler(Path(directory))
        self.host, self.port = host, port
        # A fixed banner name: aiosmtpd would otherwise resolve the machine's FQDN.
        self._controller = Controller(
            self.handler, hostname=host, port=port, server_hostname="runnerly-mailsink"
        )

    @property
    def directory(self) -> Path:
        return self.handler.directory

    @property
    def deliveries(self) -> list[Delivery]:
        return list(self.handler.deliveries)

    def start(self) -> MailSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    """Console script: serve until SIGINT or SIGTERM."""
    settings = MailSinkSettings.load()
    parser = argparse.ArgumentParser(
        prog="runnerly-mailsink", description="The development SMTP sink."
    )
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    parser.add_argument("--directory", default=settings.directory, help="where .eml files go")
    args = parser.parse_args(argv)
    configure_logging("mailsink", settings.log_level)
    # aiosmtpd logs every SMTP command at INFO; the one line per message is ours.
    logging.getLogger("mail.log").setLevel(max(logging.WARNING, logging.getLogger().level))
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    with MailSink(args.directory, args.host, args.port):
        log.info(
            "mailsink listening",
            extra={"address": f"{args.host}:{args.port}", "directory": args.directory},
        )
        stopping.wait()


if __name__ == "__main__":
    main()
