"""Streams come after the summaries, newest run first, a few per task, within their share
of the budget; what Strava cannot give is noted once and not asked again."""

from __future__ import annotations

import contextlib
from types import SimpleNamespace
from typing import Any

import pytest

from strava_worker import streams
from strava_worker.budget import OutOfBudget
from strava_worker.dataservice import DataserviceRefused
from strava_worker.runtime import Runtime
from strava_worker.settings import WorkerSettings
from strava_worker.strava import NotFound, Unauthorized

LINK = {
    "sync_state": "idle",
    "sync_cursor": "2026-12-01T00:00:00+00:00",
    "backfill_page": 1,
    "access_token": "tok",
    "expires_at": "2100-01-01T00:00:00+00:00",
}


def stream_set(points: int = 3) -> dict[str, Any]:
    return {
        "time": {"data": list(range(points)), "series_type": "distance"},
        "distance": {"data": [i * 3.0 for i in range(points)], "series_type": "distance"},
        "heartrate": {"data": [140] * points, "series_type": "distance"},
    }


class Dataservice:
    def __init__(self, runs: list[str], link: dict[str, Any] = LINK, refuses: str = "") -> None:
        self.runs = runs  # newest first
        self.kept: dict[str, Any] = {}
        self._link = link
        self.refuses = refuses

    def link(self, user_id: int) -> dict[str, Any]:
        return dict(self._link)

    def streams_pending(self, user_id: int, limit: int) -> list[dict[str, Any]]:
        return [{"external_id": r} for r in self.runs if r not in self.kept][:limit]

    def put_streams(self, user_id: int, activity_id: str, data: Any) -> None:
        if data is not None and activity_id == self.refuses:
            raise DataserviceRefused("400", "body.time: must never decrease")
        self.kept[activity_id] = data


class Strava:
    def __init__(self, answers: dict[int, Any], budget: int = 1000) -> None:
        self.answers = answers
        self.asked: list[int] = []
        self.budget = budget

    def get_streams(self, token: str, activity_id: int, keys: tuple[str, ...]) -> Any:
        if len(self.asked) >= self.budget:
            raise OutOfBudget(0.0, daily=True)
        self.asked.append(activity_id)
        answer = self.answers.get(activity_id, stream_set())
        if isinstance(answer, Exception):
            raise answer
        return answer


def runtime(dataservice: Dataservice, strava: Strava, per_task: int = 20) -> Any:
    return SimpleNamespace(
        dataservice=dataservice,
        streams_strava=strava,
        settings=SimpleNamespace(
            refresh_margin=600, streams_per_task=per_task, streams_budget_percent=40
        ),
        streams_lock=lambda user_id: contextlib.nullcontext(),
    )


class TestFetch:
    def test_the_newest_runs_come_first_a_few_per_task(self) -> None:
        ds, strava = Dataservice(["30", "20", "10"]), Strava({})
        assert streams.fetch(runtime(ds, strava, per_task=2), 1) == {"status": "more", "fetched": 2}
        assert strava.asked == [30, 20]
        assert ds.kept["30"] == {
            "time": [0, 1, 2],
            "distance": [0.0, 3.0, 6.0],
            "heartrate": [140, 140, 140],
        }
        assert streams.fetch(runtime(ds, strava, per_task=2), 1)["status"] == "done"
        assert strava.asked == [30, 20, 10]

    def test_nothing_is_fetched_while_the_summaries_are_backfilled(self) -> None:
        ds = Dataservice(["10"], link={**LINK, "sync_state": "backfilling", "backfill_page": 3})
        strava = Strava({})
        assert streams.fetch(runtime(ds, strava), 1)["status"] == "after summaries"
        assert strava.asked == []

    def test_a_token_near_its_expiry_waits_for_the_sync_to_refresh_it(self) -> None:
        ds = Dataservice(["10"], link={**LINK, "expires_at": "2000-01-01T00:00:00+00:00"})
        strava = Strava({})
        assert streams.fetch(runtime(ds, strava), 1)["status"] == "token"
        assert strava.asked == []

    def test_a_manual_entry_or_a_gone_activity_is_noted_as_without_streams(self) -> None:
        ds = Dataservice(["30", "20", "10"])
        strava = Strava({30: {}, 20: NotFound("gone"), 10: [{"type": "time", "data": [0]}]})
        streams.fetch(runtime(ds, strava), 1)
        assert ds.kept == {"30": None, "20": None, "10": None}
        streams.fetch(runtime(ds, strava), 1)
        assert strava.asked == [30, 20, 10]  # not asked again

    def test_streams_the_dataservice_refuses_do_not_block_the_others(self) -> None:
        ds, strava = Dataservice(["20", "10"], refuses="20"), Strava({})
        streams.fetch(runtime(ds, strava), 1)
        assert ds.kept["20"] is None and ds.kept["10"] is not None

    def test_a_refused_token_stops_the_task_for_the_sync_to_handle(self) -> None:
        ds, strava = Dataservice(["20", "10"]), Strava({20: Unauthorized("401")})
        assert streams.fetch(runtime(ds, strava), 1)["status"] == "token"
        assert ds.kept == {}

    def test_a_backfill_of_streams_stops_at_the_budget_and_resumes_where_it_stopped(
        self,
    ) -> None:
        ds = Dataservice([str(n) for n in range(100, 0, -1)])
        strava = Strava({}, budget=40)
        with pytest.raises(OutOfBudget):
            streams.fetch(runtime(ds, strava, per_task=100), 1)
        assert len(ds.kept) == 40 and "100" in ds.kept and "60" not in ds.kept
        strava.budget = 1000  # the next day
        streams.fetch(runtime(ds, strava, per_task=100), 1)
        assert len(ds.kept) == 100 and len(strava.asked) == 100  # one request a run


class TestShare:
    def test_streams_may_spend_only_their_share_of_each_window_and_of_the_day(
        self, tmp_path
    ) -> None:
        settings = WorkerSettings.load(
            environ={},
            env="test",
            budget_path=str(tmp_path / "budget.db"),
            rate_limit_15min=100,
            rate_limit_daily=1000,
        )
        windows = Runtime(settings).streams_strava.budget.windows
        assert (windows.limit_short, windows.limit_daily) == (40, 400)


class TestColumns:
    def test_a_list_of_typed_streams_becomes_columns(self) -> None:
        answer = [
            {"type": "time", "data": [0, 1]},
            {"type": "distance", "data": [0.0, 2.5]},
            {"type": "watts", "data": [1, 2]},
        ]
        assert streams.to_columns(answer) == {"time": [0, 1], "distance": [0.0, 2.5]}
