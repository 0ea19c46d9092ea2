"""One-click unsubscribe headers (RFC 8058): what a mail carries, as a mail client reads it."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from urllib.parse import parse_qsl

from runnerly_common import unsubscribe

TOKEN = "k3Vq0oJ6pY1sVd9x_Zr-2LwQm8nB4cTe7uHa5gKi0fM"  # 43 characters, as the dataservice makes


def test_the_one_click_body_is_rfc_8058s_example_body():
    # RFC 8058 §8.1: "Content-Length: 26" and the body "List-Unsubscribe=One-Click".
    assert unsubscribe.ONE_CLICK == "List-Unsubscribe=One-Click"
    assert len(unsubscribe.ONE_CLICK.encode()) == 26
    assert unsubscribe.is_one_click(dict(parse_qsl(unsubscribe.ONE_CLICK)))


def test_another_body_is_not_a_one_click():
    assert not unsubscribe.is_one_click({})
    assert not unsubscribe.is_one_click({"List-Unsubscribe": "one-click"})
    assert not unsubscribe.is_one_click({"unsubscribe": "One-Click"})


def test_a_mail_carries_one_https_uri_and_the_post_header_as_a_client_parses_them():
    message = EmailMessage()
    message["Subject"] = "Your running in November 2026"
    unsubscribe.add_to(message, "https://runnerly.example.org/", TOKEN)
    message.set_content("Hello")

    parsed = message_from_bytes(bytes(message), policy=default_policy)
    url = f"https://runnerly.example.org/unsubscribe/{TOKEN}"
    # Not folded into RFC 2047 encoded words, which no client reads as a URI.
    assert f"List-Unsubscribe: <{url}>".encode() in bytes(message)
    assert str(parsed["List-Unsubscribe"]) == f"<{url}>"
    assert str(parsed["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"


def test_a_mailto_comes_after_the_https_uri_when_the_operator_has_one():
    value = unsubscribe.headers("https://r.example.org", TOKEN, mailto="leave@r.example.org")
    assert value["List-Unsubscribe"] == (
        f"<https://r.example.org/unsubscribe/{TOKEN}>, "
        "<mailto:leave@r.example.org?subject=unsubscribe>"
    )


def test_a_mail_the_worker_delivers_keeps_the_headers_a_sender_passed_readable():
    # The export announcement's path: runnerly_common.mail.build_message with extra headers.
    from runnerly_common.mail import build_message

    message = build_message(
        "Runnerly <mail@runnerly.example.org>",
        "ann@example.org",
        "Your export is ready",
        "Hello",
        headers=unsubscribe.headers("https://runnerly.example.org", TOKEN),
    )
    raw = bytes(message)
    assert f"List-Unsubscribe: <https://runnerly.example.org/unsubscribe/{TOKEN}>".encode() in raw
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw
    assert b"=?utf-8?" not in raw.split(b"\n\n", 1)[0]
