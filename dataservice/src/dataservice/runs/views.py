"""HTTP views for runs: thin, over runs.service and runs.bulk."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from dataservice.authz import runner_or_404
from dataservice.context import session, settings
from dataservice.errors import invalid, not_found
from dataservice.runs import bulk, files, merges, service
from dataservice.runs.counted import counts
from dataservice.runs.local_time import is_zone
from dataservice.runs.models import Run
from dataservice.runs.serialize import run_to_dict
from dataservice.set_aside import service as set_aside_service
from dataservice.training import kept as kept_training
from runnerly_common.openapi import OpenAPIBlueprint, query_params, request_body


def _keys(items: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(item["source"], item["external_id"]) for item in items}


def _shown(runs: list[Run]) -> list[dict[str, Any]]:
    """Runs as the runner sees them: a kept run with what it was merged from."""
    extra = merges.merged_from(session(), runs)
    loads = kept_training.loads_of(session(), [run.id for run in runs])
    return [
        {**run_to_dict(run), "load": loads.get(run.id), **extra.get(run.id, {})} for run in runs
    ]


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("listRuns")
    def list_runs(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        params = query_params()
        runs, total = service.list_runs(
            session(),
            user_id,
            start=params.get("from"),
            end=params.get("to"),
            first_day=params.get("from_day"),
            last_day=params.get("to_day"),
            sport=params.get("sport"),
            source=params.get("source"),
            q=params.get("q"),
            min_distance=params.get("min_distance"),
            max_distance=params.get("max_distance"),
            page=params["page"],
            per_page=params["per_page"],
        )
        return {
            "items": _shown(runs),
            "total": total,
            "page": params["page"],
            "per_page": params["per_page"],
        }

    @api.operation("getRuns")
    def get_runs(runner_id: int, year: int, month: int) -> dict[str, Any]:
        runner_or_404(session(), runner_id)
        runs = service.runs_of_month(session(), runner_id, year, month)
        summed = [r for r in runs if counts(r)]  # every run is listed, not every one counts
        return {
            "runner_id": runner_id,
            "year": year,
            "month": month,
            "count": len(runs),
            "distance": round(sum(r.distance for r in summed), 1),
            "moving_time": sum(r.moving_time for r in summed),
            "items": _shown(runs),
        }

    @api.operation("createRun")
    def create_run(user_id: int) -> tuple[dict[str, Any], int]:
        runner_or_404(session(), user_id)
        run = service.create_manual_run(session(), user_id, request_body())
        session().commit()
        return _shown([run])[0], 201

    @api.operation("addRuns")
    def add_runs(user_id: int) -> dict[str, int]:
        runner_or_404(session(), user_id)
        runs = request_body()["runs"]
        if len(runs) > settings().max_batch:
            raise invalid("body.runs", f"at most {settings().max_batch} runs per batch")
        for index, run in enumerate(runs):
            if run["moving_time"] > run["elapsed_time"]:
                raise invalid(f"body.runs[{index}].moving_time", "must not exceed elapsed_time")
            if run.get("timezone") is not None and not is_zone(run["timezone"]):
                raise invalid(f"body.runs[{index}].timezone", "must be an IANA time zone name")
        deleted = request_body().get("deleted", [])
        set_aside = request_body().get("set_aside", [])
        sent, gone = _keys(runs), _keys(deleted)
        if sent & gone:
            raise invalid("body.deleted", "a run cannot be both sent and deleted")
        if _keys(set_aside) & (sent | gone):
            raise invalid("body.set_aside", "an activity cannot be both a run and set aside")
        # Read before the upsert (which may roll back and retry): what its deletions release.
        released = merges.before_delete(session(), merges.ids_of_keys(session(), user_id, deleted))
        result = bulk.upsert_runs(session(), user_id, runs, deleted)
        merges.after_delete(session(), released)  # a run deleted on Strava: its file counts
        merges.after_upsert(session(), user_id, runs)  # the same effort from two sources: one
        # After the runs: their upsert may roll back and retry on a concurrent insert.
        recorded = set_aside_service.record(session(), user_id, sent | gone, set_aside)
        session().commit()
        return {**result.as_dict(), "set_aside": recorded}

    @api.operation("importRunFile")
    def import_run_file(user_id: int) -> tuple[dict[str, Any], int]:
        runner_or_404(session(), user_id)
        content = request.get_data(cache=False)
        run, created = service.import_file(session(), user_id, query_params()["filename"], content)
        session().commit()
        return _shown([run])[0], 201 if created else 200

    @api.operation("getRun")
    def get_run(user_id: int, run_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        return _shown([service.get_run(session(), user_id, run_id)])[0]

    @api.operation("updateRun")
    def update_run(user_id: int, run_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        run = service.update_run(
            session(), service.get_run(session(), user_id, run_id, for_change=True), request_body()
        )
        session().commit()
        return _shown([run])[0]

    @api.operation("deleteRun")
    def delete_run(user_id: int, run_id: int) -> Response:
        runner_or_404(session(), user_id)
        service.delete_run(session(), service.get_run(session(), user_id, run_id, for_change=True))
        session().commit()
        return Response(status=204)

    @api.operation("getRunTrack")
    def get_run_track(user_id: int, run_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        run = service.get_run(session(), user_id, run_id)
        track = merges.track_of(session(), run)  # a kept run shows its file's track
        if track is None:
            raise not_found(f"track of run {run_id}")
        return {
            "run_id": run.id,
            "original_filename": track.original_filename,
            "points": track.points,
        }

    @api.operation("getRunFile")
    def get_run_file(user_id: int, run_id: int) -> Response:
        runner_or_404(session(), user_id)
        kept = files.original(session(), service.get_run(session(), user_id, run_id))
        return Response(
            kept.content,
            mimetype=kept.media_type,
            headers={
                "Content-Disposition": f'attachment; filename="{kept.filename}"',
                "X-Content-Type-Options": "nosniff",
            },
        )

    @api.operation("mergeRun")
    def merge_run(user_id: int, run_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        run = service.get_run(session(), user_id, run_id, for_change=True)
        kept = merges.merge_by_hand(session(), run, request_body()["run_id"])
        session().commit()
        return _shown([kept])[0]

    @api.operation("splitRun")
    def split_run(user_id: int, run_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        apart = merges.split(
            session(), service.get_run(session(), user_id, run_id, for_change=True)
        )
        session().commit()
        return {"items": _shown(apart)}
