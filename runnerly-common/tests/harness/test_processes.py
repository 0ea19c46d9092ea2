"""The harness's processes, as chaos and the integration tests use them: a server killed and
restarted answers at the same address, a kill takes the whole group, a failed start says why."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
import requests

from runnerly_common.testing import ServiceProcess, free_port
from runnerly_common.testing.processes import error_lines

# A server that forks a child (as gunicorn does) and answers 200 on every path.
SERVER = """
import http.server, os, sys
port = int(sys.argv[1])
child = os.fork()
if child == 0:
    import time
    time.sleep(3600)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(str(os.getpid()).encode())
    def log_message(self, *a): pass
print("serving", flush=True)
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
"""


def _server(tmp_path: Path) -> ServiceProcess:
    port = free_port()
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    return ServiceProcess(
        [sys.executable, str(script), str(port)],
        ready_url=f"http://127.0.0.1:{port}/ready",
        log_path=tmp_path / "server.log",
        timeout=10,
        name="echo",
    )


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_killed_server_restarts_at_the_same_address(tmp_path: Path) -> None:
    with _server(tmp_path) as server:
        first = requests.get(server.url, timeout=5).text
        server.kill()
        assert not server.running
        with pytest.raises(requests.ConnectionError):
            requests.get(server.url, timeout=2)
        server.start()
        assert server.running
        assert requests.get(server.url, timeout=5).text not in ("", first)
    assert not server.running


def test_kill_takes_the_whole_process_group(tmp_path: Path) -> None:
    server = _server(tmp_path)
    server.start()
    children = [
        int(pid)
        for pid in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    ]
    assert children, "the server forked a child"
    server.kill()
    # SIGKILL reaches the child at once, but it dies (and is reaped) a moment later.
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in children)


def test_a_server_that_dies_while_starting_shows_its_log(tmp_path: Path) -> None:
    process = ServiceProcess(
        [sys.executable, "-c", "import sys; print('bad setting: FOO'); sys.exit(3)"],
        ready_url=f"http://127.0.0.1:{free_port()}/",
        log_path=tmp_path / "bad.log",
        name="bad",
    )
    with pytest.raises(RuntimeError, match=r"bad exited with 3:\nbad setting: FOO"):
        process.start()


def test_a_service_sees_only_its_own_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from runnerly_common.testing.services import service_env

    monkeypatch.setenv("DATASERVICE_DATABASE_URL", "sqlite:///elsewhere.db")
    monkeypatch.setenv("GATEWAY_PORT", "1")
    env = service_env(TOKENDEALER_PORT="5")
    assert "DATASERVICE_DATABASE_URL" not in env and "GATEWAY_PORT" not in env
    assert env["TOKENDEALER_PORT"] == "5" and env["RUNNERLY_ENV"] == "test"
    assert env["PATH"] == os.environ["PATH"]


def test_error_lines_are_errors_and_tracebacks() -> None:
    log = '{"level": "INFO"}\n{"level": "ERROR", "message": "x"}\nTraceback (most recent'
    assert error_lines(log) == ['{"level": "ERROR", "message": "x"}', "Traceback (most recent"]
