"""A run changed and deleted at the same moment by two clients (the fuzzer's two workers
found it): the change waits for the deletion or the deletion for the change, never a 500."""

from __future__ import annotations

import threading

import pytest


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_run_updated_and_deleted_at_once_is_never_a_500(app, token, runner, run_body):
    headers = token(runner=runner)
    seen: list[tuple[str, int]] = []
    for _ in range(25):
        created = app.test_client().post(
            f"/api/v1/users/{runner}/runs", json=run_body, headers=headers
        )
        assert created.status_code == 201, created.json
        url = f"/api/v1/users/{runner}/runs/{created.json['id']}"
        barrier = threading.Barrier(2)

        def send(
            method: str, body: dict | None, url: str = url, barrier: threading.Barrier = barrier
        ) -> None:
            client = app.test_client()  # one per thread, as two browsers
            barrier.wait(timeout=10)
            answer = client.open(url, method=method, json=body, headers=headers)
            seen.append((method, answer.status_code))

        threads = [
            threading.Thread(target=send, args=("PATCH", {"title": "Renamed", "distance": 9000.0})),
            threading.Thread(target=send, args=("DELETE", None)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert len(seen) == 50
    assert {code for method, code in seen if method == "DELETE"} == {204}
    assert {code for method, code in seen if method == "PATCH"} <= {200, 404}, seen
