"""The stack started as `make run` does, and a headless Debian Chromium driven by Playwright.

On a laptop without Chromium or with the ports taken these tests skip; under CI=true they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Response

from e2e import policy_watch
from runnerly_common.testing.chromium import CHROMIUM, CHROMIUM_ARGS
from runnerly_common.testing.ci import skip_or_fail
from runnerly_common.testing.procfile import ROOT, ProcfileStack, StackUnavailable, busy_ports

ARTIFACTS = ROOT / "var" / "e2e-artifacts"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        skip_or_fail(f"no Chromium at {CHROMIUM} (Debian package chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def stack(artifacts: Path) -> Iterator[ProcfileStack]:
    running = ProcfileStack(artifacts / "stack.log")
    try:
        running.start()
    except StackUnavailable as e:
        skip_or_fail(str(e))
    yield running
    left = running.stop()
    assert not left, f"processes left running after the stack stopped: {left}"
    assert not busy_ports(), f"ports still answering after the stack stopped: {busy_ports()}"
    if startup := running.error_lines(startup=True):
        # Services racing each other while honcho starts them all at once (the worker's first
        # sync before the dataservice listens): reported, not what the journey caused.
        print("errors while the stack was starting:\n" + "\n".join(startup[:5]))
    errors = running.error_lines()
    assert not errors, "errors in the stack's logs:\n" + "\n".join(errors[:20])


@pytest.fixture(scope="session")
def browser_context(
    stack: ProcfileStack, chromium_path: str, tmp_path_factory: pytest.TempPathFactory
):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # A persistent context is the only way to give Chromium a fresh --user-data-dir.
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=chromium_path,
            headless=True,
            args=CHROMIUM_ARGS,
            base_url="http://localhost:8080",
            viewport={"width": 1280, "height": 900},
        )
        yield context
        context.close()


@pytest.fixture
def page(browser_context: BrowserContext, artifacts: Path) -> Page:
    # Every test starts logged out, whatever the one before it left: the browser is shared
    # (one Chromium for the run), its cookies are not.  A test that failed half-way, still
    # logged in, sent every later sign-up to the dashboard.
    browser_context.clear_cookies()
    page = browser_context.new_page()
    page.server_errors = []  # type: ignore[attr-defined]

    def check(response: Response) -> None:
        if response.status >= 500:
            page.server_errors.append(f"{response.status} {response.request.method} {response.url}")  # type: ignore[attr-defined]

    page.on("response", check)
    page.policy_violations = policy_watch.watch(page)  # type: ignore[attr-defined]
    page.set_default_timeout(15_000)
    yield page
    page.close()
