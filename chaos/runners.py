"""Runners linked to strava-sim athletes, and the check a sync must pass: each running
activity on strava-sim is in the dataservice exactly once."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass

import requests

from runnerly_common.service_client import ServiceSession
from runnerly_common.testing import link_strava_athlete
from runnerly_common.testing.stack import Stack

RUNNING_SPORTS = {"Run", "TrailRun", "VirtualRun"}  # strava_worker.mapping's


@dataclass(frozen=True)
class SyncedRunner:
    user_id: int
    athlete: int


def link_runners(stack: Stack, athletes: list[int]) -> list[SyncedRunner]:
    """A new runner per athlete, created as the web app's sign-up creates one and linked
    as its Strava connect links one (a grant from strava-sim, then ``PUT
    /users/{id}/strava`` with the worker's token)."""
    web = stack.web_tokens().authorized_session()
    worker = stack.worker_tokens().authorized_session()
    dataservice, sim = stack.urls["dataservice"], stack.urls["strava-sim"]
    sim_http = ServiceSession()
    linked = []
    for athlete in athletes:
        email = f"athlete-{athlete}-{uuid.uuid4().hex[:6]}@chaos.example.org"
        password = f"chaos {uuid.uuid4().hex} staple"
        created = web.post(
            f"{dataservice}/api/v1/users", json={"email": email, "password": password}, timeout=10
        )
        assert created.status_code == 201, created.text
        user_id = int(created.json()["id"])
        link_strava_athlete(
            sim_http, sim, worker, f"{dataservice}/api/v1", user_id, athlete, timeout=10
        )
        linked.append(SyncedRunner(user_id, athlete))
    return linked


def strava_run_ids(stack: Stack, athlete: int) -> list[str]:
    """The athlete's running activities on strava-sim, as the dataservice's external ids."""
    response = ServiceSession().get(
        f"{stack.urls['strava-sim']}/admin/athletes/{athlete}/activities", timeout=10
    )
    response.raise_for_status()
    activities = response.json()["activities"]
    return [str(a["id"]) for a in activities if a["sport_type"] in RUNNING_SPORTS]


def stored_strava_ids(stack: Stack, http: ServiceSession, user_id: int) -> list[str]:
    """Every Strava run the dataservice holds for the runner, one entry per stored run, so
    a duplicate shows twice."""
    ids: list[str] = []
    page = 1
    while True:
        response = http.get(
            f"{stack.urls['dataservice']}/api/v1/users/{user_id}/runs",
            params={"page": page, "per_page": 200},
            timeout=10,
        )
        response.raise_for_status()
        items = response.json()["items"]
        if not items:
            return ids
        ids += [run["external_id"] for run in items if run["source"] == "strava"]
        page += 1


def sync_problems(stack: Stack, http: ServiceSession, runner: SyncedRunner) -> list[str]:
    """What is wrong with the runner's runs now: missing, duplicated or unknown ones."""
    expected = Counter(strava_run_ids(stack, runner.athlete))
    stored = Counter(stored_strava_ids(stack, http, runner.user_id))
    problems = []
    if missing := expected - stored:
        problems.append(f"runner {runner.user_id}: {len(missing)} of {len(expected)} missing")
    if duplicated := {i: n for i, n in stored.items() if n > 1}:
        problems.append(f"runner {runner.user_id}: duplicated {sorted(duplicated)[:10]}")
    if unknown := set(stored) - set(expected):
        problems.append(f"runner {runner.user_id}: not on Strava {sorted(unknown)[:10]}")
    return problems


def stored_count(stack: Stack, http: ServiceSession, runners: list[SyncedRunner]) -> int:
    return sum(len(stored_strava_ids(stack, http, r.user_id)) for r in runners)


def wait_synced(
    stack: Stack, http: ServiceSession, runners: list[SyncedRunner], timeout: float = 90
) -> list[str]:
    """Poll until every runner holds each of their Strava runs once; the problems left
    at the deadline (none: synced)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            problems = [p for r in runners for p in sync_problems(stack, http, r)]
        except requests.RequestException as exc:  # a service not back yet
            problems = [f"cannot check: {exc}"]
        if not problems or time.monotonic() > deadline:
            return problems
        time.sleep(1)
