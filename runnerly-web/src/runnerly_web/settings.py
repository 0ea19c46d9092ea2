"""runnerly-web's settings (env prefix ``RUNNERLY_WEB_``, INI section ``[runnerly-web]``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar

from runnerly_common.settings import Settings, SettingsError, secret

# In a checkout (editable install) the React build sits next to the package.
DEFAULT_DIST = str(Path(__file__).resolve().parents[2] / "frontend" / "dist")


@dataclasses.dataclass
class WebSettings(Settings):
    SECTION: ClassVar[str] = "runnerly-web"
    ENV_PREFIX: ClassVar[str] = "RUNNERLY_WEB_"

    port: int = 5000
    # Threads per gunicorn worker: a request here mostly waits on the dataservice and the
    # tokendealer (the soak: 38 % of the time in front of runnerly-web was requests queued
    # for a sync worker), so a waiting request holds a thread, not the process
    # (docs/decisions.md, 67). More threads than the dataservice has slots (2 x 2 here,
    # 4 x 2 in compose), so that a request waiting on it waits inside a handler rather than
    # queued in front of this tier (decision 74). Its SQLite stores keep a connection per
    # thread.
    threads: int = 32
    # Signs the session cookie; rotating it logs everyone out.
    secret_key: str = secret()
    # Secure cookies also outside production (TLS in front of a test stack).
    secure_cookies: bool = False
    # A session ends after this many days without use (the cookie and the server's entry)...
    session_days: int = 14
    # ...and this many days after login however often it is used: log in again.
    session_max_days: int = 30
    # How long the dataservice's word that a session's account exists, is enabled and is
    # the one the session was opened for holds, for every web process (web_session): what
    # changes outside this app reaches a session within it; this app's own changes end the
    # sessions at once. A runner token's lifetime: the dataservice refuses a disabled
    # runner's token sooner anyway.
    account_check_seconds: int = 300
    # Hops of X-Forwarded-For to trust (1 behind the gateway), for the client's address.
    trusted_proxies: int = 0
    dataservice_url: str = "http://127.0.0.1:5002"
    token_url: str = "http://127.0.0.1:5001/oauth/token"
    client_id: str = "runnerly-web"
    client_secret: str = secret()
    service_scope: str = "users:read users:write strava:tokens"
    user_scope: str = "users:read users:write runs:read runs:write strava:tokens reports:read"
    # Login throttling: Redis when set (shared by every process), else a SQLite file.
    redis_url: str = ""
    throttle_db: str = "var/runnerly-web-throttle.db"
    login_window_seconds: int = 900
    login_max_per_account: int = 5
    login_max_per_address: int = 20
    # A browser that logged in to an account keeps a signed "known device" cookie this long;
    # it is spared the account's lockout (docs/decisions.md).
    known_device_days: int = 365
    # Strava (strava-sim locally): the same application as the worker's.
    strava_oauth_url: str = "http://127.0.0.1:5004/oauth"
    strava_client_id: str = "1000"
    strava_client_secret: str = secret()
    # Where Strava sends the runner back; empty: this request's own host.
    public_url: str = ""
    # The worker's broker, to enqueue a first sync; empty: beat's next round finds the link.
    # Account mail (reset links, notices) is queued there too: the worker sends it.
    broker_url: str = ""
    # Account recovery (docs/decisions.md, 52): a reset link lives an hour, an email
    # confirmation link a day; reset requests per window, per address asked and per client.
    password_reset_ttl_seconds: int = 3600
    email_change_ttl_seconds: int = 86400
    password_reset_window_seconds: int = 3600
    password_reset_max_per_email: int = 3
    password_reset_max_per_address: int = 20
    # A reset request is answered no sooner than this (milliseconds), whether or not the
    # address has an account: the time taken says nothing about it.
    password_reset_answer_ms: int = 400
    # Strava bulk exports staged for the worker, their progress, the Strava athlete's name
    # (docs/decisions.md, 59): a redis:// URL (every process, every machine), or a SQLite
    # file on one machine; the worker's STRAVA_WORKER_SHARED_STORE names the same store.
    shared_store: str = "var/shared-store.db"
    # A Strava export uploaded in chunks (docs/decisions.md, 60): the largest archive taken
    # (announced larger: 413 up front), also the cap on its activities staged in the store;
    # the directory its chunks are written to (on a disk every web process reaches: a
    # volume shared by the web containers); an upload untouched this long is dropped.
    archive_max_bytes: int = 4 * 1024 * 1024 * 1024
    archive_upload_dir: str = "var/archive-uploads"
    archive_upload_ttl_seconds: int = 86400
    # "Sync now" waits this long after the runner's last sync: each sync spends the Strava
    # application's budget, which every runner shares (200 requests per 15 min by default).
    sync_cooldown_seconds: int = 300
    frontend_dist: str = DEFAULT_DIST
    # Where the dashboard's map loads tiles from (its Content-Security-Policy's img-src):
    # the origins of the build's VITE_MAP_TILES, OpenStreetMap's by default.
    map_tile_sources: tuple[str, ...] = ("https://*.tile.openstreetmap.org",)
    # A FIT/GPX upload; the dataservice's own limit is 8 MiB.
    max_content_length: int = 8 * 1024 * 1024

    @property
    def cookies_secure(self) -> bool:
        return self.secure_cookies or self.is_production

    def check(self) -> None:
        super().check()
        for name in (
            "login_max_per_account",
            "login_max_per_address",
            "login_window_seconds",
            "session_days",
            "session_max_days",
            "account_check_seconds",
            "known_device_days",
            "password_reset_ttl_seconds",
            "email_change_ttl_seconds",
            "password_reset_window_seconds",
            "password_reset_max_per_email",
            "password_reset_max_per_address",
            "archive_max_bytes",
            "archive_upload_ttl_seconds",
        ):
            if getattr(self, name) < 1:
                raise SettingsError(f"{self.env_name(name)} must be at least 1")
        if self.is_production and not self.broker_url:
            # Reset links and account notices go out through the worker's broker only.
            raise SettingsError(f"{self.env_name('broker_url')} is required in production")
        if self.sync_cooldown_seconds < 0:
            raise SettingsError(f"{self.env_name('sync_cooldown_seconds')} must not be negative")
        if self.trusted_proxies < 0:
            raise SettingsError(f"{self.env_name('trusted_proxies')} must not be negative")
