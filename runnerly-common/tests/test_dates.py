"""One range of dates for everything stored, checked wherever the toolkit reads a date:
a value outside is a per-field problem, never a value that breaks a computation later."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from runnerly_common import dates
from runnerly_common.openapi_values import FieldError, converter


def convert(schema: dict, value: object) -> object:
    convert = converter(lambda s: s, schema)
    assert convert is not None
    return convert(value, "body")


DATE = {"type": "object", "properties": {"day": {"type": "string", "format": "date"}}}
DATETIME = {"type": "object", "properties": {"at": {"type": "string", "format": "date-time"}}}


class TestTheConverter:
    @pytest.mark.parametrize("day", ["1970-01-01", "2026-12-06", "2100-12-31"])
    def test_dates_in_range_are_dates(self, day: str) -> None:
        assert convert(DATE, {"day": day}) == {"day": date.fromisoformat(day)}

    @pytest.mark.parametrize("day", ["0001-01-01", "1969-12-31", "2101-01-01", "9999-12-31"])
    def test_dates_outside_are_refused_naming_the_field_and_the_range(self, day: str) -> None:
        with pytest.raises(FieldError) as caught:
            convert(DATE, {"day": day})
        assert caught.value.field == "body.day"
        assert caught.value.message == "must be between 1970-01-01 and 2100-12-31"

    @pytest.mark.parametrize(
        "at", ["1970-01-01T00:00:00Z", "2100-12-31T23:59:59Z", "1970-01-01T01:00:00+01:00"]
    )
    def test_date_times_in_range_are_utc_date_times(self, at: str) -> None:
        value = convert(DATETIME, {"at": at})["at"]
        assert value.tzinfo == UTC and dates.datetime_problem(value) is None

    @pytest.mark.parametrize(
        ("at", "message"),
        [
            ("0001-01-01T00:00:00Z", "must be between 1970-01-01 and 2100-12-31 (UTC)"),
            ("9999-12-31T12:00:00Z", "must be between 1970-01-01 and 2100-12-31 (UTC)"),
            ("2101-01-01T00:00:00Z", "must be between 1970-01-01 and 2100-12-31 (UTC)"),
            # In range as written, out of range in UTC.
            ("1970-01-01T00:30:00+01:00", "must be between 1970-01-01 and 2100-12-31 (UTC)"),
            ("2100-12-31T23:00:00-05:00", "must be between 1970-01-01 and 2100-12-31 (UTC)"),
            # Beyond what Python can hold once turned to UTC.
            ("0001-01-01T00:00:00+05:00", "is not a date-time Runnerly can store"),
            ("9999-12-31T23:00:00-05:00", "is not a date-time Runnerly can store"),
        ],
    )
    def test_date_times_outside_are_refused(self, at: str, message: str) -> None:
        with pytest.raises(FieldError) as caught:
            convert(DATETIME, {"at": at})
        assert (caught.value.field, caught.value.message) == ("body.at", message)


class TestTheRange:
    def test_a_naive_date_time_is_taken_as_utc(self) -> None:
        assert dates.datetime_problem(datetime(2101, 1, 1)) is not None
        assert dates.datetime_problem(datetime(2100, 12, 31, 23, 59)) is None

    def test_the_spec_pattern_matches_the_years_in_range_and_no_other(self) -> None:
        pattern = re.compile(dates.YEAR_PATTERN)
        inside = [y for y in range(1, 10000) if pattern.match(f"{y:04d}-01-01")]
        assert inside == list(range(1970, 2101))


class TestTheSpecs:
    def test_dates_a_client_sends_get_the_pattern_and_every_date_the_description(
        self,
    ) -> None:
        day = {"type": "string", "format": "date", "description": "Race day"}
        spec: dict = {
            "paths": {
                "/races": {
                    "parameters": [{"name": "on", "in": "query", "schema": dict(day)}],
                    "post": {
                        "requestBody": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Batch"}
                                }
                            }
                        },
                        "responses": {
                            "200": {
                                "content": {
                                    "application/json": {
                                        "schema": {"$ref": "#/components/schemas/Race"}
                                    }
                                }
                            }
                        },
                    },
                }
            },
            "components": {
                "schemas": {
                    # A request body holding a date two references down, and a response
                    # sharing the component: only the request's copy gets the pattern.
                    "Batch": {
                        "properties": {"races": {"items": {"$ref": "#/components/schemas/Race"}}}
                    },
                    "Race": {
                        "properties": {
                            "date": day,
                            "at": {"type": ["string", "null"], "format": "date-time"},
                        }
                    },
                    "Email": {"type": "string", "format": "email"},
                }
            },
        }
        dates.bound_spec_dates(spec)
        path = spec["paths"]["/races"]
        assert path["parameters"][0]["schema"]["pattern"] == dates.YEAR_PATTERN
        body = path["post"]["requestBody"]["content"]["application/json"]["schema"]
        race = body["properties"]["races"]["items"]["properties"]
        assert race["date"]["pattern"] == dates.YEAR_PATTERN
        assert race["at"]["pattern"] == dates.YEAR_PATTERN
        stored = spec["components"]["schemas"]["Race"]["properties"]
        assert "pattern" not in stored["date"] and "pattern" not in stored["at"]
        assert stored["date"]["description"] == "Race day (between 1970-01-01 and 2100-12-31)"
        assert stored["at"]["description"] == "Between 1970-01-01 and 2100-12-31 (UTC)"
        assert spec["components"]["schemas"]["Email"] == {"type": "string", "format": "email"}

    @pytest.mark.parametrize(
        ("schema", "value", "message"),
        [
            (
                {"type": "string", "format": "date"},
                "9999-12-31",
                "must be between 1970-01-01 and 2100-12-31",
            ),
            (
                {"type": "string", "format": "date-time"},
                "0001-01-01T00:00:00Z",
                "must be between 1970-01-01 and 2100-12-31 (UTC)",
            ),
        ],
    )
    def test_a_year_outside_the_pattern_is_named_as_the_range(
        self, schema: dict, value: str, message: str
    ) -> None:
        from jsonschema import Draft202012Validator

        from runnerly_common.openapi_values import schema_problems

        schema = {**schema, "pattern": dates.YEAR_PATTERN}
        error = next(Draft202012Validator(schema).iter_errors(value))
        assert schema_problems("body.day", error) == [{"field": "body.day", "message": message}]
