"""strava-sim's settings (env prefix ``STRAVA_SIM_``, INI section ``[strava-sim]``).

The rate-limit values and the list order are only the start-up defaults: the admin API
changes limits, faults and the list order at runtime, and those live in the database so
every worker sees them.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from runnerly_common.settings import Settings, SettingsError, secret

# The order of /athlete/activities pages: "strava" as Strava is reported to answer (oldest
# first when only `after` is given, else newest first), or always one way.
LIST_ORDERS = ("strava", "newest", "oldest")


@dataclasses.dataclass
class SimSettings(Settings):
    SECTION: ClassVar[str] = "strava-sim"
    ENV_PREFIX: ClassVar[str] = "STRAVA_SIM_"

    port: int = 5004
    database_url: str = "sqlite:///var/strava-sim.db"
    seed: int = 42
    athletes: int = 3
    years: int = 3
    activities_per_year: int = 330
    # YYYY-MM-DD (UTC): history ends at this midnight; empty means today, so a fixed
    # anchor makes every time reproducible across days.
    anchor_date: str = ""
    client_id: int = 1000
    client_secret: str = secret()
    token_lifetime: int = 21600
    rotate_refresh_tokens: bool = True
    rate_limit_15min: int = 100
    rate_limit_daily: int = 1000
    rate_limit_overall_15min: int = 200
    rate_limit_overall_daily: int = 2000
    rate_window_seconds: int = 900
    rate_day_seconds: int = 86400
    admin_token: str = secret()
    demo_refresh_token: str = secret()
    webhook_timeout: float = 2.0
    webhook_backoff: float = 0.5
    list_order: str = "strava"

    def check(self) -> None:
        super().check()
        if not self.client_secret:  # the worker must present it, so it cannot be guessed
            name = self.env_name("client_secret")
            raise SettingsError(f"{name} is required (or {name}_FILE)")
        if self.athletes < 1:
            raise SettingsError(f"{self.env_name('athletes')} must be at least 1")
        if self.list_order not in LIST_ORDERS:
            name = self.env_name("list_order")
            raise SettingsError(f"{name} must be one of {', '.join(LIST_ORDERS)}")
        for name in ("rate_window_seconds", "rate_day_seconds", "token_lifetime"):
            if getattr(self, name) < 1:
                raise SettingsError(f"{self.env_name(name)} must be a positive number of seconds")
