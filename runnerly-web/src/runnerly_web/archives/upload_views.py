"""A Strava export of any size, sent in chunks to an upload that resumes (docs/decisions.md,
60): ``POST /runs/archive/uploads`` announces it, ``PUT .../{id}/chunks?offset=`` sends each
part, ``GET .../{id}`` says how much has arrived, ``DELETE .../{id}`` cancels.  The last part
checks the whole file, then the archive as ``POST /runs/archive`` does, and queues the import.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from runnerly_common.errors import APIError
from runnerly_common.openapi import OpenAPIBlueprint, query_params, request_body
from runnerly_common.shared_store import StoreUnavailable
from runnerly_web.archives.reader import display_name, read_archive
from runnerly_web.archives.uploads import ArchiveUploads, not_found, sha256_of
from runnerly_web.archives.views import (
    iso,
    refuse_while_importing,
    shown,
    start_import,
    unavailable,
)
from runnerly_web.extensions import archive_imports, settings, shared_store
from runnerly_web.web_session import require_user

MB = 1024 * 1024


def _uploads() -> ArchiveUploads:
    config = settings()
    return ArchiveUploads(
        shared_store(), config.archive_upload_dir, config.archive_upload_ttl_seconds
    )


def _size(count: int) -> str:
    return f"{count / (1024 * MB):.1f} GB" if count >= 1024 * MB else f"{-(-count // MB)} MB"


def _shown(uploads: ArchiveUploads, user_id: int, upload: dict[str, Any]) -> dict[str, Any]:
    job = None
    if upload["job_id"]:
        current = archive_imports().job(user_id)
        job = shown(current) if current and current["id"] == upload["job_id"] else None
    return {
        "id": upload["id"],
        "filename": upload["filename"],
        "size": upload["size"],
        "offset": uploads.received(user_id, upload),
        "chunk_size": settings().max_content_length,
        "state": upload["state"],
        "job": job,
        "expires_at": iso(upload["updated_at"] + uploads.ttl),
    }


def _answer(body: dict[str, Any], status: int = 200) -> Response:
    """The upload, with tus's ``Upload-Offset`` header for clients that read it."""
    response = jsonify(body)
    response.status_code = status
    response.headers["Upload-Offset"] = str(body["offset"])
    response.headers["Cache-Control"] = "no-store"
    return response


def _finish(
    uploads: ArchiveUploads, user_id: int, upload: dict[str, Any], handle: Any
) -> dict[str, Any]:
    """The whole file has arrived (the caller holds its lock): check it, stage it, queue it.
    A refused file is removed with its upload; a store away keeps both (send the last part
    again)."""
    try:
        if upload["sha256"] and sha256_of(handle) != upload["sha256"]:
            raise APIError(
                422,
                "upload_checksum_mismatch",
                "The file that arrived differs from the one announced (its SHA-256): upload it"
                " again",
            )
        handle.seek(0)
        files = read_archive(handle, settings().archive_max_bytes)
        job = start_import(user_id, upload["filename"], files)
    except APIError as exc:
        if exc.status != 503:
            uploads.discard(user_id, upload["id"])
        raise
    upload.update(state="complete", job_id=job["id"])
    uploads.save(user_id, upload)
    uploads.path(user_id, upload["id"]).unlink(missing_ok=True)
    return upload


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("createArchiveUpload")
    def create_upload() -> Response:
        user_id = require_user()
        body = request_body()
        size, sha256 = int(body["size"]), body.get("sha256")
        filename = display_name(body["filename"])
        limit = settings().archive_max_bytes
        if size > limit:
            message = f"This archive is {_size(size)}: the largest taken is {_size(limit)}"
            raise APIError(
                413,
                "archive_too_large",
                message,
                errors=[{"field": "body.size", "message": message}],
            )
        uploads = _uploads()
        uploads.sweep()
        try:
            refuse_while_importing(user_id)
            current = uploads.current(user_id)
            if current is not None and current["state"] == "receiving":
                if (current["filename"], current["size"], current["sha256"]) == (
                    filename,
                    size,
                    sha256,
                ):
                    # The same file announced again (the page lost its note): resume it.
                    return _answer(_shown(uploads, user_id, current))
                raise APIError(
                    409,
                    "archive_upload_active",
                    f"“{current['filename']}” is still being uploaded: resume it or cancel it"
                    " first",
                )
            upload = uploads.create(user_id, filename, size, sha256)
        except StoreUnavailable:
            raise unavailable() from None
        return _answer(_shown(uploads, user_id, upload), 201)

    @api.operation("getCurrentArchiveUpload")
    def get_current_upload() -> dict[str, Any]:
        user_id = require_user()
        uploads = _uploads()
        uploads.sweep()
        try:
            upload = uploads.current(user_id)
            receiving = upload is not None and upload["state"] == "receiving"
            return {"upload": _shown(uploads, user_id, upload) if upload and receiving else None}
        except StoreUnavailable:
            raise unavailable() from None

    @api.operation("getArchiveUpload")
    def get_upload(upload_id: str) -> Response:
        user_id = require_user()
        uploads = _uploads()
        uploads.sweep()
        try:
            return _answer(_shown(uploads, user_id, uploads.find(user_id, upload_id)))
        except StoreUnavailable:
            raise unavailable() from None

    @api.operation("cancelArchiveUpload")
    def cancel_upload(upload_id: str) -> tuple[str, int]:
        user_id = require_user()
        uploads = _uploads()
        try:
            upload = uploads.find(user_id, upload_id)
            if upload["state"] == "receiving":
                # Under the lock: a part being written finishes first, then goes with it.
                with uploads.locked(user_id, upload_id):
                    uploads.discard(user_id, upload_id)
            else:
                uploads.discard(user_id, upload_id)
        except StoreUnavailable:
            raise unavailable() from None
        return "", 204

    @api.operation("sendArchiveChunk")
    def send_chunk(upload_id: str) -> Response:
        user_id = require_user()
        query = query_params()
        offset, digest = int(query["offset"]), query.get("sha256")
        data = request.get_data(cache=False)  # never empty: the spec requires a body
        uploads = _uploads()
        try:
            upload = uploads.find(user_id, upload_id)
            if upload["state"] == "receiving":
                try:
                    with uploads.locked(user_id, upload_id) as handle:
                        # Cancelled or finished while this part waited for the lock?
                        upload = uploads.find(user_id, upload_id)
                        if upload["state"] == "receiving":
                            received = uploads.write(handle, upload["size"], offset, data, digest)
                            if received < upload["size"]:
                                uploads.save(user_id, upload)  # not abandoned
                            else:
                                upload = _finish(uploads, user_id, upload, handle)
                except APIError as exc:
                    if exc.code != "upload_not_found":
                        raise
                    # Its file went as this part arrived: finished by the part sent before?
                    upload = uploads.find(user_id, upload_id)
                    if upload["state"] == "receiving":
                        raise not_found() from None
            # A part of a finished upload (its answer was lost): what it came to.
            return _answer(_shown(uploads, user_id, upload))
        except StoreUnavailable:
            raise unavailable() from None
