"""The simulator's service layer: settings, database, clock and webhook dispatcher, shared
by the HTTP views, the admin API and the CLI."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from flask import current_app

from runnerly_common.db import Database
from strava_sim.controls import reset_controls
from strava_sim.models import Controls
from strava_sim.schema import upgrade
from strava_sim.seed.seeder import seed
from strava_sim.settings import SimSettings
from strava_sim.webhooks.dispatch import Dispatcher


class Simulator:
    def __init__(self, settings: SimSettings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        # Tests replace the clock to cross windows and expiries without sleeping.
        self.clock = clock
        self.dispatcher = Dispatcher(
            timeout=settings.webhook_timeout, backoff=settings.webhook_backoff
        )

    def now(self) -> int:
        return int(self.clock())

    def utcnow(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def setup(self) -> None:
        """Create tables (and columns an older database lacks), seed an empty database, and
        start from the settings' limits and list order with no faults; safe at every start."""
        upgrade(self.db.engine)
        with self.db.transaction() as session:
            if session.get(Controls, 1) is None:
                seed(session, self.settings)
            reset_controls(session, self.settings)

    def reset(self) -> int:
        """Re-seed everything (athletes, activities, tokens, subscriptions, usage, faults)."""
        upgrade(self.db.engine)
        with self.db.transaction() as session:
            total = seed(session, self.settings)
            reset_controls(session, self.settings)
        return total


def sim() -> Simulator:
    """The current app's simulator."""
    simulator: Simulator = current_app.extensions["strava_sim"]
    return simulator
