"""A browser for the tests: Flask's test client that reads the CSRF token from
``GET /api/web/session`` and sends it back, as the dashboard does."""

from __future__ import annotations

import uuid
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

GOOD_PASSWORD = "plum violin 42 harbour"


class Browser:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.csrf = ""
        self.refresh()

    def refresh(self) -> dict[str, Any]:
        body = self.client.get("/api/web/session").json
        assert body is not None
        self.csrf = body["csrf_token"]
        return body

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.get(path, **kwargs)

    def _send(self, method: str, path: str, **kwargs: Any) -> TestResponse:
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        if response.is_json and isinstance(response.json, dict) and "csrf_token" in response.json:
            self.csrf = response.json["csrf_token"]  # login, sign-up and logout rotate it
        return response

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self._send("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> TestResponse:
        return self._send("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self._send("DELETE", path, **kwargs)

    def sign_up(self, **fields: Any) -> dict[str, Any]:
        body = {
            "email": f"runner-{uuid.uuid4().hex[:10]}@example.org",
            "password": GOOD_PASSWORD,
            "first_name": "Ada",
            "last_name": "Runner",
            **fields,
        }
        response = self.post("/api/web/signup", json=body)
        assert response.status_code == 201, response.json
        return {**response.json["user"], "password": body["password"]}


def fields_of(response: TestResponse) -> set[str]:
    """The fields an error names."""
    assert response.is_json, response.data[:200]
    return {e["field"] for e in response.json.get("errors", [])}


GPX = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="runnerly-tests" xmlns="http://www.topografix.com/GPX/1/1">
  <trk><name>Riverside loop</name><trkseg>
{points}
  </trkseg></trk>
</gpx>
"""


def gpx_file(start: str = "2024-05-04T07:00:00Z", points: int = 60) -> bytes:
    """A run of ``points`` trackpoints 10 s apart, going north ~30 m at a time (~3 m/s)."""
    from datetime import datetime, timedelta

    t0 = datetime.fromisoformat(start.replace("Z", "+00:00"))
    rows = []
    for i in range(points):
        when = (t0 + timedelta(seconds=10 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append(
            f'    <trkpt lat="{48.8500 + i * 0.00027:.6f}" lon="2.3500">'
            f"<ele>{35 + i % 5}</ele><time>{when}</time></trkpt>"
        )
    return GPX.format(points="\n".join(rows)).encode()
