"""The dataservice's settings (env prefix ``DATASERVICE_``, INI section ``[dataservice]``)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from runnerly_common.settings import DatabaseSettings, SettingsError, alias, secret


@dataclasses.dataclass
class DataServiceSettings(DatabaseSettings):
    SECTION: ClassVar[str] = "dataservice"
    ENV_PREFIX: ClassVar[str] = "DATASERVICE_"

    port: int = 5002
    # Threads per gunicorn worker: its requests are CPU and database work, so few; more
    # than one makes it a gthread worker that keeps the gateway's and the other services'
    # connections alive, and overlaps one request's database wait with another's Python
    # (docs/decisions.md, 67). The pool must hold threads + 1 (DatabaseSettings.check).
    threads: int = 2
    database_url: str = alias("sqlite:///var/dataservice.db", "DATABASE_URL")
    jwks_url: str = "http://127.0.0.1:5001/.well-known/jwks.json"
    token_audience: str = "dataservice"
    # Fernet keys (comma-separated, newest first) protecting Strava tokens at rest.
    strava_token_keys: str = secret()
    # Clients trusted with passwords and with Strava tokens.
    password_clients: tuple[str, ...] = ("runnerly-web",)
    strava_clients: tuple[str, ...] = ("runnerly-web", "strava-worker")
    # Clients that build runners' exports, and the days a ready export stays downloadable.
    export_clients: tuple[str, ...] = ("strava-worker",)
    export_days: int = 7
    # A 10 MB upload is refused; activity files beyond this are rare.
    max_content_length: int = 8 * 1024 * 1024
    max_batch: int = 1000
    # Argon2id parameters: "rfc9106" (RFC 9106's low-memory choice), or "cheapest" for test
    # suites only (users.passwords); production refuses it.
    password_hash: str = "rfc9106"

    def check(self) -> None:
        super().check()
        if not 1 <= self.export_days <= 90:
            raise SettingsError(f"{self.env_name('export_days')} must be between 1 and 90")
        if not 1 <= self.max_batch <= 10000:
            raise SettingsError(f"{self.env_name('max_batch')} must be between 1 and 10000")
        if self.password_hash not in ("rfc9106", "cheapest"):
            raise SettingsError(f"{self.env_name('password_hash')} must be rfc9106 or cheapest")
        if self.password_hash != "rfc9106" and self.is_production:
            raise SettingsError(
                f"{self.env_name('password_hash')}={self.password_hash} is for test suites: "
                "production hashes passwords with rfc9106"
            )
