"""The embedded broker's queues exist before the processes that race to make them start."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from runnerly_common.tasks import QUEUES
from strava_worker.broker import declare_queues
from strava_worker.settings import WorkerSettings


# kombu's SQLAlchemy transport maps its tables with an option SQLAlchemy 2.1 deprecates.
@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")
def test_the_queues_are_made_once_and_declaring_again_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "celery-broker.db"
    settings = WorkerSettings.load(environ={}, broker_url=f"sqla+sqlite:///{path}")
    declare_queues(settings)
    declare_queues(settings)  # every `make setup` runs it
    with sqlite3.connect(path) as db:
        names = sorted(name for (name,) in db.execute("SELECT name FROM kombu_queue"))
    assert names == sorted(QUEUES)
