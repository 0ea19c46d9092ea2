"""What a backup holds, named by the services' own variables: both databases' URLs and the
worker's Redis store, and nothing else of the services' settings (their other secrets a
backup does not need, and a backup container should not hold)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy.engine import URL

from runnerly_admin.backups import postgres
from runnerly_common import cli
from runnerly_common.settings import Settings, secret


@dataclasses.dataclass
class DataserviceDatabase(Settings):
    SECTION: ClassVar[str] = "dataservice"
    ENV_PREFIX: ClassVar[str] = "DATASERVICE_"
    database_url: str = secret()

    def check(self) -> None:
        pass


@dataclasses.dataclass
class TokendealerDatabase(Settings):
    SECTION: ClassVar[str] = "tokendealer"
    ENV_PREFIX: ClassVar[str] = "TOKENDEALER_"
    database_url: str = secret()

    def check(self) -> None:
        pass


@dataclasses.dataclass
class WorkerStore(Settings):
    """The worker's Redis store (rate budget, locks, report markers); empty when the
    worker keeps them in its SQLite file (one machine), which a backup does not hold."""

    SECTION: ClassVar[str] = "strava-worker"
    ENV_PREFIX: ClassVar[str] = "STRAVA_WORKER_"
    redis_url: str = secret()

    def check(self) -> None:
        pass


@dataclass(frozen=True)
class Sources:
    """What a backup holds: both databases and, when the worker keeps them in Redis, its
    lasting keys."""

    databases: dict[str, URL]
    redis_url: str

    @classmethod
    def load(cls, config: str | None) -> Sources:
        dataservice_url = cli.load_settings(DataserviceDatabase, config).database_url
        tokendealer_url = cli.load_settings(TokendealerDatabase, config).database_url
        return cls(
            {
                "tokendealer": postgres.postgres_url(
                    "the tokendealer's database", tokendealer_url, "TOKENDEALER_DATABASE_URL"
                ),
                "dataservice": postgres.postgres_url(
                    "the dataservice's database", dataservice_url, "DATASERVICE_DATABASE_URL"
                ),
            },
            cli.load_settings(WorkerStore, config).redis_url,
        )
