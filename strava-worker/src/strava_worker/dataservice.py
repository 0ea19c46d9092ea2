"""The dataservice calls the worker makes, with a service token from the tokendealer."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import requests

from runnerly_common.service_client import ServiceSession, TokenError


class DataserviceError(Exception):
    """The dataservice failed or is unreachable: transient, the task retries."""


class DataserviceRefused(DataserviceError):
    """A 4xx other than 404, 408 and 429: the request itself is wrong (a run it does not
    accept); the same request would be refused again, so it is not retried."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail or message  # the dataservice's own words, for the runner


class NotLinked(Exception):
    """The runner has no Strava link (unlinked meanwhile): nothing to do."""


class Dataservice:
    def __init__(self, base_url: str, http: ServiceSession) -> None:
        self.api = base_url.rstrip("/") + "/api/v1"
        self.http = http

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.http.request(method, self.api + path, **kwargs)
        except (requests.RequestException, TokenError) as exc:
            raise DataserviceError(f"{method} {path}: {exc}") from exc
        if response.status_code >= 500 or response.status_code in (401, 408, 429):
            raise DataserviceError(f"{method} {path}: {response.status_code}")
        return response

    def _ok(self, response: requests.Response, path: str) -> Any:
        if response.status_code == 404:
            raise NotLinked(path)
        if response.status_code >= 400:
            raise DataserviceRefused(
                f"{path}: {response.status_code} {response.text[:300]}", _message(response)
            )
        return response.json() if response.content else None

    def link(self, user_id: int) -> dict[str, Any]:
        path = f"/users/{user_id}/strava"
        result: dict[str, Any] = self._ok(self._call("GET", path), path)
        return result

    def update_link(self, user_id: int, **fields: Any) -> dict[str, Any]:
        path = f"/users/{user_id}/strava"
        result: dict[str, Any] = self._ok(self._call("PATCH", path, json=fields), path)
        return result

    def unlink(self, user_id: int) -> None:
        path = f"/users/{user_id}/strava"
        response = self._call("DELETE", path)
        if response.status_code not in (204, 404):
            self._ok(response, path)

    def upsert_runs(
        self,
        user_id: int,
        runs: Sequence[dict[str, Any]],
        deleted: Sequence[dict[str, str]] = (),
        set_aside: Sequence[dict[str, Any]] = (),
    ) -> dict[str, Any]:
        """Idempotent: the same runs again answer ``unchanged``.  ``set_aside``: activities
        not imported, with their reason (a run stored or deleted leaves that list)."""
        path = f"/users/{user_id}/runs/batch"
        body: dict[str, Any] = {"runs": list(runs)}
        if deleted:
            body["deleted"] = list(deleted)
        if set_aside:
            body["set_aside"] = list(set_aside)
        result: dict[str, Any] = self._ok(self._call("POST", path, json=body), path)
        return result

    def import_file(
        self, user_id: int, filename: str, content: bytes
    ) -> tuple[int, dict[str, Any]]:
        """A file as a run through the dataservice's import: (201 new or 200 the same file
        again, the run).  A file it cannot read raises DataserviceRefused with why."""
        path = f"/users/{user_id}/runs/import"
        response = self._call(
            "POST",
            path,
            params={"filename": filename},
            data=content,
            headers={"Content-Type": "application/octet-stream"},
        )
        run: dict[str, Any] = self._ok(response, path)
        return response.status_code, run

    def update_run(self, user_id: int, run_id: int, **fields: Any) -> dict[str, Any] | None:
        """The runner's correction (a title); None when the run is gone meanwhile."""
        return self._found_or_none(f"/users/{user_id}/runs/{run_id}", "PATCH", json=fields)

    def update_gear(self, user_id: int, gear_id: int, **fields: Any) -> dict[str, Any] | None:
        """Name a pair the dataservice made for a Strava gear id; None when it is gone."""
        return self._found_or_none(f"/users/{user_id}/gear/{gear_id}", "PATCH", json=fields)

    def strava_run_count(self, user_id: int) -> int:
        """How many of the runner's runs came from Strava."""
        path = f"/users/{user_id}/runs"
        params = {"source": "strava", "per_page": 1}
        return int(self._ok(self._call("GET", path, params=params), path)["total"])

    def streams_pending(self, user_id: int, limit: int) -> list[dict[str, Any]]:
        """The runner's Strava runs without streams yet, newest first."""
        path = f"/users/{user_id}/strava/streams"
        pending: list[dict[str, Any]] = self._ok(
            self._call("GET", path, params={"limit": limit}), path
        )["pending"]
        return pending

    def put_streams(
        self, user_id: int, activity_id: str, streams: dict[str, list[Any]] | None
    ) -> dict[str, Any] | None:
        """Keep a run's streams (None: Strava has none); a run gone meanwhile is no error."""
        path = f"/users/{user_id}/strava/streams/{activity_id}"
        response = self._call("PUT", path, json={"streams": streams})
        return None if response.status_code == 404 else self._ok(response, path)

    def strava_set_aside(self, user_id: int) -> list[dict[str, Any]]:
        """The runner's newest 200 Strava activities set aside (reason, start, seen_at)."""
        path = f"/users/{user_id}/set-aside"
        body = self._ok(self._call("GET", path, params={"per_page": 200}), path)
        return [item for item in body["items"] if item.get("source") == "strava"]

    def strava_runs_since(self, user_id: int, since: datetime) -> Iterator[dict[str, Any]]:
        """The runner's runs from Strava that start at or after ``since``, page by page."""
        page, path = 1, f"/users/{user_id}/runs"
        while True:
            params = {"from": since.isoformat(), "source": "strava", "page": page, "per_page": 200}
            body = self._ok(self._call("GET", path, params=params), path)
            yield from (run for run in body["items"] if run.get("source") == "strava")
            if page * 200 >= body["total"] or not body["items"]:
                return
            page += 1

    def links(self, per_page: int = 200) -> Iterator[dict[str, Any]]:
        """Every linked runner (no tokens), page by page."""
        page = 1
        while True:
            params = {"page": page, "per_page": per_page}
            body = self._ok(self._call("GET", "/strava/links", params=params), "/strava/links")
            yield from body["items"]
            if page * per_page >= body["total"] or not body["items"]:
                return
            page += 1

    def link_of_athlete(self, athlete_id: int) -> dict[str, Any] | None:
        params = {"athlete_id": athlete_id}
        body = self._ok(self._call("GET", "/strava/links", params=params), "/strava/links")
        return body["items"][0] if body["items"] else None

    # --- the monthly reports (strava_worker.report_tasks) ---

    def users(self, per_page: int = 200) -> Iterator[dict[str, Any]]:
        """Every runner (profile, email, ``disabled``), page by page."""
        page = 1
        while True:
            params = {"page": page, "per_page": per_page}
            body = self._ok(self._call("GET", "/users", params=params), "/users")
            yield from body["items"]
            if page * per_page >= body["total"] or not body["items"]:
                return
            page += 1

    def user(self, user_id: int) -> dict[str, Any] | None:
        """The runner, or None when they were deleted meanwhile."""
        return self._found_or_none(f"/users/{user_id}")

    def monthly_report(self, user_id: int, year: int, month: int) -> dict[str, Any] | None:
        """The month's totals, the previous month's, the change, records set; None: no runner."""
        return self._found_or_none(f"/users/{user_id}/reports/{year}/{month}")

    def email_preferences(self, user_id: int) -> dict[str, Any] | None:
        """The runner's report choice, day and unsubscribe token; None: no runner."""
        return self._found_or_none(f"/users/{user_id}/email-preferences")

    def report_subscribers(self, per_page: int = 200) -> Iterator[dict[str, Any]]:
        """Every runner who wants the monthly report: id, time zone, disabled, day."""
        page, path = 1, "/email-preferences"
        while True:
            params = {"monthly_report": "true", "page": page, "per_page": per_page}
            body = self._ok(self._call("GET", path, params=params), path)
            yield from body["items"]
            if page * per_page >= body["total"] or not body["items"]:
                return
            page += 1

    def _found_or_none(
        self, path: str, method: str = "GET", **kwargs: Any
    ) -> dict[str, Any] | None:
        response = self._call(method, path, **kwargs)
        return None if response.status_code == 404 else self._ok(response, path)


def _message(response: requests.Response) -> str:
    """The error's ``message`` (the toolkit's JSON errors), else the start of the body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    message = body.get("message") if isinstance(body, dict) else None
    return str(message)[:200] if message else response.text[:200]
