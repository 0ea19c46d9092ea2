"""How a benchmark ends: its results printed, its failures named, its exit status."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any


def finish(
    results: dict[str, Any],
    as_json: bool,
    report: Callable[[dict[str, Any]], None],
    failed: Callable[[dict[str, Any]], list[str]],
) -> int:
    """Print the results (``report`` or JSON), then name on stderr each failure ``failed``
    finds in them; 1 if any."""
    if as_json:
        print(json.dumps(results, indent=2, default=str))
    else:
        report(results)
    names = failed(results)
    for name in names:
        print(f"FAIL: {name}", file=sys.stderr)
    return 1 if names else 0
