"""A runner's export as a zip, written once for the operator's ``runnerly export`` and the
worker that builds a runner's own export (decision 55): both write what the dataservice
says the export holds (``dataservice.exports.content``) through :class:`ExportZip`.

``runner.json`` (the document, with ``format`` and ``exported_at``) and ``files/...``
(each run's file); the files go in first, one at a time, so that none is held in memory
beside the others.
"""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from typing import IO, Any

FORMAT = "runnerly-export/2"  # 2: Strava runs have a GPX built from their streams
DOCUMENT = "runner.json"


class ExportZip:
    """``with ExportZip(binary_file) as zf: zf.add(name, data) ...; zf.finish(document)``."""

    def __init__(self, target: IO[bytes]) -> None:
        self.zip = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED)
        self.names: set[str] = set()

    def __enter__(self) -> ExportZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.zip.close()

    def add(self, name: str, data: bytes) -> None:
        if name in self.names or name == DOCUMENT or not name.startswith("files/"):
            raise ValueError(f"{name!r} is not a new file's name in an export")
        self.names.add(name)
        self.zip.writestr(name, data)

    def finish(self, document: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
        """Write runner.json; returns it."""
        full = {
            "format": FORMAT,
            "exported_at": (now or datetime.now(UTC)).isoformat(),
            **document,
        }
        self.zip.writestr(DOCUMENT, json.dumps(full, indent=2, ensure_ascii=False))
        return full
