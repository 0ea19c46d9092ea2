"""Where a soak's time went, layer by layer, read from the services' own /metrics.

Each service already keeps a duration histogram per route (the gateway its whole request and
its upstream's part; the Flask services their request), so the difference of two scrapes, at
the end of the warm-up and at the end of the load, says how many requests each layer served
in the steady state and how long they took on average, without a profiler in the way.
"""

from __future__ import annotations

from typing import Any

import requests
from prometheus_client.parser import text_string_to_metric_families

# The make-run stack's ports (config/dev.env): the gateway's status server, the services.
SOURCES = {
    "gateway": "http://127.0.0.1:8081/metrics",
    "runnerly-web": "http://127.0.0.1:5000/metrics",
    "dataservice": "http://127.0.0.1:5002/metrics",
    "tokendealer": "http://127.0.0.1:5001/metrics",
}
FAMILIES = {
    "runnerly_gateway_request_duration_seconds": "request",
    "runnerly_gateway_upstream_duration_seconds": "upstream",
    "runnerly_http_request_duration_seconds": "request",
}
Scrape = dict[tuple[str, str, str], list[float]]  # (service, part, route) -> [count, sum]
# The gateway's route classes whose upstream is runnerly-web in the soak: the load generator
# sends nothing else (the upload class also serves the dataservice's own import, which only
# API clients use). runnerly-web's routes the gateway never proxies are left out of its side.
WEB_CLASSES = ("web", "login", "upload", "share")
WEB_PRIVATE = ("/healthz", "/readyz", "/metrics")


def scrape() -> Scrape:
    """Every duration histogram's count and sum per route; a service that does not answer is
    left out (the report then has no row for it, rather than a wrong one)."""
    out: Scrape = {}
    for service, url in SOURCES.items():
        try:
            text = requests.get(url, timeout=30).text
        except requests.RequestException:
            continue
        for family in text_string_to_metric_families(text):
            part = FAMILIES.get(family.name)
            if part is None:
                continue
            for s in family.samples:
                if s.name.endswith(("_count", "_sum")):
                    route = f"{s.labels.get('method', '')} {s.labels.get('route', '')}".strip()
                    pair = out.setdefault((service, part, route), [0.0, 0.0])
                    pair[0 if s.name.endswith("_count") else 1] += s.value
    return out


def time_split(before: Scrape, after: Scrape) -> list[dict[str, Any]]:
    """Per service, part and route: requests and seconds between the scrapes, busiest first."""
    rows = []
    for key, (count, total) in after.items():
        count0, total0 = before.get(key, [0.0, 0.0])
        if count - count0 <= 0:
            continue
        service, part, route = key
        rows.append(
            {
                "service": service,
                "part": part,
                "route": route,
                "requests": int(count - count0),
                "seconds": round(total - total0, 3),
                "mean_ms": round(1000 * (total - total0) / (count - count0), 2),
            }
        )
    return sorted(rows, key=lambda r: r["seconds"], reverse=True)


def layers(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Seconds each layer spent on requests in all. Layers nest: the gateway's upstream time
    holds runnerly-web's, which holds the dataservice calls it made, so the gateway's own
    time is its requests' time less its upstream time."""
    spent: dict[str, float] = {}
    for r in rows:
        name = f"{r['service']} {r['part']}"
        spent[name] = spent.get(name, 0.0) + r["seconds"]
    own = spent.get("gateway request", 0.0) - spent.get("gateway upstream", 0.0)
    return {name: round(s, 3) for name, s in spent.items()} | {"gateway own": round(own, 3)}


def web_queueing(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """How much of the gateway's wait on runnerly-web was not runnerly-web's handlers: the
    gateway's upstream seconds on the classes that go to it, less the seconds runnerly-web's
    own histogram measured from its first ``before_request`` to its last ``after_request``.
    What is left is the request waiting for a worker (or a thread) to take it, connecting,
    and gunicorn reading the request and writing the answer: the queueing in front of it."""
    upstream = sum(
        r["seconds"]
        for r in rows
        if r["service"] == "gateway" and r["part"] == "upstream" and r["route"] in WEB_CLASSES
    )
    web = [
        r["seconds"]
        for r in rows
        if r["service"] == "runnerly-web" and r["route"].split(" ", 1)[-1] not in WEB_PRIVATE
    ]
    handlers = sum(web)
    queued = upstream - handlers
    # No runnerly-web rows at all: its /metrics did not answer one of the scrapes (it was
    # swamped), so there is no share to give, rather than a wrong 100 %.
    measured = bool(upstream and web)
    return {
        "gateway_upstream_s": round(upstream, 1),
        "web_handlers_s": round(handlers, 1) if web else None,
        "queued_s": round(queued, 1) if measured else None,
        "share_pct": round(100 * queued / upstream, 1) if measured else None,
    }


def calls_per_web_request(rows: list[dict[str, Any]]) -> dict[str, float | None]:
    """What one request to runnerly-web cost the services behind it, in requests: counts,
    not seconds, so they hold whatever else the machine was doing (decision 74). The
    tokendealer's token requests include the other services' own (few: service tokens)."""
    web = sum(
        r["requests"]
        for r in rows
        if r["service"] == "runnerly-web" and r["route"].split(" ", 1)[-1] not in WEB_PRIVATE
    )

    def per(service: str, route: str | None = None) -> float | None:
        count = sum(
            r["requests"]
            for r in rows
            if r["service"] == service and (route is None or r["route"] == route)
        )
        return round(count / web, 3) if web else None

    return {
        "web_requests": web,
        "dataservice": per("dataservice"),
        "dataservice_account_reads": per("dataservice", "GET /api/v1/users/<user_id>"),
        "token_requests": per("tokendealer", "POST /oauth/token"),
    }
