"""HTTP views of a runner's exports: thin, over exports.service and exports.content."""

from __future__ import annotations

from typing import Any

from flask import Response, request, stream_with_context

from dataservice.authz import require_client, runner_or_404
from dataservice.context import session, settings
from dataservice.exports import content, service
from runnerly_common.openapi import OpenAPIBlueprint, request_body


def _builder() -> None:
    """Building an export (its content, its progress, its bytes) is the worker's; asked
    after the export is found, so another runner's is 404 whoever asks."""
    require_client(settings().export_clients, "building an export")


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("startExport")
    def start_export(user_id: int) -> tuple[dict[str, Any], int]:
        runner_or_404(session(), user_id)
        export, created = service.start(session(), user_id)
        session().commit()
        return service.to_dict(export), 201 if created else 200

    @api.operation("listExports")
    def list_exports(user_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        export = service.current(session(), user_id)
        return {"items": [service.to_dict(export)] if export is not None else []}

    @api.operation("getExport")
    def get_export(user_id: int, export_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        return service.to_dict(service.get(session(), user_id, export_id))

    @api.operation("updateExport")
    def update_export(user_id: int, export_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        export = service.get(session(), user_id, export_id, for_update=True)
        _builder()
        service.update(session(), export, request_body(), settings().export_days)
        session().commit()
        return service.to_dict(export)

    @api.operation("getExportContent")
    def get_export_content(user_id: int, export_id: int) -> dict[str, Any]:
        runner_or_404(session(), user_id)
        service.get(session(), user_id, export_id)
        _builder()
        files = content.entries(session(), user_id)
        return {
            "document": content.document(session(), user_id, files),
            "files": [{"run_id": entry.run_id, "name": entry.name} for entry in files],
        }

    @api.operation("getExportFile")
    def get_export_file(user_id: int, export_id: int, run_id: int) -> Response:
        runner_or_404(session(), user_id)
        service.get(session(), user_id, export_id)
        _builder()
        found = content.entry_file(session(), user_id, run_id)
        return Response(found.content, mimetype=found.media_type)

    @api.operation("putExportChunk")
    def put_export_chunk(user_id: int, export_id: int, seq: int) -> Response:
        runner_or_404(session(), user_id)
        export = service.get(session(), user_id, export_id, for_update=True)
        _builder()
        service.put_chunk(session(), export, seq, request.get_data(cache=False))
        session().commit()
        return Response(status=204)

    @api.operation("downloadExport")
    def download_export(user_id: int, export_id: int) -> Response:
        runner_or_404(session(), user_id)
        export = service.get(session(), user_id, export_id)
        chunks = service.download(session(), export)
        day = (export.finished_at or export.created_at).date().isoformat()
        return Response(
            stream_with_context(chunks),
            mimetype="application/zip",
            headers={
                "Content-Length": str(export.size),
                "Content-Disposition": f'attachment; filename="runnerly-export-{day}.zip"',
                "X-Content-Type-Options": "nosniff",
            },
        )

    @api.operation("expireExports")
    def expire_exports() -> dict[str, int]:
        _builder()
        result = service.expire(session())
        session().commit()
        return result
