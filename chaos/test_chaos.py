"""Kill one service of the running suite in the middle of a Strava backfill and of user
traffic, bring it back on the same port, and check that the suite recovered by itself:
every running activity on strava-sim is in the dataservice exactly once, and every write a
runner was answered 2xx for is still there."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
import redis
import requests
from runners import SyncedRunner, link_runners, stored_count, strava_run_ids, wait_synced
from traffic import UserTraffic, missing_writes

from runnerly_common.testing.stack import Stack

pytestmark = pytest.mark.chaos

DOWN_SECONDS = 4  # how long a killed service stays down
TOKENDEALER_DOWN_SECONDS = 10
RECOVERY_SECONDS = 90


def _refused(url: str) -> bool:
    try:
        requests.get(url, timeout=2)
    except requests.ConnectionError:
        return True
    return False


def _run_scenario(
    stack: Stack,
    accounts: list[str],
    synced: list[SyncedRunner],
    fault: Callable[[UserTraffic, list[SyncedRunner]], None],
    record: Callable[[str, object], None],
) -> None:
    """Runs the scenario, and records what the report (docs/performance.md) quotes: how
    long the fault lasted, how long after it every linked runner's runs were all stored,
    and what the runners' traffic saw."""
    http = stack.worker_tokens().authorized_session()
    runners = link_runners(stack, stack.next_athletes(2))
    synced += runners
    expected = sum(len(strava_run_ids(stack, r.athlete)) for r in runners)
    assert stack.gateway is not None
    traffic = UserTraffic(stack.gateway.url, accounts)
    traffic.start()
    try:
        stack.enqueue_sync([r.user_id for r in runners])
        deadline = time.monotonic() + 60
        while (done := stored_count(stack, http, runners)) == 0:
            assert time.monotonic() < deadline, "the sync never started"
            time.sleep(0.2)
        assert done < expected, f"the sync ended ({done} runs) before the fault: make it longer"
        record("runs_before_fault", done)
        fault_started = time.monotonic()
        fault(traffic, runners)
        back = time.monotonic()
        record("fault_s", round(back - fault_started, 1))
        time.sleep(2)  # some traffic once everything is back
    finally:
        traffic.stop()
    problems = wait_synced(stack, http, synced, RECOVERY_SECONDS)
    assert not problems, problems
    record("all_synced_after_fault_s", round(time.monotonic() - back, 1))
    record("runs_expected", expected)
    record("runners_checked", len(synced))
    record("writes_accepted", len(traffic.accepted))
    record("writes_sent_again", traffic.retried)
    assert not traffic.unexpected, traffic.unexpected
    assert len(traffic.accepted) >= 4, "the runners' writes never got through"
    assert not missing_writes(traffic), missing_writes(traffic)


def _down_for(stack: Stack, name: str, seconds: float, url: str) -> None:
    service = stack.process(name)
    service.kill()
    assert _refused(url), f"{name} still answers after kill -9"
    time.sleep(seconds)
    service.start()


def test_the_dataservice_killed_mid_sync_loses_no_run_and_no_write(
    stack: Stack,
    accounts: list[str],
    synced: list[SyncedRunner],
    record_property: Callable[[str, object], None],
) -> None:
    def fault(traffic: UserTraffic, runners: list[SyncedRunner]) -> None:
        url = f"{stack.urls['dataservice']}/healthz"
        _down_for(stack, "dataservice", DOWN_SECONDS, url)

    _run_scenario(stack, accounts, synced, fault, record_property)


def test_redis_killed_mid_sync_comes_back_from_its_append_only_file_and_the_sync_ends(
    stack: Stack,
    accounts: list[str],
    synced: list[SyncedRunner],
    record_property: Callable[[str, object], None],
) -> None:
    def fault(traffic: UserTraffic, runners: list[SyncedRunner]) -> None:
        server = stack.process("redis")
        marker = redis.Redis.from_url(server.url(2))  # a DB nobody else uses
        marker.set("chaos:before-the-kill", "1")
        time.sleep(1.2)  # appendfsync everysec: on disk within a second
        server.kill()
        time.sleep(DOWN_SECONDS)
        server.start()  # the same port and append-only file
        assert marker.get("chaos:before-the-kill") == b"1", "Redis came back empty"

    _run_scenario(stack, accounts, synced, fault, record_property)


def test_the_gateway_killed_under_user_traffic_comes_back_and_no_write_is_lost(
    stack: Stack,
    accounts: list[str],
    synced: list[SyncedRunner],
    record_property: Callable[[str, object], None],
) -> None:
    def fault(traffic: UserTraffic, runners: list[SyncedRunner]) -> None:
        before = traffic.retried
        assert stack.gateway is not None
        _down_for(stack, "gateway", DOWN_SECONDS, f"{stack.gateway.url}/_gateway/healthz")
        assert traffic.retried > before, "no runner noticed the gateway was down"

    _run_scenario(stack, accounts, synced, fault, record_property)


_TASK_EVENT = re.compile(
    r"Task strava_worker\.tasks\.sync_runner\[([0-9a-f-]{36})\] (received|succeeded|retry|raised)"
)


def _received(log: str) -> set[str]:
    return {task for task, event in _TASK_EVENT.findall(log) if event == "received"}


def _held_tasks(log: str) -> set[str]:
    """The sync tasks a worker's log shows as received last (a retry is received again),
    not finished: running, or waiting for their countdown."""
    last = dict(_TASK_EVENT.findall(log))
    return {task for task, event in last.items() if event == "received"}


def test_a_killed_worker_s_task_comes_back_and_the_sync_ends_without_duplicates(
    stack: Stack,
    accounts: list[str],
    synced: list[SyncedRunner],
    record_property: Callable[[str, object], None],
) -> None:
    held: set[str] = set()
    offsets: dict[str, int] = {}

    def fault(traffic: UserTraffic, runners: list[SyncedRunner]) -> None:
        # The worker holding a sync task now (its log says received, not yet finished).
        deadline = time.monotonic() + 20
        while True:
            workers = [stack.process(n) for n in ("worker-1", "worker-2")]
            busy = [w for w in workers if _held_tasks(w.log_since(w.started_at))]
            if busy or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert busy, "neither worker was running a sync task"
        victim = busy[0]
        for worker in workers:
            offsets[worker.name] = worker.log_size()
        victim.kill()  # the main process and its pool child at once
        # What it held when it died: running, or waiting for a countdown (beat's rounds
        # keep a few of those in every worker).
        held.update(_held_tasks(victim.log_since(victim.started_at)))
        assert held, "the killed worker held no task"
        time.sleep(DOWN_SECONDS)
        victim.start()

    _run_scenario(stack, accounts, synced, fault, record_property)
    # kombu's visibility timeout gave at least one of the dead worker's tasks to a live
    # worker again (the others may have been made moot by beat's round first).
    after = "".join(stack.process(n).log_since(offsets[n]) for n in ("worker-1", "worker-2"))
    redelivered = held & _received(after)
    deadline = time.monotonic() + 30
    while not redelivered and time.monotonic() < deadline:
        time.sleep(1)
        after = "".join(stack.process(n).log_since(offsets[n]) for n in ("worker-1", "worker-2"))
        redelivered = held & _received(after)
    assert redelivered, f"none of {held} was delivered again"


def test_with_the_tokendealer_down_issued_tokens_keep_working_and_the_sync_goes_on(
    stack: Stack,
    accounts: list[str],
    synced: list[SyncedRunner],
    record_property: Callable[[str, object], None],
) -> None:
    token_url = f"{stack.urls['tokendealer']}/oauth/token"

    def fault(traffic: UserTraffic, runners: list[SyncedRunner]) -> None:
        http = stack.worker_tokens().authorized_session()
        # Tokens issued now: every web process has each runner's, every dataservice
        # process the JWKS (the traffic's own requests land on both of each).
        for browser in traffic.browsers.values():
            for _ in range(20):
                assert browser.patiently("GET", "/api/web/profile").status_code == 200
        runs = f"{stack.urls['dataservice']}/api/v1/users/{runners[0].user_id}/runs"
        assert http.get(runs, timeout=5).status_code == 200
        before = stored_count(stack, http, runners)
        stack.process("tokendealer").kill()
        assert _refused(token_url)
        deadline = time.monotonic() + TOKENDEALER_DOWN_SECONDS
        while time.monotonic() < deadline:
            # A token issued before the outage: the dataservice verifies it with the keys
            # it cached from the JWKS.
            answer = http.get(runs, timeout=5)
            assert answer.status_code == 200, answer.text
            # The logged-in runner: runnerly-web calls on their behalf with the token it
            # cached for them.
            for browser in traffic.browsers.values():
                page = browser.request("GET", "/api/web/runs/2024/1")
                assert page.status_code == 200, page.text
            time.sleep(0.5)
        assert _refused(token_url), "the tokendealer came back by itself?"
        # The workers' service tokens were cached too: runs kept arriving.
        assert stored_count(stack, http, runners) > before, "the sync stopped meanwhile"
        stack.process("tokendealer").start()

    _run_scenario(stack, accounts, synced, fault, record_property)
