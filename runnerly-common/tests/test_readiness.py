"""``Readiness`` without Flask (the Celery worker serves it from its own HTTP server): the
same answers as a Flask app's ``/readyz``, in time, and without a secret."""

from __future__ import annotations

import threading
import time

from runnerly_common.health import Readiness

SECRET = "s3cret-client-secret"


def test_a_hanging_check_is_reported_without_making_the_answer_wait() -> None:
    release = threading.Event()
    readiness = Readiness(deadline=0.3)
    readiness.add("fast", lambda: True)
    readiness.add("hangs", lambda: release.wait(30))
    try:
        started = time.monotonic()
        body, status = readiness.answer("worker")
        elapsed = time.monotonic() - started
    finally:
        release.set()
    assert elapsed < 1
    assert status == 503
    checks = body["checks"]
    assert body == {"status": "unavailable", "service": "worker", "checks": checks}
    assert checks["fast"] == {"ok": True, "ms": checks["fast"]["ms"]}  # type: ignore[index]
    assert checks["hangs"] == {  # type: ignore[index]
        "ok": False,
        "ms": checks["hangs"]["ms"],  # type: ignore[index]
        "error": "no answer within 0.3 s",
    }


def test_it_is_ready_when_every_required_check_passes() -> None:
    def mail() -> bool:
        raise ConnectionError("smtp down")

    readiness = Readiness()
    readiness.add("broker", lambda: True)
    readiness.add("mail", mail, required=False)
    body, status = readiness.answer("worker")
    assert status == 200 and body["status"] == "ready"
    assert body["checks"]["mail"]["required"] is False  # type: ignore[index]


def test_an_error_names_the_failure_but_no_secret_and_no_url_password() -> None:
    def store() -> bool:
        raise ConnectionError(f"redis://:hunter2@10.0.0.1:6379/0 refused (token {SECRET})")

    readiness = Readiness(secrets=[SECRET, ""])
    readiness.add("store", store)
    ready, checks = readiness.run()
    assert not ready
    assert checks["store"]["error"] == (
        "ConnectionError: redis://:***@10.0.0.1:6379/0 refused (token ***)"
    )


def test_each_check_runs_in_the_context_given() -> None:
    entered: list[str] = []

    class Context:
        def __enter__(self) -> None:
            entered.append("in")

        def __exit__(self, *exc: object) -> None:
            entered.append("out")

    readiness = Readiness(context=Context)
    readiness.add("db", lambda: entered == ["in"])
    ready, checks = readiness.run()
    assert ready and checks["db"]["ok"] is True
    assert entered == ["in", "out"]
