"""HTTP views for a run's streams and splits: thin, over runs.streams and runs.splits."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import func, select

from dataservice.authz import require_client, runner_or_404
from dataservice.context import session, settings
from dataservice.errors import not_found
from dataservice.runs import service, splits, streams
from dataservice.runs.models import BestEffort, Run, RunTrack
from runnerly_common.openapi import OpenAPIBlueprint, query_params, request_body


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("listStreamsPending")
    def list_pending(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        runs = streams.pending(session(), user_id, query_params()["limit"])
        return {
            **streams.progress(session(), user_id),
            "pending": [
                {
                    "run_id": run.id,
                    "external_id": run.external_id,
                    "start_time": run.start_time.isoformat(),
                }
                for run in runs
            ],
        }

    @api.operation("putRunStreams")
    def put_streams(user_id: int, activity_id: str) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        require_client(settings().strava_clients, "Strava streams")
        run = session().scalar(
            select(Run).where(
                Run.runner_id == user_id, Run.source == "strava", Run.external_id == activity_id
            )
        )
        if run is None:
            raise not_found(f"Strava run {activity_id}")
        kept = streams.store(session(), run, request_body()["streams"])
        held = session().scalar(select(func.count()).where(BestEffort.run_id == run.id))
        session().commit()
        return {"run_id": run.id, "points": kept.points, "best_efforts": held or 0}

    @api.operation("getRunSplits")
    def get_splits(user_id: int, run_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        run = service.get_run(session(), user_id, run_id)
        found = streams.series(session(), run.id)
        source = "stream"
        if found is None:
            points = session().scalar(select(RunTrack.points).where(RunTrack.run_id == run.id))
            if points is None:
                raise not_found(f"stream or track of run {run_id}")
            # A stored track's time (0) and distance (5) are always set (imports.track).
            track = cast("list[list[float]]", points)
            found, source = ([p[5] for p in track], [p[0] for p in track]), "track"
        dist, time = found
        return {
            "run_id": run.id,
            "source": source,
            "km": splits.splits(dist, time, "km"),
            "mile": splits.splits(dist, time, "mile"),
        }
