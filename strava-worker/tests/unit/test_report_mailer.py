"""Sending a report through real SMTP servers (aiosmtpd on loopback): plain, STARTTLS with
a login, implicit TLS, and the failures a task must retry or must not."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from runnerly_common.mailsink import MailSink
from runnerly_common.testing import free_port
from strava_worker import mailer
from strava_worker.settings import WorkerSettings


def _settings(port: int, **overrides: Any) -> WorkerSettings:
    return WorkerSettings.load(
        environ={}, smtp_host="127.0.0.1", smtp_port=port, smtp_timeout=5, **overrides
    )


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "runnerly@localhost"
    message["To"] = "ann@example.org"
    message["Subject"] = "Your running in October 2026"
    message.set_content("3 runs\n")
    return message


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[MailSink]:
    with MailSink(tmp_path / "mail", port=free_port()) as running:
        yield running


class _Keeper:
    """Accepts and keeps messages; refuses recipients with ``refuse`` when set."""

    def __init__(self, refuse: str | None = None) -> None:
        self.refuse = refuse
        self.messages: list[bytes] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(envelope.content)
        return "250 Message accepted for delivery"


def _login(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
    good = isinstance(auth_data, LoginPassword) and auth_data == (b"mailer", b"s3cret-pass")
    return AuthResult(success=good, handled=False)  # aiosmtpd answers 235 or 535


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder / "cert.pem", folder / "key.pem"


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


@pytest.fixture
def start_server() -> Iterator[Any]:
    controllers: list[Controller] = []

    def start(handler: _Keeper, **options: Any) -> int:
        port = free_port()
        controller = Controller(
            handler, hostname="127.0.0.1", port=port, server_hostname="test-smtp", **options
        )
        controller.start()
        controllers.append(controller)
        return port

    yield start
    for controller in controllers:
        controller.stop()


def test_a_message_reaches_the_sink_addressed_to_the_runner(sink: MailSink):
    mailer.send(_settings(sink.port), _message())
    [delivery] = sink.deliveries
    assert delivery.rcpt_tos == ("ann@example.org",)
    stored = message_from_bytes(delivery.path.read_bytes(), policy=default_policy)
    assert stored["Subject"] == "Your running in October 2026"


def test_starttls_and_login_with_the_configured_credentials(
    start_server, certificate, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust the test's own CA
    keeper = _Keeper()
    port = start_server(keeper, tls_context=_server_context(certificate), authenticator=_login)
    settings = _settings(
        port, smtp_security="starttls", smtp_user="mailer", smtp_password="s3cret-pass"
    )
    mailer.send(settings, _message())
    assert len(keeper.messages) == 1

    wrong = _settings(port, smtp_security="starttls", smtp_user="mailer", smtp_password="nope")
    with pytest.raises(mailer.MailRejected, match="535"):
        mailer.send(wrong, _message())
    assert len(keeper.messages) == 1


def test_implicit_tls_from_the_first_byte(
    start_server, certificate, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    keeper = _Keeper()
    port = start_server(keeper, ssl_context=_server_context(certificate))
    mailer.send(_settings(port, smtp_security="ssl"), _message())
    assert len(keeper.messages) == 1


def test_a_certificate_that_does_not_verify_is_not_retried(start_server, certificate):
    keeper = _Keeper()
    port = start_server(keeper, tls_context=_server_context(certificate))
    with pytest.raises(mailer.MailRejected, match="certificate"):
        mailer.send(_settings(port, smtp_security="starttls"), _message())
    assert keeper.messages == []


def test_a_server_without_starttls_is_not_sent_the_mail_in_clear(start_server):
    keeper = _Keeper()
    port = start_server(keeper)
    with pytest.raises(mailer.MailRejected, match="STARTTLS"):
        mailer.send(_settings(port, smtp_security="starttls"), _message())
    assert keeper.messages == []


@pytest.mark.parametrize(
    ("answer", "error"),
    [("550 5.1.1 no such mailbox", mailer.MailRejected), ("451 4.3.0 try later", mailer.MailError)],
)
def test_a_refused_recipient_is_final_on_5xx_and_retried_on_4xx(start_server, answer, error):
    port = start_server(_Keeper(refuse=answer))
    with pytest.raises(error, match=answer.split()[0]):
        mailer.send(_settings(port), _message())


def test_no_server_listening_is_a_transient_error():
    with pytest.raises(mailer.MailError, match=r"SMTP server at 127\.0\.0\.1"):
        mailer.send(_settings(free_port()), _message())
