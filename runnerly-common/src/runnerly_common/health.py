"""``/healthz`` (the process answers) and ``/readyz`` (its dependencies answer)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import Blueprint, Flask, current_app

log = logging.getLogger(__name__)
ReadinessCheck = Callable[[], object]
_EXTENSION = "runnerly.readiness"


def add_readiness_check(app: Flask, name: str, check: ReadinessCheck) -> None:
    """Register a dependency; ``check`` returns truthy when ready and may raise."""
    app.extensions.setdefault(_EXTENSION, {})[name] = check


def run_checks(app: Flask) -> tuple[bool, dict[str, dict[str, object]]]:
    results: dict[str, dict[str, object]] = {}
    for name, check in app.extensions.get(_EXTENSION, {}).items():
        started = time.perf_counter()
        try:
            ok, error = bool(check()), None
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            ok, error = False, f"{type(exc).__name__}: {exc}"[:200]
            log.warning("readiness check %s failed: %s", name, error)
        results[name] = {"ok": ok, "ms": round((time.perf_counter() - started) * 1000, 1)}
        if error:
            results[name]["error"] = error
    return all(r["ok"] for r in results.values()), results


def blueprint(service: str) -> Blueprint:
    bp = Blueprint("health", __name__)

    @bp.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @bp.get("/readyz")
    def readyz() -> tuple[dict[str, object], int]:
        ready, checks = run_checks(current_app)
        body = {"status": "ready" if ready else "unavailable", "service": service, "checks": checks}
        return body, 200 if ready else 503

    return bp
