"""Where each command's data lives, read from the services' own settings.

The CLI is not a client of the services' HTTP APIs: like ``dataservice ensure-user`` and
``tokendealer add-client`` it opens their databases with their own settings
(``DATASERVICE_*``, ``TOKENDEALER_*``), so it works before anything is started, and calls
their service layers.  The broker is the worker's (``STRAVA_WORKER_BROKER_URL``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

from sqlalchemy.orm import Session

from dataservice.settings import DataServiceSettings
from runnerly_admin import failures
from runnerly_common import cli
from runnerly_common.db import Database
from runnerly_common.settings import Settings
from tokendealer.service import TokenDealer
from tokendealer.settings import TokenDealerSettings


@dataclasses.dataclass
class BrokerSettings(Settings):
    """The one worker setting the CLI needs; same env prefix and INI section as the
    worker's, so one ``--config`` file or environment serves both."""

    SECTION: ClassVar[str] = "strava-worker"
    ENV_PREFIX: ClassVar[str] = "STRAVA_WORKER_"

    broker_url: str = "sqla+sqlite:///var/celery-broker.db"


def dataservice_settings(config: str | None) -> DataServiceSettings:
    return cli.load_settings(DataServiceSettings, config)


def broker_url(config: str | None) -> str:
    return cli.load_settings(BrokerSettings, config).broker_url


@contextmanager
def dataservice_db(config: str | None) -> Iterator[Database]:
    """The dataservice's database, for commands that need several transactions."""
    url = dataservice_settings(config).database_url
    with failures.database("the dataservice's database", url, "dataservice migrate"):
        db = Database(url)
        try:
            yield db
        finally:
            db.dispose()


@contextmanager
def dataservice(config: str | None) -> Iterator[Session]:
    """One transaction on the dataservice's database: committed when the block ends,
    rolled back (nothing written) when it raises."""
    with dataservice_db(config) as db, db.transaction() as session:
        yield session


@contextmanager
def tokendealer(config: str | None) -> Iterator[tuple[TokenDealer, Session]]:
    """The tokendealer's service (schema and first keys ensured, as its own CLI does) and
    one transaction on its database."""
    settings = cli.load_settings(TokenDealerSettings, config)
    with failures.database("the tokendealer's database", settings.database_url):
        dealer = TokenDealer(settings)
        try:
            dealer.setup()
            with dealer.db.transaction() as session:
                yield dealer, session
        finally:
            dealer.db.dispose()
