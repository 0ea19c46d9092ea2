"""``/api/web/exports``: start the runner's export, follow it, download it (streamed from
the dataservice, which keeps the zip; docs/decisions.md, 55)."""

from __future__ import annotations

from typing import Any

from flask import Response, stream_with_context

from runnerly_common.errors import APIError
from runnerly_common.openapi import OpenAPIBlueprint
from runnerly_common.tasks import BUILD_EXPORT
from runnerly_web.account.mails import public_url
from runnerly_web.extensions import dataservice, sync_queue
from runnerly_web.web_session import require_user

PIECE = 256 * 1024  # what one read of the download passes on
_PASSED = ("Content-Type", "Content-Length", "Content-Disposition")


def shown(export: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in export.items() if key != "runner_id"}


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("startExport")
    def start_export() -> tuple[dict[str, Any], int]:
        user_id = require_user()
        export = dataservice().json("POST", f"/users/{user_id}/exports", runner=user_id)
        # Sent again while it waits: a task lost on the way is replaced at the next click,
        # and the worker builds an export once (its lock, then its state).
        if export["state"] == "queued":
            task = {
                "user_id": user_id,
                "export_id": export["id"],
                "profile_url": f"{public_url()}/profile",
            }
            if not sync_queue().send(BUILD_EXPORT, task):
                raise APIError(
                    503,
                    "exports_unavailable",
                    "Your export could not be started just now: try again in a minute",
                    headers={"Retry-After": "60"},
                )
        return shown(export), 202

    @api.operation("getExport")
    def get_export() -> dict[str, Any]:
        user_id = require_user()
        items = dataservice().json("GET", f"/users/{user_id}/exports", runner=user_id)["items"]
        return {"export": shown(items[0]) if items else None}

    @api.operation("downloadExport")
    def download_export(export_id: int) -> Response:
        user_id = require_user()
        upstream = dataservice().call(
            "GET", f"/users/{user_id}/exports/{export_id}/zip", runner=user_id, stream=True
        )

        def pieces() -> Any:
            try:
                yield from upstream.iter_content(PIECE)
            finally:
                upstream.close()

        headers = {name: upstream.headers[name] for name in _PASSED if name in upstream.headers}
        return Response(
            stream_with_context(pieces()),
            headers={**headers, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
        )
