"""Hyperscan scans each value once for all the signatures, in prefilter mode, and PCRE
confirms what it reports: a rule Hyperscan cannot compile still detects (through PCRE, on
every value), and a bounded repeat it is given wider still matches only as PCRE says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from waf_support import load_default_config, nginx_missing

pytest_plugins = ("waf_support",)

pytestmark = pytest.mark.skipif(nginx_missing() is not None, reason=str(nginx_missing()))

SHIPPED = Path(__file__).resolve().parents[1] / "waf"


def with_rules(tmp_path: Path, rules: list[dict[str, Any]]) -> dict[str, Any]:
    data = {
        "class": "testclass",
        "description": "test",
        "defaults": {"targets": ["args"], "transforms": ["lowercase"], "score": 5},
        "rules": rules,
    }
    path = tmp_path / "test-rules.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    shipped = [str(SHIPPED / f) for f in load_default_config()["rule_files"]]
    return {"rule_files": [*shipped, str(path)]}


def blocked(server: Any, http: requests.Session, value: str) -> bool:
    response = http.get(server.url("/api/search"), params={"q": value}, timeout=10)
    assert response.status_code in (200, 403), response.text
    return response.status_code == 403


# A subroutine call, (?1): PCRE runs it, Hyperscan refuses it even in prefilter mode.
REFUSED = {
    "id": "990101",
    "description": "a word said twice, through a subroutine call",
    "pattern": r"\b(zorblax)(?1)\b",
    "examples": {"match": ["zorblaxzorblax"], "ignore": ["zorblax"]},
}


def test_a_rule_hyperscan_refuses_still_detects(tmp_path: Path, waf_with, http) -> None:
    server = waf_with(with_rules(tmp_path, [REFUSED]), log_level="notice")
    log = server.error_log()
    if "Hyperscan (libhs) is not available" not in log:
        assert "Hyperscan refused rule 990101" in log
    assert blocked(server, http, "say ZorblaxZorblax now")
    assert not blocked(server, http, "say zorblax once")


# Hyperscan gets {2,} for {2,12} (a long bound costs it compile time); a class holding
# "{1,20}" is left as it is.
BOUNDED = {
    "id": "990102",
    "description": "a bounded repeat and a class that looks like one",
    "pattern": r"\bqx[a-y]{2,12}xq\b|\bvv[{1,20}]vv\b",
    "examples": {"match": ["qxababxq", "vv2vv"], "ignore": ["qxaxq"]},
}


CASES = [
    ("qx" + "a" * 2 + "xq", True),
    ("qx" + "a" * 12 + "xq", True),
    ("qx" + "a" * 13 + "xq", False),
    ("qx" + "a" * 1 + "xq", False),
    ("vv0vv", True),
    ("vv2vv", True),
    ("vv,vv", True),
    ("vv3vv", False),
]


def test_bounded_repeats_match_as_pcre_says(tmp_path: Path, waf_with, http) -> None:
    server = waf_with(with_rules(tmp_path, [BOUNDED]))
    verdicts = {value: blocked(server, http, value) for value, _ in CASES}
    assert verdicts == dict(CASES)
