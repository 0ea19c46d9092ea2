"""runnerly_common.mail: the parts a sender composes (text and HTML saying the same, every
value escaped, a footer linking to the app) and the message the worker builds from them,
which no sender's header can redirect."""

from __future__ import annotations

import pytest

from runnerly_common.mail import Action, MailHeaderError, build_message, compose, with_unsubscribe


def _mail(**headers: str):  # type: ignore[no-untyped-def]
    return compose(
        "ann@example.org",
        "Reset your Runnerly password",
        ["Asked from <script>alert(1)</script> & more."],
        public_url="https://run.example/",
        action=Action("Choose a new password", "https://run.example/reset-password#token=a&b"),
        greeting="Hi Ann,",
        headers=headers,
    )


def test_text_and_html_carry_the_same_words_link_and_a_footer_back_to_the_app() -> None:
    mail = _mail()
    assert mail.text.startswith("Hi Ann,\n")
    assert "Asked from <script>alert(1)</script> & more." in mail.text
    assert "Choose a new password:\nhttps://run.example/reset-password#token=a&b" in mail.text
    assert mail.text.rstrip().endswith("Runnerly: https://run.example")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more." in mail.html
    assert "<script>" not in mail.html
    assert 'href="https://run.example/reset-password#token=a&amp;b"' in mail.html
    assert 'href="https://run.example"' in mail.html


def test_the_task_arguments_are_the_parts_and_no_empty_headers() -> None:
    assert _mail().task_kwargs()["headers"] is None
    assert _mail(**{"List-Unsubscribe": "<https://x/u>"}).task_kwargs()["headers"] == {
        "List-Unsubscribe": "<https://x/u>"
    }


def test_the_message_is_from_the_worker_s_sender_with_both_parts_and_extra_headers() -> None:
    mail = _mail(**{"List-Unsubscribe": "<https://run.example/unsubscribe/t>"})
    message = build_message(
        "Runnerly <mail@run.example>", mail.to, mail.subject, mail.text, mail.html, mail.headers
    )
    assert message["From"] == "Runnerly <mail@run.example>"
    assert message["To"] == "ann@example.org"
    assert message["Message-ID"].endswith("@run.example>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe"] == "<https://run.example/unsubscribe/t>"
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content() == mail.text  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "headers",
    [
        {"To": "someone@else.example"},
        {"bcc": "someone@else.example"},
        {"From": "ceo@bank.example"},
        {"X-Note": "line\r\nBcc: someone@else.example"},
        {"Bad Name": "x"},
        {"X-Colon:": "x"},
    ],
    ids=["to", "bcc", "from", "crlf-in-value", "space-in-name", "colon-in-name"],
)
def test_a_header_that_could_redirect_or_forge_the_mail_is_refused(
    headers: dict[str, str],
) -> None:
    with pytest.raises(MailHeaderError):
        build_message("mail@run.example", "ann@example.org", "Hi", "text", None, headers)
    with pytest.raises(MailHeaderError):
        compose("ann@example.org", "Hi", ["x"], public_url="", headers=headers)


def test_a_subject_or_recipient_on_two_lines_is_refused() -> None:
    with pytest.raises(MailHeaderError):
        build_message("mail@run.example", "ann@example.org", "Hi\r\nBcc: x@y.z", "text")


# RFC 8058 §8.1's example: the header pair a mail to example.com's list carries.
RFC_8058_LIST_UNSUBSCRIBE = "<https://example.com/unsubscribe/opaquepart>"


def test_a_mail_to_a_runner_names_them_for_the_worker_and_others_do_not() -> None:
    to_runner = compose("ann@example.org", "S", ["p"], public_url="https://x", runner_id=7)
    assert to_runner.task_kwargs()["runner_id"] == 7
    assert "runner_id" not in _mail().task_kwargs()  # a worker not yet upgraded takes it


def test_the_unsubscribe_adds_rfc_8058_headers_and_a_footer_in_both_parts() -> None:
    mail = _mail(**{"X-Runnerly-Mail": "account"})
    out = with_unsubscribe(
        mail.text, mail.html, mail.headers, public_url="https://example.com/", token="opaquepart"
    )
    assert out.headers == {
        "X-Runnerly-Mail": "account",
        "List-Unsubscribe": RFC_8058_LIST_UNSUBSCRIBE,
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert out.text.startswith(mail.text.rstrip("\n"))
    assert "Unsubscribe: https://example.com/unsubscribe/opaquepart\n" in out.text
    assert "Choose which emails you get: https://example.com/profile" in out.text
    assert "whatever your email preferences" in out.text
    assert out.html is not None
    assert 'href="https://example.com/unsubscribe/opaquepart"' in out.html
    assert 'href="https://example.com/profile"' in out.html
    assert "whatever your email preferences" in out.html
    assert out.html.endswith("</body></html>\n")  # inside the page, not after it
    message = build_message(
        "mail@run.example", mail.to, mail.subject, out.text, out.html, out.headers
    )
    assert message["List-Unsubscribe"] == RFC_8058_LIST_UNSUBSCRIBE
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_worker_s_unsubscribe_replaces_a_sender_s_instead_of_doubling_it() -> None:
    mail = _mail(**{"list-unsubscribe": "<https://evil.example/u>", "LIST-UNSUBSCRIBE-POST": "x"})
    out = with_unsubscribe(
        mail.text, mail.html, mail.headers, public_url="https://example.com", token="opaquepart"
    )
    message = build_message(
        "mail@run.example", mail.to, mail.subject, out.text, out.html, out.headers
    )
    assert message.get_all("List-Unsubscribe") == [RFC_8058_LIST_UNSUBSCRIBE]
    assert message.get_all("List-Unsubscribe-Post") == ["List-Unsubscribe=One-Click"]


def test_a_token_is_escaped_in_the_link_and_a_text_only_mail_gets_the_text_footer() -> None:
    out = with_unsubscribe("Hello,\n", None, None, public_url="https://example.com", token="a/b<c>")
    assert out.html is None
    assert "Unsubscribe: https://example.com/unsubscribe/a%2Fb%3Cc%3E" in out.text
    assert out.headers["List-Unsubscribe"] == "<https://example.com/unsubscribe/a%2Fb%3Cc%3E>"
