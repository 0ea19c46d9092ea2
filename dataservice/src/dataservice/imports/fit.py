"""Read a Garmin FIT activity with Garmin's own Python SDK (`garmin_fit_sdk`).

Why this decoder: the FIT profile (message and field numbers, scales, enums) grows with
every new device, and Garmin's SDK is generated from that profile and released with it
several times a year, so new watches decode without waiting for a third party. `fitdecode`
(MIT) also works and is a little slower here; its releases are rarer. The SDK also ships an
Encoder (21.200+), which the tests use to build real FIT files. Its licence is Garmin's FIT
Protocol License, which allows use and redistribution in applications.

The decoder collects errors instead of raising, so the header is checked here first to tell
a truncated upload (the common failure) from a corrupted one.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Mapping, Sequence
from typing import Any

from garmin_fit_sdk import Decoder, Profile, Stream

from .model import MAX_POINTS, FileRejected, RawActivity, Sample

_SEMICIRCLE_DEGREES = 180 / 2**31
_RECORD = Profile["mesg_num"]["RECORD"]


class _TooManyRecords(Exception):
    """Raised from the decoder's listener to stop decoding a pathological file early."""


def parse_fit(content: bytes) -> RawActivity:
    """The records and sport of a FIT activity file."""
    _check_header(content)
    records = 0

    def count_records(mesg_num: int, _message: dict[str, Any]) -> None:
        nonlocal records
        if mesg_num == _RECORD:
            records += 1
            if records > MAX_POINTS:
                raise _TooManyRecords

    decoder = Decoder(Stream.from_byte_array(bytearray(content)))
    messages, errors = decoder.read(mesg_listener=count_records)
    if any(isinstance(error, _TooManyRecords) for error in errors):
        raise FileRejected(f"FIT: too many track points (more than {MAX_POINTS:,})")
    if errors:
        if "CRC" in str(errors[0]):
            raise FileRejected("FIT: the checksum does not match, the file is corrupted")
        raise FileRejected("FIT: the file is corrupted and cannot be decoded")

    sessions = messages.get("session_mesgs") or messages.get("sport_mesgs") or [{}]
    raw = RawActivity(
        "FIT",
        sport=_label(sessions[0].get("sport")),
        sub_sport=_label(sessions[0].get("sub_sport")),
    )
    raw.samples = [_sample(record) for record in messages.get("record_mesgs", [])]
    raw.utc_offset = _utc_offset(messages.get("activity_mesgs") or [{}])
    return raw


# FIT's epoch: local_timestamp counts seconds from it on the device's wall clock.
_FIT_EPOCH = dt.datetime(1989, 12, 31, tzinfo=dt.UTC)


def _utc_offset(activities: Sequence[Mapping[str, Any]]) -> int | None:
    """The activity message's local_timestamp minus its timestamp: the device's offset
    from UTC when it recorded (None when the file does not say, or says nonsense)."""
    activity = activities[0]
    utc, local = activity.get("timestamp"), activity.get("local_timestamp")
    if isinstance(utc, int) and not isinstance(utc, bool):
        utc = _FIT_EPOCH + dt.timedelta(seconds=utc)
    if isinstance(local, int) and not isinstance(local, bool):
        local = _FIT_EPOCH + dt.timedelta(seconds=local)
    if not isinstance(utc, dt.datetime) or not isinstance(local, dt.datetime):
        return None
    if utc.tzinfo is None:
        utc = utc.replace(tzinfo=dt.UTC)
    if local.tzinfo is None:
        local = local.replace(tzinfo=dt.UTC)
    offset = round((local - utc).total_seconds() / 900) * 900  # zones are quarter hours
    return offset if abs(offset) <= 14 * 3600 else None


def _check_header(content: bytes) -> None:
    """Refuse a file whose header is bad or whose data ends before the header says."""
    if len(content) < 12:
        raise FileRejected("FIT: the file is truncated")
    header_size = content[0]
    if header_size not in (12, 14) or content[8:12] != b".FIT":
        raise FileRejected("FIT: the file header is not valid")
    (data_size,) = struct.unpack_from("<I", content, 4)
    if len(content) < header_size + data_size + 2:
        raise FileRejected("FIT: the file is truncated")


def _label(value: object) -> str | None:
    """Enum names arrive as strings; a value the profile does not know arrives as a number."""
    return None if value is None else str(value)


def _sample(record: Mapping[str, Any]) -> Sample:
    lat, lon = record.get("position_lat"), record.get("position_long")
    degrees: tuple[float, float] | tuple[None, None] = (None, None)
    if isinstance(lat, int) and isinstance(lon, int):
        degrees = (lat * _SEMICIRCLE_DEGREES, lon * _SEMICIRCLE_DEGREES)
    ele = record.get("enhanced_altitude")
    return Sample(
        time=record.get("timestamp"),
        lat=degrees[0],
        lon=degrees[1],
        ele=ele if ele is not None else record.get("altitude"),
        hr=record.get("heart_rate"),
        dist=record.get("distance"),
    )
