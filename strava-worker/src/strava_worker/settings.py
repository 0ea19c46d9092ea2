"""The worker's settings (env prefix ``STRAVA_WORKER_``, INI section ``[strava-worker]``).

Every address is configuration, so the same worker talks to strava-sim locally and to
Strava in production.  The defaults need neither Redis nor a broker server: the broker is
kombu's SQLAlchemy transport on a SQLite file and the rate budget a SQLite file, which is
right for one machine and wrong for several (set ``BROKER_URL`` and ``REDIS_URL`` there).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from runnerly_common.settings import Settings, SettingsError, secret

SMTP_SECURITY = ("none", "starttls", "ssl")


@dataclasses.dataclass
class WorkerSettings(Settings):
    SECTION: ClassVar[str] = "strava-worker"
    ENV_PREFIX: ClassVar[str] = "STRAVA_WORKER_"

    port: int = 5005  # the webhook receiver
    # The worker's /healthz, /readyz and /metrics (its main process; beat has none); 0: off.
    metrics_port: int = 5006
    metrics_host: str = "127.0.0.1"
    broker_url: str = "sqla+sqlite:///var/celery-broker.db"
    # The shared rate budget and the per-runner locks; empty: a SQLite file (one machine).
    redis_url: str = ""
    budget_path: str = "var/strava-budget.db"
    dataservice_url: str = "http://127.0.0.1:5002"
    token_url: str = "http://127.0.0.1:5001/oauth/token"
    client_id: str = "strava-worker"
    client_secret: str = secret()
    strava_api_url: str = "http://127.0.0.1:5004/api/v3"
    strava_oauth_url: str = "http://127.0.0.1:5004/oauth"
    strava_client_id: str = "1000"
    strava_client_secret: str = secret()
    rate_limit_15min: int = 100
    rate_limit_daily: int = 1000
    rate_window_seconds: int = 900  # Strava's 15 minutes; shorter in tests
    rate_day_seconds: int = 86400
    sync_interval: int = 900  # how often beat enqueues every linked runner
    per_page: int = 200
    max_pages_per_run: int = 10  # then the task re-enqueues itself: runners take turns
    refresh_margin: int = 600  # refresh a Strava token expiring within this many seconds
    # Each sync re-reads this far behind the newest start it has seen: a watch that syncs
    # days late, yesterday's manual entry.  Free while those hours fit one page (200).
    sync_lookback_hours: int = 72
    # Once a day (RECONCILE_INTERVAL), a sync re-reads the last RECONCILE_DAYS instead, and
    # asks Strava about stored runs it no longer lists: late uploads beyond the look-back,
    # silent edits (Strava sends no event for a new distance or start) and lost deletions.
    reconcile_days: int = 30
    reconcile_interval: int = 86400
    # Its read replaces one sync's; asking Strava about stored runs it no longer lists is the
    # lowest priority: at most RECONCILE_CHECKS a day, and only while the budget's usage is
    # below this share (percent) of each window.
    reconcile_budget_percent: int = 25
    reconcile_checks: int = 10
    # Activity streams (best efforts inside each run) are fetched after the summaries, only
    # while the budget's usage is below this share (percent) of each window and of the day,
    # STREAMS_PER_TASK runs a task: a backfill of years spreads over days.  0: no streams.
    streams_budget_percent: int = 40
    streams_per_task: int = 20
    # Strava bulk exports staged by runnerly-web and their progress (docs/decisions.md, 59):
    # a redis:// URL, or a SQLite file on one machine; the same as RUNNERLY_WEB_SHARED_STORE.
    shared_store: str = "var/shared-store.db"
    # A runner's lock expires after this: how long a killed worker blocks that runner.
    lock_seconds: int = 900
    max_failures: int = 8  # transient errors (network, 5xx) before a task gives up
    retry_backoff_max: int = 600  # the longest wait between two tries of a failing task
    # Redis broker: a task left unacknowledged by a dead worker is delivered again after
    # this.  Longer than the lock, the longest task and the longest countdown (countdowns
    # are capped at half of it: a task waiting longer would be delivered twice).
    visibility_timeout: int = 3600
    # A pool child that has grown past this (MiB) is replaced once its task ends; 0: never.
    # Celery 5.7's retry keeps a few hundred KB per retry in the child (seen in the soak).
    max_memory_per_child_mb: int = 256
    webhook_verify_token: str = secret()
    # The push subscription whose events are accepted.  0: the one the worker created or
    # found (``subscribe_webhook`` keeps its id in the store); with neither, events are
    # ignored.  Set it only for a subscription made by hand.
    webhook_subscription_id: int = 0
    # Webhook events are hints: per athlete, one drain at most every this many seconds
    # reads Strava for all the events that came meanwhile (the first waits EVENT_DELAY).
    event_interval: int = 30
    event_delay: int = 1
    # The share (percent) of each Strava window that event drains may spend: events come
    # from outside, and the rest of the budget stays for the syncs.
    event_budget_percent: int = 50
    # Where Strava should POST events; set, beat creates the subscription if missing.
    webhook_callback_url: str = ""
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_user: str = ""
    smtp_password: str = dataclasses.field(default="", repr=False)  # optional: not secret()
    smtp_from: str = "runnerly@localhost"
    # none | starttls | ssl (TLS from the first byte, usually port 465); TLS checks the
    # server's certificate against the system's CAs.
    smtp_security: str = "none"
    smtp_timeout: int = 30
    # The hour (the runner's time zone) of the runner's report day from which their report
    # is sent: beat looks every hour (docs/decisions.md, 56).
    report_hour: int = 6
    # The app's address as runners reach it (RUNNERLY_WEB_PUBLIC_URL): mail links back to
    # it, and to its one-click unsubscribe (RFC 8058 wants https in production).
    public_url: str = "http://localhost:8080"
    # A mailbox that acts on "unsubscribe" mail, if the operator has one: added to
    # List-Unsubscribe after the https URI.  Empty: the URI alone.
    unsubscribe_mailto: str = ""
    # The lease of the one beat that sends the schedule (REDIS_URL): renewed every third of
    # it while that beat runs; a standby beat takes over at most this long (and a third)
    # after the holder dies.
    beat_lock_seconds: int = 30

    def check(self) -> None:
        super().check()
        positive = ("rate_window_seconds", "rate_day_seconds", "sync_interval", "per_page")
        for name in (*positive, "lock_seconds", "retry_backoff_max", "visibility_timeout"):
            if getattr(self, name) < 1:
                raise SettingsError(f"{self.env_name(name)} must be a positive number")
        if self.lock_seconds * 2 > self.visibility_timeout:
            # A redelivered task (its worker died) waits up to the lock's length in a
            # countdown, and countdowns must stay under half the visibility timeout.
            raise SettingsError(
                f"{self.env_name('lock_seconds')} must be at most half of "
                f"{self.env_name('visibility_timeout')}"
            )
        if self.event_interval < 1 or self.event_delay < 0:
            raise SettingsError(
                f"{self.env_name('event_interval')} must be positive and "
                f"{self.env_name('event_delay')} not negative"
            )
        for name in ("event_budget_percent", "reconcile_budget_percent"):
            if not 1 <= getattr(self, name) <= 100:
                raise SettingsError(f"{self.env_name(name)} must be 1 to 100")
        if not 0 <= self.streams_budget_percent <= 100:
            raise SettingsError(f"{self.env_name('streams_budget_percent')} must be 0 to 100")
        for name in ("sync_lookback_hours", "reconcile_checks", "streams_per_task"):
            if getattr(self, name) < 0:
                raise SettingsError(f"{self.env_name(name)} must not be negative")
        if not 1 <= self.reconcile_days <= 365 or self.reconcile_interval < 1:
            raise SettingsError(
                f"{self.env_name('reconcile_days')} must be 1 to 365 and "
                f"{self.env_name('reconcile_interval')} positive"
            )
        if not 0 <= self.metrics_port <= 65535:
            raise SettingsError(f"{self.env_name('metrics_port')} must be a port, or 0 for none")
        if self.smtp_security not in SMTP_SECURITY:
            raise SettingsError(
                f"{self.env_name('smtp_security')} must be one of {', '.join(SMTP_SECURITY)}"
            )
        if self.beat_lock_seconds < 3:
            raise SettingsError(f"{self.env_name('beat_lock_seconds')} must be at least 3")
        if not 0 <= self.report_hour <= 23:
            raise SettingsError(f"{self.env_name('report_hour')} must be an hour, 0 to 23")
        if self.is_production and self.smtp_user and self.smtp_security == "none":
            raise SettingsError(
                f"{self.env_name('smtp_user')} is set but {self.env_name('smtp_security')} is "
                "none: the SMTP password would cross the network in clear text"
            )
        if self.is_production and not self.redis_url:
            raise SettingsError(
                f"{self.env_name('redis_url')} is required in production: the rate budget "
                "must be shared by every worker process"
            )


@dataclasses.dataclass
class WebhookSettings(WorkerSettings):
    """The webhook intake's: it checks Strava's handshake and queues events, so of the
    worker's secrets it needs only the verify token; the clients' secrets stay with the
    processes that call the tokendealer and Strava."""

    SECRETS_USED: ClassVar[frozenset[str] | None] = frozenset({"webhook_verify_token"})
