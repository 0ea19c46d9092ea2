"""Latency percentiles, as every benchmark reports them."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def percentiles(seconds: Sequence[float]) -> dict[str, float]:
    """How many timings, and their p50, p95 and p99 in milliseconds."""
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {
        "n": len(seconds),
        "p50_ms": cuts[49] * 1e3,
        "p95_ms": cuts[94] * 1e3,
        "p99_ms": cuts[98] * 1e3,
    }
