"""Rate precision for benchmarks/gateway/: one client at 3x a route class's rate, a second
one at half of it, at the same time, each on a fixed schedule (not as fast as possible)."""

from __future__ import annotations

import collections
import http.client
import time
import urllib.parse
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def paced_client(
    url: str, headers: Mapping[str, str], source: str, rate: float, seconds: float, threads: int
) -> tuple[int, int, int]:
    """Send ``rate`` requests/s from ``source`` for ``seconds``: (sent, accepted, refused)."""
    parts = urllib.parse.urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    start = time.monotonic() + 0.2
    total = int(rate * seconds)

    def connect() -> http.client.HTTPConnection:
        return http.client.HTTPConnection(parts.hostname, parts.port, source_address=(source, 0))

    def drive(offset: int) -> collections.Counter[int]:
        counts: collections.Counter[int] = collections.Counter()
        conn = connect()
        for i in range(offset, total, threads):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            conn.request("GET", target, headers=dict(headers))
            response = conn.getresponse()
            response.read()
            counts[response.status] += 1
            if response.will_close:
                conn.close()
                conn = connect()
        conn.close()
        return counts

    with ThreadPoolExecutor(threads) as pool:
        counts = sum(
            (f.result() for f in [pool.submit(drive, n) for n in range(threads)]),
            collections.Counter(),
        )
    return sum(counts.values()), counts[200], counts[429]


def measure_precision(
    base: str,
    requests: list[tuple[str, dict[str, str]]],
    rate: float,
    burst: int,
    seconds: float,
) -> dict[str, Any]:
    """The overloading client (127.0.0.1) sends the first request, the second client
    (127.0.0.2) the last one, each with its own runner's token when the endpoint needs one."""
    (greedy_path, greedy_headers), (polite_path, polite_headers) = requests[0], requests[-1]
    with ThreadPoolExecutor(2) as pool:
        greedy = pool.submit(
            paced_client, base + greedy_path, greedy_headers, "127.0.0.1", 3 * rate, seconds, 8
        )
        polite = pool.submit(
            paced_client, base + polite_path, polite_headers, "127.0.0.2", rate / 2, seconds, 2
        )
        (sent, accepted, refused), (sent2, accepted2, refused2) = greedy.result(), polite.result()
    expected = rate + burst / seconds  # the burst is a one-off allowance on top of the rate
    return {
        "rate": rate,
        "burst": burst,
        "seconds": seconds,
        "overloading_client": {
            "sent": sent,
            "accepted": accepted,
            "refused": refused,
            "accepted_per_s": accepted / seconds,
            "error": accepted / seconds / expected - 1,
        },
        "second_client": {"sent": sent2, "accepted": accepted2, "refused": refused2},
    }
