"""The rules and the config are checked when nginx starts: a broken rule, a rule that no
longer matches its own examples, or a config mistake stops nginx with a message naming it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from waf_support import check_config, load_default_config, nginx_missing, write_config

pytestmark = pytest.mark.skipif(nginx_missing() is not None, reason=str(nginx_missing()))

GOOD_RULE = {
    "id": "990001",
    "description": "a test rule",
    "pattern": "\\bhello\\b",
    "examples": {"match": ["hello there"], "ignore": ["othello"]},
}


def with_rule_file(tmp_path: Path, rule: dict, **file_fields) -> Path:
    data = {
        "class": "testclass",
        "description": "test",
        "defaults": {"targets": ["args"], "transforms": ["lowercase"], "score": 5},
        "rules": [rule],
        **file_fields,
    }
    rules = tmp_path / "test-rules.json"
    rules.write_text(json.dumps(data), encoding="utf-8")
    shipped = [
        str(Path(__file__).resolve().parents[1] / "waf" / f)
        for f in load_default_config()["rule_files"]
    ]
    return write_config(tmp_path, {"rule_files": [*shipped, str(rules)]})


def test_the_shipped_config_loads() -> None:
    ok, output = check_config(Path(__file__).resolve().parents[1] / "waf" / "config.json")
    assert ok, output


def test_a_valid_extra_rule_file_loads(tmp_path) -> None:
    ok, output = check_config(with_rule_file(tmp_path, GOOD_RULE))
    assert ok, output


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pattern": "(unclosed"}, "rule 990001: pattern does not compile"),
        ({"examples": {"match": ["goodbye"]}}, 'rule 990001: does not match its example "goodbye"'),
        ({"examples": {"ignore": ["hello"]}}, 'rule 990001: matches its counter-example "hello"'),
        ({"id": "200100"}, "rule id 200100 is already used"),
        ({"id": "abc"}, "id must be a string of digits"),
        ({"transforms": ["rot13"]}, 'unknown transform "rot13"'),
        ({"targets": ["everywhere"]}, 'unknown target "everywhere"'),
        ({"score": 0}, "score must be an integer from 1 to 10"),
        ({"description": ""}, "rule 990001: needs a description"),
        ({"phrases": ["x"]}, "needs exactly one of pattern or phrases"),
    ],
)
def test_a_broken_rule_stops_nginx_naming_the_rule(tmp_path, change, message) -> None:
    ok, output = check_config(with_rule_file(tmp_path, {**GOOD_RULE, **change}))

    assert not ok
    assert message in output


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"threshold": 0}, "threshold must be a positive number"),
        ({"routes": {"web": {"mode": "shout"}}}, "routes.web.mode must be block, detect or off"),
        (
            {"routes": {"web": {"methods": ["GET", "BREW"]}}},
            "routes.web.methods: unknown method BREW",
        ),
        (
            {"routes": {"web": {"body": {"oversize": "explode"}}}},
            "routes.web.body.oversize must be",
        ),
        ({"body": {"max_inspect_bytes": -1}}, "body.max_inspect_bytes must be a positive integer"),
        ({"exceptions": [{"fields": ["x"], "classes": ["sqli"]}]}, "exceptions[1] needs a reason"),
        (
            {"exceptions": [{"fields": ["x"], "reason": "r"}]},
            "must name the classes or rules it skips",
        ),
        (
            {"exceptions": [{"classes": ["nosuch"], "reason": "r"}]},
            "no rule file defines class nosuch",
        ),
        ({"exceptions": [{"rules": ["999999"], "reason": "r"}]}, "no rule has id 999999"),
        (
            {"exceptions": [{"routes": ["nowhere"], "classes": ["xss"], "reason": "r"}]},
            "unknown route nowhere",
        ),
        ({"log_level": "loud"}, "log_level must be"),
        ({"hyperscan": "yes"}, "hyperscan must be true or false"),
        (
            {"inspect": {"headers": [{"names": ["referer"], "classes": ["cmdi"]}]}},
            "inspect.headers[1].why must say what these headers carry",
        ),
        (
            {"inspect": {"headers": [{"names": ["referer"], "classes": ["ssrf"], "why": "w"}]}},
            "inspect.headers[1].classes: no rule of class ssrf looks at headers",
        ),
        (
            {
                "inspect": {
                    "headers": ["referer", {"names": ["Referer"], "classes": ["cmdi"], "why": "w"}]
                }
            },
            "inspect.headers[2].names[1]: header referer is listed twice",
        ),
    ],
)
def test_a_config_mistake_stops_nginx_naming_the_setting(tmp_path, change, message) -> None:
    ok, output = check_config(write_config(tmp_path, change))

    assert not ok
    assert message in output


def test_a_missing_rule_file_stops_nginx(tmp_path) -> None:
    ok, output = check_config(write_config(tmp_path, {"rule_files": [str(tmp_path / "nope.json")]}))
    assert not ok
    assert "nope.json" in output


def test_every_shipped_rule_carries_examples_that_are_checked_at_start() -> None:
    base = Path(__file__).resolve().parents[1] / "waf"
    missing = []
    for name in load_default_config()["rule_files"]:
        data = json.loads((base / name).read_text(encoding="utf-8"))
        for rule in data["rules"]:
            if rule.get("paranoia", 1) == 1 and not rule.get("examples", {}).get("match"):
                missing.append(rule["id"])
    assert not missing, f"rules without examples: {missing}"
