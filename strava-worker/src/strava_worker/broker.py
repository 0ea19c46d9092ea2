"""Declare the worker's queues on the broker before any of its processes starts:
``python -m strava_worker.broker`` (``make setup`` runs it).

With the embedded broker (kombu's SQLAlchemy transport on a SQLite file) a queue is a row
made on first use, by a SELECT then an INSERT: the worker, the streams worker and beat,
started together on a new file, race to make the same row, and the loser's message is lost
(beat's first round, "UNIQUE constraint failed: kombu_queue.name": the demo runner then
waited SYNC_INTERVAL for its first sync). Redis needs no declaration; it is harmless there.
"""

from __future__ import annotations

from kombu import Connection

from runnerly_common.tasks import QUEUES
from strava_worker.settings import WorkerSettings


def declare_queues(settings: WorkerSettings) -> None:
    with Connection(settings.broker_url) as connection:
        channel = connection.channel()
        try:
            for name in QUEUES:
                channel.queue_declare(name)
        finally:
            channel.close()


def main() -> None:
    declare_queues(WorkerSettings.load())


if __name__ == "__main__":
    main()
