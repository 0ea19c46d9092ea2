"""The dataservice calls that build a runner's export (``export_tasks``), over the worker's
:class:`Dataservice` (its service token, its error kinds: DataserviceError is transient,
DataserviceRefused is not)."""

from __future__ import annotations

from typing import Any

from strava_worker.dataservice import Dataservice


class ExportGone(Exception):
    """The export (or its runner) is gone: deleted, replaced, expired."""


class ExportsAPI:
    def __init__(self, dataservice: Dataservice) -> None:
        self.ds = dataservice

    def _path(self, user_id: int, export_id: int) -> str:
        return f"/users/{user_id}/exports/{export_id}"

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.ds._call(method, path, **kwargs)
        if response.status_code == 404:
            raise ExportGone(path)
        return self.ds._ok(response, path)

    def get(self, user_id: int, export_id: int) -> dict[str, Any]:
        found: dict[str, Any] = self._json("GET", self._path(user_id, export_id))
        return found

    def content(self, user_id: int, export_id: int) -> dict[str, Any]:
        """``document`` (runner.json's data) and ``files`` (run_id, name in the zip)."""
        found: dict[str, Any] = self._json("GET", self._path(user_id, export_id) + "/content")
        return found

    def file(self, user_id: int, export_id: int, run_id: int) -> bytes | None:
        """A run's file in the zip; None when the run went meanwhile."""
        path = f"{self._path(user_id, export_id)}/files/{run_id}"
        response = self.ds._call("GET", path)
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            self.ds._ok(response, path)  # raises the refusal
        return response.content

    def report(self, user_id: int, export_id: int, **change: Any) -> dict[str, Any]:
        """``state`` building (``done`` of ``total``), ready (``size``, ``sha256``) or failed."""
        found: dict[str, Any] = self._json("PATCH", self._path(user_id, export_id), json=change)
        return found

    def put_chunk(self, user_id: int, export_id: int, seq: int, data: bytes) -> None:
        self._json(
            "PUT",
            f"{self._path(user_id, export_id)}/chunks/{seq}",
            data=data,
            headers={"Content-Type": "application/octet-stream"},
        )

    def expire(self) -> dict[str, int]:
        found: dict[str, int] = self._json("POST", "/exports/expire")
        return found
