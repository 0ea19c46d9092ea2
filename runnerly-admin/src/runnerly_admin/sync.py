"""``runnerly sync``: put a Strava sync on the worker's queue; ``runnerly sync set-aside``:
the activities a sync could not import, and why.

Only the task's name and arguments cross over, as :mod:`runnerly_common.tasks` defines them
and as runnerly-web sends them when a runner connects Strava: the worker is not imported,
and its own settings (budget, locks) decide when the sync runs.
"""

from __future__ import annotations

from typing import Any

import click
from celery import Celery
from sqlalchemy.orm import Session

from dataservice import admin as dataservice
from runnerly_admin import failures, stores
from runnerly_admin.output import config_option, echo_json
from runnerly_admin.runners import find_runner, runner_options
from runnerly_common.tasks import SYNC_ALL, SYNC_RUNNER, TaskDef

STRAVA_ACTIVITY = "https://www.strava.com/activities/{}"


def send(broker_url: str, task: TaskDef, kwargs: dict[str, Any]) -> None:
    """The message on the task's queue, or :class:`failures.Unavailable`."""
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
            task.send(app, kwargs, retry=False)
    finally:
        app.close()


@click.group("sync", invoke_without_command=True)
@config_option
@runner_options
@click.option("--all", "every", is_flag=True, help="Every runner linked to Strava.")
@click.pass_context
def sync(
    ctx: click.Context, config: str | None, user_id: int | None, email: str | None, every: bool
) -> None:
    """Queue a Strava sync of one runner (--user or --email) or of all (--all).

    The runner must have linked Strava.  --all queues the worker's round, which spreads the
    runners' syncs over its sync interval to stay within Strava's rate limits.

    `runnerly sync set-aside` lists the activities a sync could not import."""
    if ctx.invoked_subcommand is not None:
        if config is not None or user_id is not None or email is not None or every:
            raise click.UsageError(
                f"options go after the subcommand: runnerly sync {ctx.invoked_subcommand} ..."
            )
        return
    if [user_id is not None, email is not None, every].count(True) != 1:
        raise click.UsageError("say whose runs to sync: --user ID, --email ADDRESS or --all")
    if every:
        task, kwargs = SYNC_ALL, {}
    else:
        with stores.dataservice(config) as session:
            runner = find_runner(session, user_id, email)
            _check_link(runner, dataservice.strava_link(session, runner.id))
            task, kwargs = SYNC_RUNNER, {"user_id": runner.id}
    send(stores.broker_url(config), task, kwargs)
    echo_json({"queued": task.name, "kwargs": kwargs})


def _check_link(runner: dataservice.Runner, link: dict[str, Any] | None) -> None:
    """A sync needs a link Strava still accepts: otherwise only the runner can act."""
    who = f"runner {runner.id} ({runner.email})"
    if link is None:
        raise click.ClickException(
            f"{who} has not linked Strava: they connect it from the dashboard first"
        )
    if link["sync_state"] == "deauthorized":
        raise click.ClickException(
            f"{who} revoked Runnerly's access on Strava: they connect it again from the dashboard"
        )
    if link["sync_state"] == "reconnect":
        detail = f" ({link['sync_error']})" if link["sync_error"] else ""
        raise click.ClickException(
            f"{who} must connect Strava again: Strava refused Runnerly's refresh token{detail}; "
            "their runs and the sync's progress are kept, and connecting again from the "
            "dashboard resumes it"
        )


@sync.command("set-aside")
@config_option
@runner_options
@click.option("--all", "every", is_flag=True, help="Every runner with activities set aside.")
def set_aside_command(
    config: str | None, user_id: int | None, email: str | None, every: bool
) -> None:
    """List the activities a sync set aside (not imported), with the reason, for one runner
    (--user or --email) or every runner who has some (--all).

    They come in once fixed at the source: a later batch storing one takes it off."""
    if [user_id is not None, email is not None, every].count(True) != 1:
        raise click.UsageError("say whose activities: --user ID, --email ADDRESS or --all")
    with stores.dataservice(config) as session:
        if every:
            rows = dataservice.set_aside(session)
            ids = dict.fromkeys(row.runner_id for row in rows)  # in order, once each
            runners = [dataservice.find_runner(session, runner_id=i) for i in ids]
        else:
            runners = [find_runner(session, user_id, email)]
            rows = dataservice.set_aside(session, runners[0].id)
        echo_json(_report(session, runners, rows))


def _report(
    session: Session, runners: list[dataservice.Runner], rows: list[dataservice.SetAside]
) -> dict[str, Any]:
    items: dict[int, list[dict[str, Any]]] = {runner.id: [] for runner in runners}
    for row in rows:
        items[row.runner_id].append(_item(row.activity))
    states = dataservice.strava_states(session, items)
    return {
        "total": len(rows),
        "runners": [
            {
                "user_id": runner.id,
                "email": runner.email,
                "strava_state": states.get(runner.id),
                "count": len(items[runner.id]),
                "items": items[runner.id],
            }
            for runner in runners
        ],
    }


def _item(activity: dict[str, Any]) -> dict[str, Any]:
    strava = activity["source"] == "strava"
    return {**activity, "url": STRAVA_ACTIVITY.format(activity["external_id"]) if strava else None}
