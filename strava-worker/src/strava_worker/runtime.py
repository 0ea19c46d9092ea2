"""What a task needs, built once per worker process from the settings.

Built lazily (not at import) so a prefork child opens its own Redis and HTTP connections
after the fork, and tests can build one against their own services.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from runnerly_common.archive_imports import ArchiveImports
from runnerly_common.service_client import ServiceTokenClient
from runnerly_common.shared_store import open_shared_store
from strava_worker.budget import RateBudget, Store, Windows
from strava_worker.dataservice import Dataservice
from strava_worker.settings import WorkerSettings
from strava_worker.strava import StravaClient

SCOPE = "users:read runs:read runs:write strava:tokens reports:read"


class Busy(Exception):
    """Another task holds this runner's lock."""


@dataclass
class Runtime:
    settings: WorkerSettings

    @cached_property
    def store(self) -> Store:
        if self.settings.redis_url:
            from strava_worker.redis_store import RedisStore

            return RedisStore.from_url(self.settings.redis_url)
        from strava_worker.sqlite_store import SqliteStore

        return SqliteStore(self.settings.budget_path)

    @cached_property
    def budget(self) -> RateBudget:
        s = self.settings
        windows = Windows(
            s.rate_limit_15min, s.rate_limit_daily, s.rate_window_seconds, s.rate_day_seconds
        )
        return RateBudget(self.store, windows)

    @cached_property
    def strava(self) -> StravaClient:
        s = self.settings
        return StravaClient(
            s.strava_api_url,
            s.strava_oauth_url,
            s.strava_client_id,
            s.strava_client_secret,
            self.budget,
        )

    @cached_property
    def event_strava(self) -> StravaClient:
        """The client webhook event drains use: the same counters as :attr:`strava`, but it
        stops at ``EVENT_BUDGET_PERCENT`` of each window, so events (which anyone can send)
        never spend the budget the syncs need."""
        return self._capped_strava(self.settings.event_budget_percent)

    @cached_property
    def reconcile_strava(self) -> StravaClient:
        """The client a reconciliation asks about missing runs with: it stops at
        ``RECONCILE_BUDGET_PERCENT`` of each window, the lowest share, so those requests
        only spend what syncs and events leave."""
        return self._capped_strava(self.settings.reconcile_budget_percent)

    @cached_property
    def streams_strava(self) -> StravaClient:
        """The client activity streams are fetched with: it stops at
        ``STREAMS_BUDGET_PERCENT`` of each window (and of the day), so a backfill of years
        of streams never takes the budget a sync needs, and spreads over days."""
        return self._capped_strava(self.settings.streams_budget_percent)

    def _capped_strava(self, percent: int) -> StravaClient:
        s, share = self.settings, percent / 100
        windows = Windows(
            max(1, int(s.rate_limit_15min * share)),
            max(1, int(s.rate_limit_daily * share)),
            s.rate_window_seconds,
            s.rate_day_seconds,
        )
        return StravaClient(
            s.strava_api_url,
            s.strava_oauth_url,
            s.strava_client_id,
            s.strava_client_secret,
            RateBudget(self.store, windows),
        )

    @cached_property
    def dataservice(self) -> Dataservice:
        s = self.settings
        tokens = ServiceTokenClient(
            s.token_url, s.client_id, s.client_secret, audience="dataservice", scope=SCOPE
        )
        return Dataservice(s.dataservice_url, tokens.authorized_session())

    @cached_property
    def archives(self) -> ArchiveImports:
        """Strava bulk exports runnerly-web staged for this worker (archive_tasks)."""
        return ArchiveImports(open_shared_store(self.settings.shared_store))

    def runner_lock(self, user_id: int) -> contextlib.AbstractContextManager[None]:
        """One task per runner at a time: no double import, no racing token refreshes."""
        return self._lock(f"runner:{user_id}")

    def archive_lock(self, user_id: int) -> contextlib.AbstractContextManager[None]:
        """One archive task per runner: a redelivered one must not import beside it."""
        return self._lock(f"archive:{user_id}")

    def export_lock(self, export_id: int) -> contextlib.AbstractContextManager[None]:
        """One copy of an export's build at a time: a redelivered one waits its turn."""
        return self._lock(f"export:{export_id}")

    def streams_lock(self, user_id: int) -> contextlib.AbstractContextManager[None]:
        """One streams task per runner: two would fetch the same runs twice."""
        return self._lock(f"streams:{user_id}")

    @contextlib.contextmanager
    def _lock(self, name: str) -> Iterator[None]:
        owner = uuid.uuid4().hex
        if not self.store.acquire(name, owner, self.settings.lock_seconds):
            raise Busy(name)
        try:
            yield
        finally:
            self.store.release(name, owner)
