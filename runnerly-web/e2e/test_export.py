"""Export all my data, on the stack `make run` starts: a new runner uploads a run, asks for
the export from the profile, watches it being prepared, downloads the zip once the worker
has built it (runner.json with the run, and the run's file byte for byte), and the worker's
"your export is ready" mail reaches the development sink (var/dev/mail) with the profile's
link."""

from __future__ import annotations

import io
import json
import secrets
import time
import zipfile
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.accessibility import assert_accessible
from e2e.runner import assert_page_ran_clean, gpx_for, sign_up
from runnerly_common.testing.procfile import ROOT, ProcfileStack

MAILDIR = ROOT / "var" / "dev" / "mail"


def _mail_to(email: str, subject: str, timeout: float = 90) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(MAILDIR.glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=default_policy)
            if email in str(message["To"]) and str(message["Subject"]) == subject:
                return message  # type: ignore[return-value]
        time.sleep(0.5)
    raise AssertionError(f"no mail {subject!r} to {email} in {MAILDIR} after {timeout}s")


def test_a_runner_exports_all_their_data_from_the_profile(
    stack: ProcfileStack, page: Page, tmp_path: Path
) -> None:
    email = f"e2e-export-{secrets.token_hex(4)}@example.com"
    sign_up(page, email, f"export {secrets.token_hex(6)} lantern")
    csrf = page.request.get("/api/web/session").json()["csrf_token"]
    gpx = gpx_for(datetime(2026, 11, 3, 12, tzinfo=UTC), tmp_path / "lunch-loop.gpx")
    upload = page.request.post(
        "/api/web/runs/import?filename=lunch-loop.gpx",
        data=gpx.read_bytes(),
        headers={"Content-Type": "application/octet-stream", "X-CSRF-Token": csrf},
    )
    assert upload.status == 201, upload.text()
    run_id = upload.json()["id"]

    page.goto("/profile")
    section = page.get_by_role("region", name="Export my data")
    section.get_by_role("button", name="Export my data").click()
    # Queued, then built by the worker: the progress shows until the link replaces it.
    expect(section.get_by_text("Preparing your export")).to_be_visible()
    link = section.get_by_role("link", name="Download your data")
    expect(link).to_be_visible(timeout=120_000)
    expect(section.get_by_text("Available until")).to_be_visible()
    assert_accessible(page, "profile with a ready export")

    with page.expect_download() as waiting:
        link.click()
    download = waiting.value
    assert download.suggested_filename.startswith("runnerly-export-")
    assert download.suggested_filename.endswith(".zip")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as zf:
        assert zf.testzip() is None
        document = json.loads(zf.read("runner.json"))
        (run,) = document["runs"]
        assert run["id"] == run_id and run["file"] == f"files/{run_id}-lunch-loop.gpx"
        assert zf.read(run["file"]) == gpx.read_bytes()
    assert document["runner"]["email"] == email
    assert document["format"].startswith("runnerly-export/")

    message = _mail_to(email, "Your Runnerly export is ready")
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "/profile" in text
    assert_page_ran_clean(page)
