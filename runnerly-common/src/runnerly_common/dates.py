"""The one range of dates Runnerly stores: 1970-01-01 to 2100-12-31 (UTC).

Python's dates run from year 1 to 9999, and a run dated 9999-12-31 was stored, then broke
its runner's yearly totals (the year after it does not exist); a race on that day broke
plan generation. Every date a client, a file or Strava brings is checked against this
range before it is stored: the API (the toolkit's OpenAPI validation checks every
``format: date`` and ``date-time`` value, body and query alike), file imports and the
Strava mapping. The bounds leave room on both sides for anything computed from a stored
date (a week, a month, a 52-week plan) without leaving Python's range.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(2100, 12, 31)
# Date-times: from the first instant of MIN_DATE to the last of MAX_DATE, in UTC.
MIN_DATETIME = datetime(1970, 1, 1, tzinfo=UTC)
END_DATETIME = datetime(2101, 1, 1, tzinfo=UTC)  # exclusive
RANGE_TEXT = f"between {MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}"
# For OpenAPI specs: the year part of a date or date-time in range (the exact bounds,
# offsets included, are checked by :func:`date_problem` and :func:`datetime_problem`).
YEAR_PATTERN = r"^(19[7-9][0-9]|20[0-9][0-9]|2100)-"
_FORMATS = {"date": "", "date-time": " (UTC)"}


def date_problem(value: date) -> str | None:
    """Why ``value`` cannot be stored, or None."""
    if isinstance(value, datetime):
        return datetime_problem(value)
    if not MIN_DATE <= value <= MAX_DATE:
        return f"must be {RANGE_TEXT}"
    return None


def datetime_problem(value: datetime) -> str | None:
    """Why ``value`` cannot be stored, or None; a naive value is taken as UTC."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    if not MIN_DATETIME <= aware < END_DATETIME:
        return f"must be {RANGE_TEXT} (UTC)"
    return None


def bound_spec_dates(spec: dict[str, Any]) -> None:
    """Write the range into an OpenAPI document, in place, so its docs, generated clients
    and fuzzers know it: every ``format: date`` and ``date-time`` string schema says it in
    its description, and those a client sends (parameters and request bodies) carry it as
    their ``pattern``, which validation then checks. Responses get no pattern: a date
    computed from a stored one (the Sunday ending a plan's last week) may lie beyond."""
    _describe(spec)
    components = spec.get("components", {}).get("schemas", {})
    for item in spec.get("paths", {}).values():
        for operation in [item, *(v for v in item.values() if isinstance(v, dict))]:
            for parameter in operation.get("parameters", []):
                if isinstance(parameter, dict) and "schema" in parameter:
                    parameter["schema"] = _with_pattern(parameter["schema"], components, ())
            body = operation.get("requestBody")
            for media in (body or {}).get("content", {}).values():
                if "schema" in media:
                    media["schema"] = _with_pattern(media["schema"], components, ())


def _is_date(node: dict[str, Any]) -> bool:
    return node.get("format") in _FORMATS and "string" in _types(node.get("type"))


def _describe(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _describe(item)
    elif isinstance(node, dict):
        if _is_date(node):
            note = f"{RANGE_TEXT}{_FORMATS[node['format']]}"
            description = node.get("description", "")
            if RANGE_TEXT not in description.lower():  # YAML anchors share a schema
                node["description"] = (
                    f"{description} ({note})" if description else note[0].upper() + note[1:]
                )
        for value in node.values():
            _describe(value)


def _with_pattern(node: Any, components: dict[str, Any], seen: tuple[str, ...]) -> Any:
    """A copy of a request schema whose date schemas carry the pattern. A component it
    names is copied in (not changed: responses may share it) when it holds a date."""
    if isinstance(node, list):
        return [_with_pattern(item, components, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/") and len(node) == 1:
        name = ref.rsplit("/", 1)[1]
        if name in seen or not _holds_date(node, components, seen):
            return node
        return _with_pattern(components[name], components, (*seen, name))
    out = {key: _with_pattern(value, components, seen) for key, value in node.items()}
    if _is_date(out):
        out.setdefault("pattern", YEAR_PATTERN)
    return out


def _holds_date(node: Any, components: dict[str, Any], seen: tuple[str, ...]) -> bool:
    if isinstance(node, list):
        return any(_holds_date(item, components, seen) for item in node)
    if not isinstance(node, dict):
        return False
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        name = ref.rsplit("/", 1)[1]
        if name in seen or name not in components:
            return False
        return _holds_date(components[name], components, (*seen, name))
    return _is_date(node) or any(_holds_date(v, components, seen) for v in node.values())


def range_problem(schema: Mapping[str, Any]) -> str:
    """The message for a value that breaks :data:`YEAR_PATTERN` in ``schema``."""
    return f"must be {RANGE_TEXT}{_FORMATS.get(schema.get('format', ''), '')}"


def _types(declared: Any) -> list[Any]:
    return [declared] if isinstance(declared, str) else list(declared or [])
