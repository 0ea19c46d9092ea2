"""The monthly report is optional mail: one-click unsubscribe headers (RFC 8058) a mail
client can act on, the same link in the footer, and a link back to the app."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.parser import BytesParser
from email.policy import default as default_policy
from urllib.parse import urlsplit

from strava_worker.report_mail import Links, build_message

from .test_report_mail import RUNNER, make_report

TOKEN = "k3Vq0oJ6pY1sVd9x_Zr-2LwQm8nB4cTe7uHa5gKi0fM"
SENDER = "Runnerly <reports@runnerly.example>"


def _mail(public_url: str = "https://runnerly.example.org", mailto: str = "") -> bytes:
    message = build_message(make_report(), RUNNER, SENDER, Links.make(public_url, TOKEN, mailto))
    return message.as_bytes()


def test_the_report_carries_one_https_uri_and_the_one_click_post_header():
    raw = _mail()
    parsed = BytesParser(policy=default_policy).parsebytes(raw)
    uris = re.findall(r"<([^>]*)>", str(parsed["List-Unsubscribe"]))
    assert uris == [f"https://runnerly.example.org/unsubscribe/{TOKEN}"]
    assert urlsplit(uris[0]).scheme == "https"  # RFC 8058 §3.1
    assert str(parsed["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    # One line each as sent, never RFC 2047 encoded words a client cannot read as a URI.
    assert b"=?utf-8?" not in raw.split(b"\n\n", 1)[0]
    assert raw.count(b"List-Unsubscribe:") == 1 and raw.count(b"List-Unsubscribe-Post:") == 1


def test_a_mailto_follows_the_https_uri_when_the_operator_has_a_mailbox():
    parsed = message_from_bytes(_mail(mailto="leave@runnerly.example.org"), policy=default_policy)
    assert re.findall(r"<([^>]*)>", str(parsed["List-Unsubscribe"])) == [
        f"https://runnerly.example.org/unsubscribe/{TOKEN}",
        "mailto:leave@runnerly.example.org?subject=unsubscribe",
    ]


def test_the_body_links_back_to_the_app_and_shows_the_unsubscribe_link():
    parsed = message_from_bytes(_mail("https://runnerly.example.org/"), policy=default_policy)
    text = parsed.get_body(("plain",)).get_content()
    page = parsed.get_body(("html",)).get_content()
    unsubscribe = f"https://runnerly.example.org/unsubscribe/{TOKEN}"
    assert "See every run in Runnerly: https://runnerly.example.org/" in text
    assert f"Unsubscribe from it: {unsubscribe}" in text
    assert "https://runnerly.example.org/profile" in text  # where the day is chosen
    assert f'href="{unsubscribe}"' in page
    assert 'href="https://runnerly.example.org/"' in page
    assert 'href="https://runnerly.example.org/profile"' in page
