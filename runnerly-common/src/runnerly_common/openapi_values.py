"""Values in requests: query and path text cast to their schema's type, JSON turned into
Python values where the schema names a format, and problems phrased per field."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from jsonschema.exceptions import ValidationError

from runnerly_common import dates

Converter = Callable[[Any, str], Any]
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")  # ASCII digits: int() would read others too
_DIGITS = re.compile(r"[+-]?[0-9]+")


class FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def cast(text: str, schema: dict[str, Any], field_name: str) -> Any:
    types = types_of(schema)
    if "integer" in types:
        if not _INTEGER.fullmatch(text):
            # 19 digits and more: beyond any id or count, and beyond a 64-bit column.
            message = "is out of range" if _DIGITS.fullmatch(text) else "is not an integer"
            raise FieldError(field_name, message)
        return int(text)
    if "number" in types:
        try:
            value = float(text)
        except ValueError:
            raise FieldError(field_name, "is not a number") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise FieldError(field_name, "is not a finite number")
        return value
    if "boolean" in types:
        if text not in ("true", "false"):
            raise FieldError(field_name, "must be true or false")
        return text == "true"
    return text


def types_of(schema: dict[str, Any]) -> set[str]:
    declared = schema.get("type", [])
    return {declared} if isinstance(declared, str) else set(declared)


def converter(
    resolve: Callable[[Any], Any], schema: Any, stack: frozenset[int] = frozenset()
) -> Converter | None:
    """A function turning validated JSON into Python values where the schema has a format
    (``date-time`` → aware UTC datetime, ``date`` → date); None when nothing to convert."""
    schema = resolve(schema)
    if not isinstance(schema, dict) or id(schema) in stack:
        return None
    stack = stack | {id(schema)}
    fmt = schema.get("format")
    if fmt == "date-time":
        return _to_datetime
    if fmt == "date":
        return _to_date
    properties: dict[str, Converter] = {}
    for part in [schema, *(resolve(s) for s in schema.get("allOf", []))]:
        for name, sub in part.get("properties", {}).items():
            property_converter = converter(resolve, sub, stack)
            if property_converter:
                properties[name] = property_converter
    items = converter(resolve, schema.get("items"), stack) if "items" in schema else None
    if not properties and not items:
        return None

    def convert(value: Any, path: str) -> Any:
        if isinstance(value, dict) and properties:
            return {
                k: properties[k](v, f"{path}.{k}") if k in properties else v
                for k, v in value.items()
            }
        if isinstance(value, list) and items:
            return [items(v, f"{path}[{i}]") for i, v in enumerate(value)]
        return value

    return convert


def _to_datetime(value: Any, path: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError):
        raise FieldError(path, "is not a date-time Runnerly can store") from None
    problem = dates.datetime_problem(parsed)  # one range for every stored date
    if problem:
        raise FieldError(path, problem)
    return parsed


def _to_date(value: Any, path: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise FieldError(path, "is not a date") from None
    problem = dates.date_problem(parsed)
    if problem:
        raise FieldError(path, problem)
    return parsed


def unstorable_text(value: Any, field_name: str) -> Iterator[dict[str, str]]:
    """Strings no database keeps: NUL characters (PostgreSQL refuses them) and lone UTF-16
    surrogates (JSON can escape them, UTF-8 cannot encode them)."""
    if isinstance(value, str):
        if "\x00" in value:
            yield {"field": field_name, "message": "must not contain NUL characters"}
        elif any("\ud800" <= c <= "\udfff" for c in value):
            yield {"field": field_name, "message": "is not valid Unicode (lone surrogate)"}
    elif isinstance(value, dict):
        for key, item in value.items():
            # Keys too: a free-form object is stored as JSON, where PostgreSQL refuses \u0000.
            name = f"{field_name}.{repr(key)[1:-1]}"
            problems = list(unstorable_text(key, name))
            yield from problems or unstorable_text(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unstorable_text(item, f"{field_name}[{index}]")


def schema_problems(field_name: str, error: ValidationError) -> list[dict[str, str]]:
    """Per-field problems of one JSON-schema error, naming the property itself when it is
    missing or not allowed (jsonschema reports those at the enclosing object)."""
    path = field_name + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
    instance = error.instance if isinstance(error.instance, dict) else {}
    # The keyword's own schema: an object wherever a keyword failed (only a boolean schema
    # is not, and its error names no keyword).
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "required":
        # A list in any schema the spec validator accepted.
        value = error.validator_value
        required: list[str] = value if isinstance(value, list) else []
        missing = [name for name in required if name not in instance]
        return [{"field": f"{path}.{name}", "message": "is required"} for name in missing]
    if error.validator == "additionalProperties" and error.validator_value is False:
        known = set(schema.get("properties", {}))
        extra = sorted(name for name in instance if name not in known)
        if extra:
            return [{"field": f"{path}.{name}", "message": "is not allowed"} for name in extra]
    if error.validator == "pattern" and error.validator_value == dates.YEAR_PATTERN:
        return [{"field": path, "message": dates.range_problem(schema)}]
    message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    return [{"field": path, "message": message}]
