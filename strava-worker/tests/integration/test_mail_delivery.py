"""``deliver_mail`` end to end: a mail another service composed (runnerly_common.mail),
queued on the broker as runnerly-web queues it, sent by a real worker to an SMTP sink —
retried while the server is away, dropped (and logged) when it refuses for good; one that
names its runner carries their one-click unsubscribe (RFC 8058, decision 56)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from celery import Celery

from runnerly_common.mail import Action, Mail, compose
from runnerly_common.mailsink import Delivery, MailSink
from runnerly_common.service_client import ServiceTokenClient
from runnerly_common.tasks import DELIVER_MAIL
from runnerly_common.testing import free_port
from runnerly_common.testing.services import Dataservice, Tokendealer

from .conftest import BROKER
from .helpers import Worker, delivered_to, wait_for


def _queue(mail: Mail) -> None:
    app = Celery(broker=BROKER)
    try:
        DELIVER_MAIL.send(app, mail.task_kwargs())
    finally:
        app.close()


def _read(delivery: Delivery) -> EmailMessage:
    message = message_from_bytes(delivery.path.read_bytes(), policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


def _mail(to: str, headers: dict[str, str] | None = None, runner_id: int | None = None) -> Mail:
    return compose(
        to,
        "Reset your Runnerly password",
        ["Someone asked to reset the password of your account <yours>."],
        public_url="https://runnerly.example",
        action=Action("Choose a new password", "https://runnerly.example/reset-password#token=t0k"),
        headers=headers,
        runner_id=runner_id,
    )


@pytest.fixture
def sink_port() -> int:
    return free_port()


@pytest.fixture
def sink(tmp_path: Path, sink_port: int) -> Iterator[MailSink]:
    with MailSink(tmp_path / "mail", port=sink_port) as running:
        yield running


def test_a_queued_mail_reaches_the_smtp_server_as_text_and_html_with_its_headers(
    start_worker: Callable[..., Worker], sink: MailSink, sink_port: int
) -> None:
    to = f"ann-{uuid.uuid4().hex[:8]}@example.org"
    worker = start_worker(
        smtp_host="127.0.0.1", smtp_port=str(sink_port), smtp_from="Runnerly <mail@run.example>"
    )
    _queue(_mail(to, {"X-Runnerly-Purpose": "password-reset"}))

    (delivery,) = wait_for(lambda: delivered_to(sink, to), "the mail", worker)
    message = _read(delivery)
    assert message["To"] == to
    assert message["From"] == "Runnerly <mail@run.example>"
    assert message["Subject"] == "Reset your Runnerly password"
    assert message["X-Runnerly-Purpose"] == "password-reset"
    assert message["Message-ID"].endswith("@run.example>")
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "https://runnerly.example/reset-password#token=t0k" in text
    assert "Runnerly: https://runnerly.example" in text  # the footer links back to the app
    assert 'href="https://runnerly.example/reset-password#token=t0k"' in html
    assert "&lt;yours&gt;" in html and "<yours>" not in html


def test_a_mail_to_a_runner_carries_their_one_click_unsubscribe_in_headers_and_both_parts(
    start_worker: Callable[..., Worker],
    sink: MailSink,
    sink_port: int,
    make_user: Callable[..., int],
    tokendealer: Tokendealer,
    dataservice: Dataservice,
) -> None:
    to = f"di-{uuid.uuid4().hex[:8]}@example.org"
    runner_id = make_user(to, first_name="Di")
    client_id, secret = tokendealer.client("INTEGRATION_TESTS_CLIENT")
    reader = ServiceTokenClient(
        tokendealer.token_url, client_id, secret, audience="dataservice", scope="users:read"
    ).authorized_session()
    answer = reader.get(f"{dataservice.api}/users/{runner_id}/email-preferences", timeout=10)
    assert answer.status_code == 200, answer.text
    token = answer.json()["unsubscribe_token"]
    worker = start_worker(
        smtp_host="127.0.0.1", smtp_port=str(sink_port), public_url="https://runnerly.example/"
    )
    # A sender's own List-Unsubscribe is replaced, not doubled.
    _queue(_mail(to, {"List-Unsubscribe": "<https://elsewhere.example/u>"}, runner_id))

    (delivery,) = wait_for(lambda: delivered_to(sink, to), "the mail", worker)
    message = _read(delivery)
    url = f"https://runnerly.example/unsubscribe/{token}"
    assert message.get_all("List-Unsubscribe") == [f"<{url}>"]
    assert message.get_all("List-Unsubscribe-Post") == ["List-Unsubscribe=One-Click"]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert f"Unsubscribe: {url}" in text
    assert "https://runnerly.example/profile" in text
    assert f'href="{url}"' in html
    assert 'href="https://runnerly.example/profile"' in html
    assert "https://runnerly.example/reset-password#token=t0k" in text  # the mail itself


def test_a_mail_to_a_runner_is_retried_while_the_dataservice_is_away_then_sent_without_it(
    start_worker: Callable[..., Worker], sink: MailSink, sink_port: int
) -> None:
    to = f"ed-{uuid.uuid4().hex[:8]}@example.org"
    # The dataservice answers, but nothing listens where this worker looks for it.
    worker = start_worker(
        smtp_host="127.0.0.1",
        smtp_port=str(sink_port),
        dataservice_url=f"http://127.0.0.1:{free_port()}",
        max_failures="1",
    )
    _queue(_mail(to, runner_id=1))
    wait_for(lambda: "unsubscribe:" in worker.log(), "a failed look-up", worker)
    assert delivered_to(sink, to) == []  # not sent while the retry is pending
    (delivery,) = wait_for(lambda: delivered_to(sink, to), "the mail, at last", worker)
    assert "sent without unsubscribe" in worker.log()
    assert _read(delivery)["List-Unsubscribe"] is None


def test_a_mail_the_server_could_not_take_is_retried_and_sent_once(
    start_worker: Callable[..., Worker], tmp_path: Path, sink_port: int
) -> None:
    to = f"bo-{uuid.uuid4().hex[:8]}@example.org"
    worker = start_worker(smtp_host="127.0.0.1", smtp_port=str(sink_port))
    _queue(_mail(to))  # nothing listens on the SMTP port yet
    wait_for(lambda: "to @example.org: SMTP server" in worker.log(), "a failed attempt", worker)
    with MailSink(tmp_path / "late-mail", port=sink_port) as sink:
        wait_for(lambda: delivered_to(sink, to), "the retried mail", worker)
        time.sleep(1)
        assert len(delivered_to(sink, to)) == 1


class _Refuser:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        return "550 5.1.1 no such mailbox"


def test_a_mail_the_server_refuses_for_good_is_logged_and_not_sent_again(
    start_worker: Callable[..., Worker],
) -> None:
    port = free_port()
    controller = Controller(_Refuser(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        to = f"cy-{uuid.uuid4().hex[:8]}@example.org"
        worker = start_worker(smtp_host="127.0.0.1", smtp_port=str(port))
        _queue(_mail(to))
        wait_for(lambda: "refused: recipient refused" in worker.log(), "the refusal", worker)
        wait_for(
            lambda: "succeeded" in worker.log() or "'rejected'" in worker.log(), "the end", worker
        )
        assert worker.log().count("refused: recipient refused") == 1
    finally:
        controller.stop()
