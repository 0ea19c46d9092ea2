"""runnerly-mailsink keeps every message it receives as an .eml file and logs it as JSON."""

from __future__ import annotations

import json
import signal
import smtplib
import socket
import subprocess
import sys
import time
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from runnerly_common.mailsink import MailSink
from runnerly_common.testing import free_port


def _message(subject: str, to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Runnerly <runnerly@localhost>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Totals: 12.5 km in 1:02:30\n")
    message.add_alternative("<p>Totals: <b>12.5 km</b></p>", subtype="html")
    return message


def _wait_for(predicate, timeout: float = 10):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"nothing after {timeout}s")


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


def test_the_sink_stores_each_message_whole_as_an_eml_file(tmp_path: Path) -> None:
    sink = MailSink(tmp_path / "mail", port=free_port())
    with sink, smtplib.SMTP(sink.host, sink.port, timeout=5) as smtp:
        smtp.send_message(_message("Your running in October 2026", "ann@example.org"))
        # The envelope, not the headers, says who gets it: a Bcc shows only there.
        smtp.send_message(
            _message("Second", "ann@example.org"),
            to_addrs=["ann@example.org", "bcc@example.org"],
        )

    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    received = [message_from_bytes(f.read_bytes(), policy=default_policy) for f in files]
    first = next(m for m in received if m["Subject"] == "Your running in October 2026")
    assert first["To"] == "ann@example.org"
    # Kept as received on the wire, CRLF line ends included.
    assert first.get_body(("plain",)).get_content() == "Totals: 12.5 km in 1:02:30\r\n"
    assert "<b>12.5 km</b>" in first.get_body(("html",)).get_content()
    second = next(d for d in sink.deliveries if d.subject == "Second")
    assert second.rcpt_tos == ("ann@example.org", "bcc@example.org")
    assert second.mail_from == "runnerly@localhost"
    assert second.path in files
    assert not list((tmp_path / "mail").glob(".*.part"))  # no half-written file left


def test_the_console_script_logs_one_json_line_per_message_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    port = free_port()
    log_path = tmp_path / "mailsink.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "runnerly_common.mailsink",
                "--port",
                str(port),
                "--directory",
                str(tmp_path / "mail"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(lambda: _port_open(port) or process.poll() is not None)
        assert process.poll() is None, log_path.read_text()
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
            smtp.send_message(_message("Café & <friends>", "zoe@example.org"))
        path = _wait_for(lambda: list((tmp_path / "mail").glob("*.eml")))[0]
        lines = [json.loads(line) for line in log_path.read_text().splitlines() if line]
        mails = [line for line in lines if line["message"] == "mail received"]
        assert len(mails) == 1
        assert {line["logger"] for line in lines} == {"runnerly.mailsink"}  # no SMTP chatter
        assert mails[0]["rcpt_tos"] == ["zoe@example.org"]
        assert mails[0]["subject"] == "Café & <friends>"
        assert mails[0]["path"] == str(path)
        assert mails[0]["service"] == "mailsink"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0, log_path.read_text()
