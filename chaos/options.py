"""What chaos asks of the harness's stack (:func:`runnerly_common.testing.stack.start_stack`):
every part but the webhook intake (no scenario sends Strava events), and the settings that
make a sync span a fault and a recovery take seconds."""

from __future__ import annotations

from typing import Any

from runnerly_common.testing.services import UNLIMITED
from runnerly_common.testing.stack import PARTS

ATHLETES = 12  # two fresh ones a scenario, with room to spare
# The worker's timings, short so that recovery takes seconds (strava-worker/README.md):
# a killed worker's task comes back after VISIBILITY_TIMEOUT, its runner's lock has
# expired by then (LOCK_SECONDS at most half of it), retries wait at most
# RETRY_BACKOFF_MAX, and beat re-enqueues every linked runner each SYNC_INTERVAL.
WORKER_TIMINGS = {
    "visibility_timeout": 20,
    "lock_seconds": 10,
    "retry_backoff_max": 3,
    "sync_interval": 10,
    "max_failures": 60,  # a minute of outage at the longest backoff, never "error"
    "per_page": 20,  # a few hundred activities make a dozen pages or more
    "max_pages_per_run": 3,
}


def stack_arguments(database_url: str) -> dict[str, Any]:
    """``start_stack``'s keyword arguments for the chaos suite on ``database_url``."""
    return {
        "database_url": database_url,
        "parts": [part for part in PARTS if part != "webhook"],
        "athletes": ATHLETES,
        "sync_workers": 2,
        "redis_appendonly": True,  # a killed Redis comes back with its queue, as in production
        "options": {
            # Tokens live an hour: the ones cached before the tokendealer's outage outlive it.
            "tokendealer": {
                "access_token_ttl": 3600,
                "user_token_ttl": 3600,
                "token_max_lifetime_seconds": 3600,
            },
            # ...and the dataservice accepts tokens that long (its cap is 1200 s by default).
            "dataservice": {"token_max_lifetime_seconds": 3600},
            # ~270 runs an athlete, no limit refusing, each Strava call 200 ms slower: a
            # backfill (20 a page) spans the fault.
            "strava-sim": {
                "activities_per_year": 300,
                "years": 1,
                "lift_limits": True,
                "latency_ms": 200,
            },
            # As the launchers run them: prefork, one child each. The worker's own budget
            # lifted as strava-sim's limits are.
            "workers": {
                "pool": "prefork",
                "concurrency": 1,
                "rate_limit_15min": UNLIMITED,
                "rate_limit_daily": UNLIMITED,
                **WORKER_TIMINGS,
            },
            # Behind the gateway: its hop of X-Forwarded-For is trusted for the client's address.
            "web": {"trusted_proxies": 1, "workers": 2},
        },
    }
