"""A worker whose metrics port is taken stops at once and says which setting to change,
rather than running unobserved, leaving no metrics directory behind.  A real ``celery
worker`` on a SQLite broker: no services."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def test_a_worker_whose_metrics_port_is_taken_stops_naming_the_setting(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        env = {
            **os.environ,
            "RUNNERLY_ENV": "test",
            "TMPDIR": str(tmp_path),
            "STRAVA_WORKER_BROKER_URL": f"sqla+sqlite:///{tmp_path}/broker.db",
            "STRAVA_WORKER_BUDGET_PATH": str(tmp_path / "budget.db"),
            "STRAVA_WORKER_METRICS_PORT": str(taken.getsockname()[1]),
        }
        command = [str(BIN / "celery"), "-A", "strava_worker.celery_app", "worker", "--pool=solo"]
        done = subprocess.run(
            command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
    assert done.returncode != 0
    assert "STRAVA_WORKER_METRICS_PORT" in done.stderr + done.stdout
    assert list(tmp_path.glob("runnerly-metrics-*")) == []
