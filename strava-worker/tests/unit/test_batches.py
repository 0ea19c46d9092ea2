"""A batch the dataservice refuses is split until the refused runs are found: they are set
aside with the dataservice's reason, every other run is stored, nothing is retried.

The dataservice here is a stand-in that refuses, as the real one does, a whole batch for one
run it cannot take (the integration tests send real batches to the real one)."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from strava_worker import batches
from strava_worker.dataservice import DataserviceRefused
from strava_worker.mapping import Page


class Dataservice:
    """Atomic batches: one refused run refuses the batch, and nothing of it is stored."""

    def __init__(self, refuses: set[str], refuses_set_aside: bool = False) -> None:
        self.refuses = refuses
        self.refuses_set_aside = refuses_set_aside
        self.runs: dict[str, dict[str, Any]] = {}
        self.deleted: set[str] = set()
        self.set_aside: dict[str, str] = {}
        self.calls = 0

    def upsert_runs(self, user_id, runs, deleted=(), set_aside=()):
        self.calls += 1
        bad = [r["external_id"] for r in runs if r["external_id"] in self.refuses]
        if bad:
            raise DataserviceRefused("400", f"runs[0].title: run {bad[0]} has a NUL character")
        if set_aside and self.refuses_set_aside:
            raise DataserviceRefused("400", "unknown property set_aside")
        created = sum(r["external_id"] not in self.runs for r in runs)
        self.runs.update({r["external_id"]: r for r in runs})
        self.deleted.update(d["external_id"] for d in deleted)
        self.set_aside.update({a["external_id"]: a["reason"] for a in set_aside})
        unchanged = len(runs) - created
        return {"created": created, "updated": 0, "unchanged": unchanged, "deleted": len(deleted)}


def runtime(dataservice: Dataservice) -> Any:
    return SimpleNamespace(dataservice=dataservice)


def run(number: int) -> dict[str, Any]:
    return {"source": "strava", "external_id": str(number), "title": f"Run {number}",
            "start_time": "2026-11-27T05:17:11+00:00"}  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    count=st.integers(min_value=0, max_value=200),
    bad=st.sets(st.integers(min_value=0, max_value=199), max_size=5),
)
def test_only_the_refused_runs_are_set_aside_and_the_rest_is_stored(count, bad):
    refused = {str(b) for b in bad if b < count}
    dataservice = Dataservice(refused)
    gone = [{"source": "strava", "external_id": "x"}]
    page = Page(runs=[run(i) for i in range(count)], deleted=gone)

    counts = batches.store(runtime(dataservice), 1, page)

    assert set(dataservice.runs) == {str(i) for i in range(count)} - refused
    assert set(dataservice.set_aside) == refused
    assert all("NUL character" in reason for reason in dataservice.set_aside.values())
    assert counts["created"] == count - len(refused) and counts["set_aside"] == len(refused)
    assert dataservice.deleted == {"x"}  # the deletions go through whatever the runs hold
    # About 2 log2(n) calls per refused run, plus the set-aside record.
    bound = 2 + len(refused) * (2 * math.ceil(math.log2(max(count, 2))) + 2)
    assert dataservice.calls <= bound


def test_a_page_without_refusals_is_one_call():
    dataservice = Dataservice(set())
    batches.store(runtime(dataservice), 1, Page(runs=[run(i) for i in range(200)]))
    assert dataservice.calls == 1


def test_a_dataservice_that_cannot_keep_set_aside_records_still_stores_the_runs():
    """An older dataservice (no ``set_aside``) loses the records, never the runs."""
    dataservice = Dataservice(set(), refuses_set_aside=True)
    aside = {"source": "strava", "external_id": "9", "reason": "elapsed_time too long"}
    counts = batches.store(runtime(dataservice), 1, Page(runs=[run(1)], set_aside=[aside]))
    assert set(dataservice.runs) == {"1"} and counts["set_aside"] == 0
