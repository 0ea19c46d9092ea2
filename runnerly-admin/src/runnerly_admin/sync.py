"""``runnerly sync``: put a Strava sync on the worker's queue.

Only the task's name and arguments cross over (``send_task``), as runnerly-web does when a
runner connects Strava: the worker is not imported, and its own settings (budget, locks)
decide when the sync runs.
"""

from __future__ import annotations

from typing import Any

import click
from celery import Celery

from dataservice.strava.models import StravaLink
from runnerly_admin import failures, stores
from runnerly_admin.output import config_option, echo_json
from runnerly_admin.runners import find_runner, runner_options

SYNC_RUNNER = "strava_worker.tasks.sync_runner"
SYNC_ALL = "strava_worker.tasks.sync_all"


def send(broker_url: str, task: str, kwargs: dict[str, Any]) -> None:
    """The message on the worker's default queue, or :class:`failures.Unavailable`."""
    # The worker's app name and JSON serializer; one connection attempt, not Celery's
    # default of retrying for minutes: an operator wants the answer now.
    app = Celery("strava_worker", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=False,
        broker_connection_max_retries=1,
        broker_transport_options={"max_retries": 1},
    )
    try:
        with failures.broker(broker_url):
            app.send_task(task, kwargs=kwargs, retry=False)
    finally:
        app.close()


@click.command("sync")
@config_option
@runner_options
@click.option("--all", "every", is_flag=True, help="Every runner linked to Strava.")
def sync(config: str | None, user_id: int | None, email: str | None, every: bool) -> None:
    """Queue a Strava sync of one runner (--user or --email) or of all (--all).

    The runner must have linked Strava.  --all queues the worker's round, which spreads the
    runners' syncs over its sync interval to stay within Strava's rate limits."""
    if [user_id is not None, email is not None, every].count(True) != 1:
        raise click.UsageError("say whose runs to sync: --user ID, --email ADDRESS or --all")
    if every:
        task, kwargs = SYNC_ALL, {}
    else:
        with stores.dataservice(config) as session:
            runner = find_runner(session, user_id, email)
            link = session.get(StravaLink, runner.id)
            if link is None:
                raise click.ClickException(
                    f"runner {runner.id} ({runner.email}) has not linked Strava: "
                    "they connect it from the dashboard first"
                )
            if link.sync_state == "deauthorized":
                raise click.ClickException(
                    f"runner {runner.id} ({runner.email}) revoked Runnerly's access on Strava: "
                    "they connect it again from the dashboard"
                )
            task, kwargs = SYNC_RUNNER, {"user_id": runner.id}
    send(stores.broker_url(config), task, kwargs)
    echo_json({"queued": task, "kwargs": kwargs})
