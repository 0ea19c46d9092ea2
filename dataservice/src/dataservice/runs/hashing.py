"""A digest of a run's content: equal digests mean an upsert changes nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from dataservice.runs.serialize import FIELDS

# What json.dumps(payload, separators=(",", ":"), default=str) writes, without building an
# encoder for each of a batch's thousand runs.
_ENCODER = json.JSONEncoder(separators=(",", ":"), default=str)


def content_hash(run: Mapping[str, Any], efforts: Mapping[int, float] | None = None) -> str:
    start: datetime = run["start_time"]
    payload = [
        start.timestamp(),
        *(run.get(field) for field in FIELDS),
        sorted((efforts or {}).items()),
        # Where it was run: a zone learnt later (Strava's, after a UTC backfill) updates it.
        run.get("utc_offset"),
        run.get("timezone"),
    ]
    if run.get("strava_gear_id"):  # only when sent: older digests stay what they were
        payload.append(run["strava_gear_id"])
    encoded = _ENCODER.encode(payload).encode()
    return hashlib.blake2b(encoded, digest_size=16).hexdigest()
