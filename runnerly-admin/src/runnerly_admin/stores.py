"""Where each command's data lives, read from the services' own settings.

The CLI is not a client of the services' HTTP APIs: like ``dataservice ensure-user`` and
``tokendealer add-client`` it opens their databases with their own settings
(``DATASERVICE_*``, ``TOKENDEALER_*``), so it works before anything is started, and calls
their admin facades, ``dataservice.admin`` and ``tokendealer.admin``: their public API for
tools like this one, the rest of each service being its own business (docs/decisions.md,
35).  The broker is the worker's (``STRAVA_WORKER_BROKER_URL``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

from sqlalchemy.orm import Session

from dataservice import admin as dataservice_admin
from runnerly_admin import failures
from runnerly_common import cli
from runnerly_common.db import Database
from runnerly_common.settings import Settings
from tokendealer import admin as tokendealer_admin


@dataclasses.dataclass
class BrokerSettings(Settings):
    """The one worker setting the CLI needs; same env prefix and INI section as the
    worker's, so one ``--config`` file or environment serves both."""

    SECTION: ClassVar[str] = "strava-worker"
    ENV_PREFIX: ClassVar[str] = "STRAVA_WORKER_"

    broker_url: str = "sqla+sqlite:///var/celery-broker.db"


def dataservice_settings(config: str | None) -> dataservice_admin.DataServiceSettings:
    return cli.load_settings(dataservice_admin.DataServiceSettings, config)


def broker_url(config: str | None) -> str:
    return cli.load_settings(BrokerSettings, config).broker_url


@contextmanager
def dataservice_db(config: str | None) -> Iterator[Database]:
    """The dataservice's database as the dataservice opens it, for commands that need
    several transactions."""
    url = dataservice_settings(config).database_url
    with failures.database("the dataservice's database", url, "dataservice migrate"):
        db = dataservice_admin.open_database(url)
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
def tokendealer(config: str | None) -> Iterator[tokendealer_admin.TokenDealerSettings]:
    """The tokendealer's settings, for :mod:`tokendealer.admin`'s functions (each opens
    the database, its schema and first keys ensured, as its own CLI does); a database
    failure in the block is named as the tokendealer's."""
    settings = cli.load_settings(tokendealer_admin.TokenDealerSettings, config)
    with failures.database("the tokendealer's database", settings.database_url):
        yield settings
