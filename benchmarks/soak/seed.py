"""The runners of benchmarks/soak/: signed up, given a history, some linked to Strava.

Each runner signs up through runnerly-web as the dashboard does (session, CSRF token,
``POST /api/web/signup``), on runnerly-web's own port so that the seeding is not part of the
load. Its history (runs spread over three years) goes in through the dataservice's bulk
endpoint with the worker's client credentials, as benchmarks/web/ loads one. Every
``link_every``-th runner is linked to its own strava-sim athlete the way the web app links
one after Strava's consent (a grant from the simulator, then ``PUT /users/{id}/strava``), so
its "Sync now" imports that athlete's activities.
"""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import requests

from benchmarks.web.benchmark import history
from runnerly_common.testing import link_strava_athlete

WEB = "http://127.0.0.1:5000"
TOKEN_URL = "http://127.0.0.1:5001/oauth/token"
DATASERVICE = "http://127.0.0.1:5002/api/v1"
SIM = "http://127.0.0.1:5004"
SCOPE = "read,activity:read_all"
FIRST_ATHLETE = 2  # strava-sim's athlete 1 is the demo runner's


@dataclass
class Runner:
    id: int
    email: str
    password: str
    linked: bool
    athlete_id: int | None = None


def sign_up(n: int, tag: str) -> Runner:
    web = requests.Session()
    csrf = web.get(f"{WEB}/api/web/session", timeout=30).json()["csrf_token"]
    email = f"soak-{tag}-{n}@runnerly.invalid"
    password = f"soak passphrase {secrets.token_hex(6)}"
    answer = web.post(
        f"{WEB}/api/web/signup",
        json={"email": email, "password": password, "first_name": "Soak", "last_name": f"R{n}"},
        headers={"X-CSRF-Token": csrf},
        timeout=30,
    )
    if answer.status_code != 201:
        raise SystemExit(f"sign-up of runner {n} failed: {answer.status_code} {answer.text[:300]}")
    return Runner(answer.json()["user"]["id"], email, password, linked=False)


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


def load_history(session: requests.Session, runner: Runner, runs: list[dict[str, Any]]) -> None:
    for i in range(0, len(runs), 1000):
        batch = runs[i : i + 1000]
        answer = session.post(
            f"{DATASERVICE}/users/{runner.id}/runs/batch", json={"runs": batch}, timeout=120
        )
        if answer.status_code != 200 or answer.json()["created"] != len(batch):
            raise SystemExit(f"loading runs failed: {answer.status_code} {answer.text[:300]}")


def link(session: requests.Session, sim: requests.Session, runner: Runner, athlete: int) -> None:
    """``sim`` carries strava-sim's admin token (``X-Sim-Admin``)."""
    try:
        link_strava_athlete(sim, SIM, session, DATASERVICE, runner.id, athlete, SCOPE, timeout=30)
    except RuntimeError as exc:  # the dataservice refused: the soak cannot go on
        raise SystemExit(str(exc)) from exc
    runner.linked, runner.athlete_id = True, athlete


def seed(
    env: dict[str, str], count: int, runs_per_runner: int, link_every: int
) -> list[dict[str, Any]]:
    """``count`` runners, in the order the load generator hands them out."""
    tag = secrets.token_hex(3)
    with ThreadPoolExecutor(4) as pool:
        runners = list(pool.map(lambda n: sign_up(n, tag), range(count)))
    session = worker_session(env)
    runs = history(runs_per_runner)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda r: load_history(session, r, runs), runners))
    linked = [r for n, r in enumerate(runners) if link_every and n % link_every == 0]
    sim = requests.Session()
    sim.headers["X-Sim-Admin"] = env["STRAVA_SIM_ADMIN_TOKEN"]
    for k, runner in enumerate(linked):
        link(session, sim, runner, FIRST_ATHLETE + k)
    return [asdict(r) for r in runners]


def athletes_needed(count: int, link_every: int) -> int:
    """strava-sim's athletes: the demo's, and one per linked runner."""
    return 1 + (len(range(0, count, link_every)) if link_every else 0)
