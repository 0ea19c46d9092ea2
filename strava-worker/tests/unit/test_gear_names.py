"""What a Strava DetailedGear gives a pair of shoes: name, brand, model within bounds."""

from __future__ import annotations

from strava_worker.gear import NAME_MAX, fields_of


def test_a_detailed_gear_names_the_pair():
    detail = {"id": "g1", "name": " Pegasus ", "brand_name": "Nike", "model_name": "Pegasus 40"}
    assert fields_of(detail) == {"name": "Pegasus", "brand": "Nike", "model": "Pegasus 40"}


def test_blank_missing_or_odd_values_are_left_out_and_long_ones_cut():
    detail = {"name": "   ", "brand_name": None, "model_name": 40, "description": "x"}
    assert fields_of(detail) == {}
    assert len(fields_of({"name": "x" * 500})["name"]) == NAME_MAX
