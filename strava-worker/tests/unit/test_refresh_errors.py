"""What a failed token refresh says: the error becomes a log line (the task's retry), so it
names what was wrong with Strava's answer, never a token that answer held."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from strava_worker.budget import RateBudget, Windows
from strava_worker.sqlite_store import SqliteStore
from strava_worker.strava import ServerError, StravaClient

LEAKED = "access-0123456789abcdef-leaked"


class _HalfPair(BaseHTTPRequestHandler):
    """Strava's token endpoint answering 200 with an access token and no refresh token."""

    def do_POST(self) -> None:
        body = json.dumps({"token_type": "Bearer", "access_token": LEAKED}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def oauth() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HalfPair)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_answer_without_a_pair_is_described_without_its_tokens(
    oauth: str, tmp_path: Path
) -> None:
    budget = RateBudget(SqliteStore(str(tmp_path / "budget.db")), Windows(100, 1000, 900, 86400))
    client = StravaClient(f"{oauth}/api/v3", oauth, "1000", "client-secret", budget)
    with pytest.raises(ServerError) as raised:
        client.refresh("refresh-token")
    assert LEAKED not in str(raised.value)
    assert "access_token" in str(raised.value)  # which fields came, so the cause is clear
