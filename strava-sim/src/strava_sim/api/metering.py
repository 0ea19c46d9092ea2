"""What happens to every metered API request before its view: rate limiting, injected
faults, then the bearer token.  The order is Strava's as seen from outside: a request is
counted as soon as it arrives, so 429s, injected 5xx and 401s all use up budget.

Injected 500s carry the rate-limit headers (the API failed); 502s and 503s do not (the
edge in front of it failed), so a client must cope with responses without them.
"""

from __future__ import annotations

import random
import time

from flask import Response, g, request

from runnerly_common.errors import APIError
from strava_sim import controls, ratelimit
from strava_sim.errors import strava_error, unauthorized
from strava_sim.models import AccessToken
from strava_sim.service import Simulator, sim

FAULT_STATUSES = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.args.get("access_token", "")  # stravalib sends it in the query string


def meter() -> None:
    """A ``before_request`` hook for the metered blueprints."""
    simulator = sim()
    with simulator.db.transaction() as session:
        switches = controls.current(session)
        token = session.get(AccessToken, bearer_token()) if bearer_token() else None
        session.expunge_all()
    client_id = token.client_id if token else simulator.settings.client_id
    now = simulator.clock()
    with simulator.db.transaction() as session:  # a write first: no lock upgrade to race
        usage = ratelimit.count_request(session, client_id, switches, now)
    g.rate_usage = usage
    g.switches = switches  # the views read the list order from the same snapshot
    if usage.exceeded:
        raise strava_error(
            429,
            "Rate Limit Exceeded",
            "Application",
            "rate limit",
            "exceeded",
            headers={"Retry-After": str(usage.seconds_to_reset(now))},
        )
    if switches.latency_ms > 0:
        time.sleep(switches.latency_ms / 1000)
    if switches.error_rate > 0:
        _maybe_fail(simulator, switches.fault_seed, switches.error_rate)
    if token is None or token.expires_at < simulator.now():
        raise unauthorized()
    g.access_token = token


def _maybe_fail(simulator: Simulator, seed: int, error_rate: float) -> None:
    with simulator.db.transaction() as session:
        number = controls.next_fault_number(session)
    rng = random.Random(seed * 1_000_003 + number)  # noqa: S311 - a fault plan, not a secret
    if rng.random() >= error_rate:
        return
    status = rng.choice(sorted(FAULT_STATUSES))
    if status != 500:
        g.no_rate_headers = True
    raise APIError(
        status,
        FAULT_STATUSES[status].lower().replace(" ", "_"),
        FAULT_STATUSES[status],
        headers={"X-Sim-Fault": "injected"},
        errors=[],
    )


def add_rate_headers(response: Response) -> Response:
    """An ``after_request`` hook: the usage headers on every metered answer."""
    usage = g.get("rate_usage")
    if usage is not None and not g.get("no_rate_headers"):
        response.headers.update(usage.headers())
    return response
