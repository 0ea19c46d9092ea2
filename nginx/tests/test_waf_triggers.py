"""The WAF's trigger sets (runnerly_gateway.waf_triggers) are sound and shipped up to date.

A rule's trigger set claims that every string its pattern matches holds one of its bytes;
the engine skips the rule on values without any. Hypothesis draws strings each pattern
matches (Python's reading of it) and checks the match itself holds a trigger byte.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runnerly_gateway import waf_triggers

HOME = Path(__file__).resolve().parents[1]
CONFIG = HOME / "waf" / "config.json"
_FLAGS = {"i": re.IGNORECASE, "s": re.DOTALL, "x": re.VERBOSE, "m": re.MULTILINE}


def _rules() -> list[dict[str, Any]]:
    config = json.loads(CONFIG.read_text(encoding="utf-8"))
    rules = []
    for name in config["rule_files"]:
        rules.extend(json.loads((CONFIG.parent / name).read_text(encoding="utf-8"))["rules"])
    return rules


RULES = _rules()
SHIPPED = json.loads((CONFIG.parent / waf_triggers.TRIGGERS_NAME).read_text(encoding="utf-8"))


def _bytes(rule_id: str) -> set[int] | None:
    entry = SHIPPED["rules"][rule_id]["bytes"]
    return None if entry is None else set(entry)


def test_shipped_file_is_what_the_rules_give() -> None:
    assert waf_triggers.render(CONFIG) == (CONFIG.parent / "triggers.json").read_text(
        encoding="utf-8"
    ), "nginx/waf/triggers.json is stale: run `runnerly-gateway waf-triggers`"


def test_config_names_the_triggers_file() -> None:
    assert json.loads(CONFIG.read_text(encoding="utf-8"))["triggers"] == "triggers.json"


def test_every_rule_has_an_entry_and_most_filter() -> None:
    entries = SHIPPED["rules"]
    assert set(entries) == {rule["id"] for rule in RULES}
    # The analysis is worth having only if it finds sets for most rules.
    assert sum(v["bytes"] is not None for v in entries.values()) >= len(entries) * 2 // 3


@pytest.mark.parametrize(
    ("pattern", "flags", "expected"),
    [
        (r"<\s*script", "", b"<"),
        (r"union\s+select", "i", None),  # letters and spaces only
        (r"(?:a|b);", "", b";"),
        (r"x(?:;|'|\|)", "", b"'|;"),
        (r"(?:;|a)x", "", None),  # a branch without one
        (r";?abc", "", None),  # optional
        (r"(?:;){1,3}", "", b";"),
        (r"[^\w\s]", "", None),  # would hold \x0b etc. and bytes above 127: kept, not plain
        (r"[<>]", "i", b"<>"),
        (r"a\vb", "", None),  # PCRE's \v is a class, Python's a byte: not analysed
        (r"[[:punct:]]", "", None),
        (r"\Q;\E", "", None),
        (r"(?<=;)abc", "", None),  # the lookbehind is not part of the match
        (r"(['\"]).*\1", "", b"'\""),
        (r"\$\{jndi:", "", b"$"),  # the rarest element, not the most common
        ("caf\u00e9;", "", None),  # a character PCRE reads as two bytes: not analysed
        (r"caf\xe9", "", b"\xe9"),  # a byte written as an escape is one byte for both
    ],
)
def test_pattern_triggers(pattern: str, flags: str, expected: bytes | None) -> None:
    got = waf_triggers.pattern_triggers(pattern, flags)
    if pattern == r"[^\w\s]":
        # Not letters, digits or space, so a trigger set; check it is the full complement.
        assert got is not None and not got & waf_triggers.PLAIN and 0x0B in got and 0xE9 in got
        return
    assert got == (None if expected is None else frozenset(expected))


def test_phrases() -> None:
    assert waf_triggers.phrase_triggers(["dirb/", "x-scan"]) == frozenset(b"/-")
    assert waf_triggers.phrase_triggers(["dirb/", "sqlmap"]) is None


def _compiled(rule: dict[str, Any]) -> re.Pattern[str] | None:
    flags = 0
    for flag in rule.get("flags", ""):
        flags |= _FLAGS[flag]
    try:
        return re.compile(rule["pattern"], flags)
    except re.error:
        return None


SOUND_CASES = [
    pytest.param(rule, id=rule["id"])
    for rule in RULES
    if "pattern" in rule and _bytes(rule["id"]) is not None
]


def test_python_compiles_every_filtered_pattern() -> None:
    # A set is only ever derived from a pattern Python parses, so the soundness test below
    # covers every rule that has one.
    assert all(_compiled(case.values[0]) is not None for case in SOUND_CASES)


@pytest.mark.parametrize("rule", SOUND_CASES)
def test_every_match_holds_a_trigger_byte(rule: dict[str, Any]) -> None:
    compiled = _compiled(rule)
    assert compiled is not None
    triggers = _bytes(rule["id"])
    assert triggers is not None

    @settings(
        max_examples=300,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(st.from_regex(compiled, fullmatch=False))
    def check(text: str) -> None:
        match = compiled.search(text)
        assert match is not None
        held = set(match.group().encode("utf-8"))
        assert held & triggers, (rule["id"], match.group())

    check()


@pytest.mark.parametrize(
    "rule",
    [pytest.param(rule, id=rule["id"]) for rule in RULES if "phrases" in rule],
)
def test_every_phrase_holds_a_trigger_byte(rule: dict[str, Any]) -> None:
    triggers = _bytes(rule["id"])
    if triggers is None:
        assert waf_triggers.phrase_triggers(rule["phrases"]) is None
        return
    assert all(set(p.encode()) & triggers for p in rule["phrases"])
