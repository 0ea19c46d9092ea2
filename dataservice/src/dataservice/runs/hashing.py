"""A digest of a run's content: equal digests mean an upsert changes nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from dataservice.runs.serialize import FIELDS


def content_hash(run: Mapping[str, Any], efforts: Mapping[int, float] | None = None) -> str:
    start: datetime = run["start_time"]
    payload = [
        start.timestamp(),
        *(run.get(field) for field in FIELDS),
        sorted((efforts or {}).items()),
    ]
    encoded = json.dumps(payload, separators=(",", ":"), default=str).encode()
    return hashlib.blake2b(encoded, digest_size=16).hexdigest()
