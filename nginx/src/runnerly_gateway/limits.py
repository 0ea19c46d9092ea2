"""Read and check the limits file (``config/limits.json``) before nginx sees it.

A mistake in the file stops ``render`` with the class and field named, instead of an
nginx that starts and then limits nothing; the Lua side gets numbers it need not check.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runnerly_common.settings import SettingsError

# The classes the template's locations use; each needs limits.
ROUTE_CLASSES = ("token", "login", "upload", "api", "web", "webhook", "share")
_RATE = re.compile(r"(\d+(?:\.\d+)?)r/([sm])")
_SIZE = re.compile(r"\d+[km]?", re.IGNORECASE)
# Whose allowance a request spends: its client address's, or (when it carries a JWT bearer)
# its token subject's at that address. "address" for the routes that never take a bearer:
# a bearer there can only be forged, and each forged subject would buy another allowance.
KEYS = ("address", "subject")


@dataclass(frozen=True)
class RouteLimits:
    rate: float  # requests per second
    burst: int
    delay: int  # excess requests accepted without waiting (nginx's delay=)
    body: str  # nginx size: client_max_body_size
    read_timeout: int  # seconds
    key: str = "address"  # one of KEYS

    @property
    def body_bytes(self) -> int:
        return size_bytes(self.body)

    @property
    def body_buffer(self) -> str:
        """Keep bodies up to 1 MB in memory, where the WAF can read them."""
        return self.body if size_bytes(self.body) <= 1024 * 1024 else "1m"


@dataclass(frozen=True)
class Limits:
    classes: dict[str, RouteLimits]
    concurrency_max: int
    concurrency_burst: int
    concurrency_unit_delay: float
    address_factor: int

    def for_lua(self) -> dict[str, Any]:
        """What the Lua modules read at start-up (rates in requests per second)."""
        return {
            "classes": {
                name: {
                    "rate": lim.rate,
                    "burst": lim.burst,
                    "delay": lim.delay,
                    "by_subject": lim.key == "subject",
                }
                for name, lim in self.classes.items()
            },
            "concurrency": {
                "max": self.concurrency_max,
                "burst": self.concurrency_burst,
                "unit_delay": self.concurrency_unit_delay,
            },
            "address_factor": self.address_factor,
        }


def load_limits(path: Path) -> Limits:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"limits file {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise SettingsError(f"limits file {path}: not JSON ({exc})") from None
    return parse_limits(data, str(path))


def parse_limits(data: Any, source: str = "limits") -> Limits:
    if not isinstance(data, dict) or not isinstance(data.get("classes"), dict):
        raise SettingsError(f"{source}: needs a 'classes' object")
    classes = data["classes"]
    missing = [name for name in ROUTE_CLASSES if name not in classes]
    unknown = sorted(set(classes) - set(ROUTE_CLASSES))
    if missing or unknown:
        raise SettingsError(
            f"{source}: classes must be exactly {', '.join(ROUTE_CLASSES)}"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(unknown)}" if unknown else "")
        )
    concurrency = data.get("concurrency", {})
    subject = data.get("subject", {})
    return Limits(
        classes={
            name: _route(f"{source}: classes.{name}", classes[name]) for name in ROUTE_CLASSES
        },
        concurrency_max=_number(f"{source}: concurrency.max", concurrency.get("max"), int, 1),
        concurrency_burst=_number(
            f"{source}: concurrency.burst", concurrency.get("burst", 0), int, 0
        ),
        concurrency_unit_delay=_number(
            f"{source}: concurrency.unit_delay", concurrency.get("unit_delay", 0.05), float, 0
        ),
        address_factor=_number(
            f"{source}: subject.address_factor", subject.get("address_factor", 4), int, 1
        ),
    )


def _route(where: str, spec: Any) -> RouteLimits:
    if not isinstance(spec, dict):
        raise SettingsError(f"{where}: must be an object")
    match = _RATE.fullmatch(str(spec.get("rate", "")))
    if not match or float(match.group(1)) <= 0:
        raise SettingsError(
            f"{where}.rate must look like '10r/s' or '30r/m', not {spec.get('rate')!r}"
        )
    rate = float(match.group(1)) / (60 if match.group(2) == "m" else 1)
    burst = _number(f"{where}.burst", spec.get("burst", 0), int, 0)
    if "delay" in spec and spec.get("nodelay"):
        raise SettingsError(f"{where}: set delay or nodelay, not both")
    delay = (
        burst if spec.get("nodelay") else _number(f"{where}.delay", spec.get("delay", 0), int, 0)
    )
    body = str(spec.get("body", "1m"))
    if not _SIZE.fullmatch(body):
        raise SettingsError(f"{where}.body must be a size like '16k' or '8m', not {body!r}")
    timeout = _number(f"{where}.read_timeout", spec.get("read_timeout", 30), int, 1)
    key = spec.get("key", "address")
    if key not in KEYS:
        raise SettingsError(f"{where}.key must be one of {', '.join(KEYS)}, not {key!r}")
    return RouteLimits(rate, burst, min(delay, burst), body.lower(), timeout, key)


def _number(where: str, value: Any, kind: type, minimum: float) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsError(f"{where} must be a number, not {value!r}")
    if kind is int and value != int(value):
        raise SettingsError(f"{where} must be a whole number, not {value!r}")
    if value < minimum:
        raise SettingsError(f"{where} must be at least {minimum}, not {value!r}")
    return kind(value)


def size_bytes(size: str) -> int:
    """nginx's size notation ("16k", "8m", "512") in bytes."""
    unit = size[-1].lower()
    factor = {"k": 1024, "m": 1024 * 1024}.get(unit, 1)
    return int(size.rstrip("kKmM")) * factor
