"""The runners of benchmarks/soak/: a thousand of them with their histories, in bulk.

Seeding is setup, not what the soak measures, and a thousand runners with 500 runs each is
half a million runs: one HTTP call per runner and a sign-up each (an Argon2id hash, 0.16 s
of CPU) would take minutes of the machine the soak then measures. So, as a restore would:

- the runners are inserted into the dataservice's ``users`` table directly, all with the
  same password, hashed once with the service's own standard Argon2id profile (signing in
  during the load still verifies that hash, at its full cost, for every runner);
- their runs and best efforts go in with PostgreSQL ``COPY`` (benchmarks/dataservice/data.py:
  realistic histories over three years, the rows the bulk upsert would store);
- then the answers the service keeps on write (records panel, run VDOTs, training load) are
  stored for every runner with the service's own functions, as ``dataservice migrate``
  stores them after a restore, in one process per CPU;
- unless the runners are to sign in under load, each signs in once through runnerly-web
  (its own port, with the runner's address in ``X-Forwarded-For``, as the gateway would pass
  it), a few at a time, and comes back to the load with that session, as a runner whose
  session is days old does;
- every ``link_every``-th runner is linked to its own strava-sim athlete the way the web app
  links one after Strava's consent (a grant from the simulator, then ``PUT
  /users/{id}/strava``), so its "Sync now" imports that athlete's activities.
"""

from __future__ import annotations

import os
import secrets
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import psycopg
import requests

from benchmarks.dataservice.data import LOADED_EMAIL_DOMAIN, libpq_url, load_history
from dataservice.database import open_database
from dataservice.stats import kept_records
from dataservice.training import kept as training_kept
from dataservice.users.passwords import hasher_for
from dataservice.vo2max import kept as vo2max_kept
from runnerly_common.testing import link_strava_athlete

WEB = "http://127.0.0.1:5000"
TOKEN_URL = "http://127.0.0.1:5001/oauth/token"
DATASERVICE = "http://127.0.0.1:5002/api/v1"
SIM = "http://127.0.0.1:5004"
SCOPE = "read,activity:read_all"
FIRST_ATHLETE = 2  # strava-sim's athlete 1 is the demo runner's
SEED = 21  # the histories are a function of it and of the runner's index


@dataclass
class Runner:
    id: int
    email: str
    password: str
    linked: bool
    address: str = ""  # the X-Forwarded-For the load generator sends for it
    athlete_id: int | None = None
    cookies: dict[str, str] | None = None  # a session signed in by the seeding


@dataclass
class Seeded:
    runners: list[dict[str, Any]]
    runs: int
    seconds: dict[str, float]  # per step: copy, kept answers, links


def insert_runners(database_url: str, count: int, runs_per_runner: int) -> tuple[list[Runner], int]:
    """``count`` runners with their histories by COPY, one password for all; the runners
    in id order (the order the load generator hands them out) and the runs loaded."""
    password = f"soak passphrase {secrets.token_hex(8)}"
    load = load_history(database_url, count, runs_per_runner, SEED)
    password_hash = hasher_for("rfc9106").hash(password)
    with psycopg.connect(libpq_url(database_url)) as conn:
        rows = conn.execute(
            "UPDATE users SET password_hash = %s WHERE email_key LIKE %s RETURNING id, email",
            (password_hash, f"%@{LOADED_EMAIL_DOMAIN}"),
        ).fetchall()
    runners = [
        Runner(id, email, password, linked=False, address=address(n))
        for n, (id, email) in enumerate(sorted(rows))
    ]
    if len(runners) != count:
        raise SystemExit(f"seeding stored {len(runners)} runners, not {count}")
    return runners, load.runs


# In ``dataservice migrate``'s order: each runner's panel, then its run VDOTs, then its loads.
KEPT = (kept_records, vo2max_kept, training_kept)


def _store_kept(database_url: str, runner_ids: list[int]) -> None:
    db = open_database(database_url)
    try:
        for kept in KEPT:
            kept.store(db, runner_ids)
    finally:
        db.dispose()


def store_kept_answers(database_url: str, runner_ids: list[int]) -> None:
    """What the dataservice keeps on write, for the runners COPY loaded behind its back:
    each process a share of the runners (their answers are independent); then checked."""
    # Twice the CPUs: each process waits on PostgreSQL about half of its time.
    processes = 2 * (os.cpu_count() or 1)
    shares = [runner_ids[i::processes] for i in range(processes)]
    with ProcessPoolExecutor(processes) as pool:
        list(pool.map(_store_kept, [database_url] * processes, shares))
    db = open_database(database_url)
    try:
        with db.sessionmaker() as session:
            left = {k.__name__: list(k.missing(session)) for k in KEPT}
    finally:
        db.dispose()
    if any(left.values()):
        raise SystemExit(f"kept answers missing after seeding: {left}")


def address(n: int) -> str:
    """The n-th runner's client address (10.77.x.y): one of its own, for the per-address
    limits, as locustfile.py gives a runner the seeding did not make."""
    return f"10.77.{n // 250}.{n % 250 + 1}"


def sign_in(runner: Runner) -> None:
    web = requests.Session()
    web.headers["X-Forwarded-For"] = runner.address
    for attempt in range(3):
        csrf = web.get(f"{WEB}/api/web/session", timeout=60).json()["csrf_token"]
        answer = web.post(
            f"{WEB}/api/web/login",
            json={"email": runner.email, "password": runner.password},
            headers={"X-CSRF-Token": csrf},
            timeout=60,
        )
        if answer.status_code == 200:
            runner.cookies = web.cookies.get_dict()
            return
        if answer.status_code < 500 or attempt == 2:
            raise SystemExit(f"signing in {runner.email}: {answer.status_code} {answer.text}")
        time.sleep(2)


def worker_session(env: dict[str, str]) -> requests.Session:
    token = requests.post(
        TOKEN_URL,
        auth=(env["STRAVA_WORKER_CLIENT_ID"], env["STRAVA_WORKER_CLIENT_SECRET"]),
        data={
            "grant_type": "client_credentials",
            "audience": "dataservice",
            "scope": "runs:write strava:tokens",
        },
        timeout=30,
    )
    token.raise_for_status()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return session


def link(session: requests.Session, sim: requests.Session, runner: Runner, athlete: int) -> None:
    """``sim`` carries strava-sim's admin token (``X-Sim-Admin``)."""
    try:
        link_strava_athlete(sim, SIM, session, DATASERVICE, runner.id, athlete, SCOPE, timeout=30)
    except RuntimeError as exc:  # the dataservice refused: the soak cannot go on
        raise SystemExit(str(exc)) from exc
    runner.linked, runner.athlete_id = True, athlete


def seed(
    env: dict[str, str], count: int, runs_per_runner: int, link_every: int, signed_in: bool
) -> Seeded:
    """``count`` runners, in the order the load generator hands them out; with ``signed_in``,
    each with a session."""
    seconds = {}
    started = time.perf_counter()
    runners, runs = insert_runners(env["DATASERVICE_DATABASE_URL"], count, runs_per_runner)
    seconds["copy"] = time.perf_counter() - started
    started = time.perf_counter()
    store_kept_answers(env["DATASERVICE_DATABASE_URL"], [r.id for r in runners])
    seconds["kept_answers"] = time.perf_counter() - started
    started = time.perf_counter()
    session = worker_session(env)
    sim = requests.Session()
    sim.headers["X-Sim-Admin"] = env["STRAVA_SIM_ADMIN_TOKEN"]
    linked = [r for n, r in enumerate(runners) if link_every and n % link_every == 0]
    with ThreadPoolExecutor(4) as pool:
        list(
            pool.map(lambda k: link(session, sim, linked[k], FIRST_ATHLETE + k), range(len(linked)))
        )
    seconds["links"] = time.perf_counter() - started
    if signed_in:
        started = time.perf_counter()
        # As many at a time as the dataservice has threads (2 x 2): each is an Argon2id hash
        # (0.16 s of CPU), and more would only wait there, towards runnerly-web's timeout.
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(sign_in, runners))
        seconds["sign_in"] = time.perf_counter() - started
    return Seeded([asdict(r) for r in runners], runs, {k: round(v, 1) for k, v in seconds.items()})


def athletes_needed(count: int, link_every: int) -> int:
    """strava-sim's athletes: the demo's, and one per linked runner."""
    return 1 + (len(range(0, count, link_every)) if link_every else 0)
