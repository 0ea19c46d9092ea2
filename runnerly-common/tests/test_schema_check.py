"""The fast check and the full validator agree: what one refuses, the client hears about."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from runnerly_common.schema_check import SchemaCheck


def check(schema: dict[str, Any]) -> SchemaCheck:
    full = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return SchemaCheck(full, schema)


RUN = {
    "type": "object",
    "required": ["start", "distance"],
    "additionalProperties": False,
    "dependentRequired": {"token": ["expires"]},
    "properties": {
        "start": {"type": "string", "format": "date-time"},
        "distance": {"type": "number", "minimum": 0},
        "token": {"type": "string"},
        "expires": {"type": "string", "format": "date-time"},
    },
}


class TestSchemaCheck:
    def test_a_plain_schema_takes_the_compiled_path(self) -> None:
        assert check(RUN).fast is not None

    @pytest.mark.parametrize(
        ("instance", "field"),
        [
            ({"start": "yesterday", "distance": 1}, ["start"]),
            ({"start": "2026-01-01T00:00:00Z", "distance": -1}, ["distance"]),
            ({"start": "2026-01-01T00:00:00Z", "distance": 1, "token": "t"}, []),
            ({"start": "2026-01-01T00:00:00Z", "distance": 1, "pace": 3}, []),
        ],
    )
    def test_what_the_fast_path_refuses_is_reported_by_field(
        self, instance: dict[str, Any], field: list[str]
    ) -> None:
        errors = list(check(RUN).iter_errors(instance))
        assert errors
        assert list(errors[0].path) == field

    def test_valid_input_has_no_errors(self) -> None:
        valid = {
            "start": "2026-01-01T00:00:00Z",
            "distance": 1,
            "token": "t",
            "expires": "2026-01-02T00:00:00+01:00",
        }
        assert list(check(RUN).iter_errors(valid)) == []

    def test_a_keyword_draft_7_reads_differently_keeps_the_full_validator(self) -> None:
        schema = {"type": "object", "properties": {"a": {}}, "unevaluatedProperties": False}
        strict = check(schema)
        assert strict.fast is None
        assert list(strict.iter_errors({"a": 1, "b": 2}))
