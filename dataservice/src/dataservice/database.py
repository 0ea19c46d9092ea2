"""The dataservice's database: the toolkit's ``Database`` with what the dataservice keeps
derived from runs refreshed before every commit (``runs.changed``)."""

from __future__ import annotations

from typing import Any

from dataservice.runs.changed import attach
from dataservice.stats import kept_records
from dataservice.training import kept as kept_training
from dataservice.vo2max import kept as kept_vdots
from runnerly_common.db import Database


def open_database(url: str, **engine_kwargs: Any) -> Database:
    db = Database(url, **engine_kwargs)
    for factory in (db.sessionmaker, db.write_sessionmaker):
        attach(factory, [kept_records.refresh, kept_vdots.refresh, kept_training.refresh])
        kept_vdots.watch_profiles(factory)
    return db
