"""The bounds the spec states for a run are runnerly_common.run_bounds, the table the Strava
worker checks each activity against before sending it: when one changes without the other,
the worker would send what the dataservice refuses (or set aside what it would store)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import dataservice
from runnerly_common import run_bounds

OPENAPI = Path(dataservice.__file__).with_name("openapi")


def _schemas(name: str) -> dict[str, Any]:
    # The file as written (the anchor ``run_fields`` resolved by YAML), not the served spec.
    return yaml.safe_load((OPENAPI / name).read_text(encoding="utf-8"))["components"]["schemas"]


RUNS = _schemas("runs.yaml")
RUN_FIELDS = RUNS["RunFields"]["properties"]
UPSERT = RUNS["RunUpsert"]


def _bounds(name: str) -> tuple[float, float]:
    field = RUN_FIELDS[name]
    return field["minimum"], field["maximum"]


def test_every_bounded_number_of_a_run_is_in_the_table_and_no_other():
    bounded = {name for name, field in RUN_FIELDS.items() if "maximum" in field}
    assert bounded == set(run_bounds.REQUIRED) | set(run_bounds.OPTIONAL)


@pytest.mark.parametrize("name", sorted(run_bounds.REQUIRED))
def test_a_required_figure_has_the_tables_bounds_and_is_required(name):
    low, high, _unit = run_bounds.REQUIRED[name]
    assert _bounds(name) == (low, high)
    assert name in UPSERT["required"]
    assert "null" not in RUN_FIELDS[name]["type"]


@pytest.mark.parametrize("name", sorted(run_bounds.OPTIONAL))
def test_an_optional_figure_has_the_tables_bounds_and_may_be_null(name):
    low, high, _unit = run_bounds.OPTIONAL[name]
    assert _bounds(name) == (low, high)
    assert name not in UPSERT["required"]
    assert "null" in RUN_FIELDS[name]["type"]


def test_title_and_polyline_lengths_are_the_tables():
    assert RUN_FIELDS["title"]["maxLength"] == run_bounds.TITLE_MAX
    assert RUN_FIELDS["polyline"]["maxLength"] == run_bounds.POLYLINE_MAX


def test_a_set_aside_activity_holds_what_the_table_allows():
    written = _schemas("set_aside.yaml")["SetAsideWrite"]["properties"]
    assert written["reason"]["maxLength"] == run_bounds.REASON_MAX
    assert written["title"]["maxLength"] == run_bounds.TITLE_MAX
