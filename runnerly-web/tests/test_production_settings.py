"""What runnerly-web refuses to start without in production, beyond its secrets."""

from __future__ import annotations

import os

import pytest

from runnerly_common.settings import SettingsError
from runnerly_web.settings import WebSettings

SECRETS = {
    "RUNNERLY_ENV": "production",
    "RUNNERLY_WEB_SECRET_KEY": "k" * 32,
    "RUNNERLY_WEB_CLIENT_SECRET": "s" * 32,
    "RUNNERLY_WEB_STRAVA_CLIENT_SECRET": "t" * 32,
}


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> WebSettings:
    for name in [n for n in os.environ if n.startswith("RUNNERLY_")]:
        monkeypatch.delenv(name)
    for name, value in {**SECRETS, **env}.items():
        monkeypatch.setenv(name, value)
    return WebSettings.load()


def test_production_needs_the_broker_that_carries_account_mail(monkeypatch) -> None:
    # Without it a reset link or a password-change notice would never leave.
    with pytest.raises(SettingsError, match="RUNNERLY_WEB_BROKER_URL"):
        _settings(monkeypatch)
    assert _settings(monkeypatch, RUNNERLY_WEB_BROKER_URL="redis://redis:6379/0").broker_url
