"""Debian's Chromium as the end-to-end tests and the dashboard benchmark drive it (Playwright
with this browser, never a downloaded one)."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("RUNNERLY_TEST_CHROMIUM", "/usr/bin/chromium")
# What a machine with a closed network and a root user needs (runnerly-web/e2e/README.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
