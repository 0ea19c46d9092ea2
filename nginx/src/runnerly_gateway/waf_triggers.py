"""The WAF's trigger sets: for each rule, bytes at least one of which every match contains.

The engine (``runnerly.waf.engine``) skips a rule on a value that holds none of its
trigger bytes, when the value's transforms cannot have created one (a value without
``%``, ``&``, ``\\`` and the other bytes the decoders react to; see ``normalize.lua``'s
``triggers``). The sets are derived here from each rule's pattern, never declared by
hand, and written to ``nginx/waf/triggers.json`` (``runnerly-gateway waf-triggers``); a
test checks that file against this code and the rules, and hypothesis checks every set
against strings its pattern matches.

Only bytes other than letters, digits and the space count: benign text is made of those,
so a set of them would filter nothing, and case folding (the ``i`` flag, the lowercase
transform) cannot create or remove any other byte. A rule whose pattern can match a
string of letters, digits and spaces only, or that this analysis does not model, has no
set (``null``): it always runs. The patterns are PCRE; Python's ``re._parser`` reads the
same syntax for what the rules use, and anything where the two may disagree (PCRE-only
escapes, POSIX classes) is not analysed: conservative is sound.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from collections.abc import Iterable, Sequence
from pathlib import Path
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

TRIGGERS_NAME = "triggers.json"

# Letters, digits and the space: a set of them filters nothing on benign text.
PLAIN = frozenset((string.ascii_letters + string.digits + " ").encode())
ALL = frozenset(range(256))
# PCRE's classes in byte mode with its default tables, the narrowest reading (for negated
# classes, whose complement must not lose a byte PCRE would match).
_NARROW = {
    sre_c.CATEGORY_DIGIT: frozenset(b"0123456789"),
    sre_c.CATEGORY_WORD: frozenset((string.ascii_letters + string.digits + "_").encode()),
    sre_c.CATEGORY_SPACE: frozenset(b"\t\n\f\r "),
}
# Bytes most common in benign values (URLs, headers, dates, tokens): a set of them is
# chosen only when a rule offers nothing rarer.
_COMMON = frozenset(b"/.-_,:=;()+&%?*")
# Escapes whose meaning Python and PCRE agree on; any other backslash escape (\v, \h, \R,
# \Q, \x{...}, \p, \g, \k, \c, octal) makes the rule "always run".
_SAFE_ESCAPE = re.compile(r"\\(?:[^A-Za-z0-9]|[dDwWsSbBAZntrf]|x[0-9A-Fa-f]{2}|[1-9](?![0-9]))")
_FLAGS = {"i": re.IGNORECASE, "s": re.DOTALL, "x": re.VERBOSE, "m": re.MULTILINE}


class Unmodelled(Exception):
    """A construct the analysis does not model: the rule always runs."""


Trigger = frozenset[int] | None


def _cost(triggers: frozenset[int]) -> int:
    return sum(10 if b in _COMMON else 1 for b in triggers)


def _best(options: Iterable[Trigger]) -> Trigger:
    found = [t for t in options if t is not None]
    return min(found, key=lambda t: (_cost(t), sorted(t))) if found else None


def _single(members: frozenset[int]) -> Trigger:
    """One byte from ``members``: a trigger only if none of them is plain."""
    return None if members & PLAIN else members


def _class_members(items: Sequence[tuple[Any, Any]]) -> frozenset[int]:
    negate = False
    members: set[int] = set()
    for op, av in items:
        if op is sre_c.NEGATE:
            negate = True
        elif op is sre_c.LITERAL:
            members.add(_byte(av))
        elif op is sre_c.RANGE:
            low, high = av
            if high > 255:
                raise Unmodelled("a range beyond one byte")
            members.update(range(low, high + 1))
        elif op is sre_c.CATEGORY:
            narrow = _NARROW.get(av)
            if negate and narrow is not None:
                members |= narrow
            elif not negate:
                members |= PLAIN  # every category holds a plain byte
            else:
                raise Unmodelled(f"category {av}")
        else:
            raise Unmodelled(f"class item {op}")
    return ALL - members if negate else frozenset(members)


def _byte(code: int) -> int:
    if code > 255:
        raise Unmodelled("a character beyond one byte")
    return code


def _sequence(items: Iterable[tuple[Any, Any]]) -> Trigger:
    # Every match of a sequence is a match of each element in turn: any one element's set
    # will do, so take the rarest.
    return _best(_item(op, av) for op, av in items)


def _item(op: Any, av: Any) -> Trigger:
    if op is sre_c.LITERAL:
        return _single(frozenset({_byte(av)}))
    if op is sre_c.IN:
        return _single(_class_members(av))
    if op in (sre_c.ANY, sre_c.NOT_LITERAL, sre_c.AT):
        return None
    if op is sre_c.SUBPATTERN:
        return _sequence(av[-1])
    if op is sre_c.ATOMIC_GROUP:
        return _sequence(av)
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT):
        low, _high, child = av
        return _sequence(child) if low >= 1 else None
    if op is sre_c.BRANCH:
        union: set[int] = set()
        for branch in av[1]:
            t = _sequence(branch)
            if t is None:
                return None
            union |= t
        return frozenset(union)
    if op in (sre_c.ASSERT, sre_c.ASSERT_NOT, sre_c.GROUPREF, sre_c.GROUPREF_EXISTS):
        # Zero-width, or text another part already matched: no guarantee of its own.
        return None
    raise Unmodelled(f"operator {op}")


def pattern_triggers(pattern: str, flags: str = "") -> Trigger:
    """The trigger set of a PCRE ``pattern`` (with the rule's ``flags``), or None."""
    if "[:" in pattern or "\\" in _SAFE_ESCAPE.sub("", pattern):
        return None
    if not pattern.isascii():
        # nginx's PCRE sees the UTF-8 bytes of a character Python reads as one code point.
        return None
    py_flags = 0
    for flag in flags:
        py_flags |= _FLAGS[flag]
    try:
        parsed = sre_parse.parse(pattern, py_flags)
        return _sequence(parsed)
    except (re.error, Unmodelled, RecursionError, OverflowError):
        return None


def phrase_triggers(phrases: Sequence[str]) -> Trigger:
    """A rule of plain substrings: one byte of each phrase, or None."""
    union: set[int] = set()
    for phrase in phrases:
        t = _best(_single(frozenset({b})) for b in phrase.encode("utf-8"))
        if t is None:
            return None
        union |= t
    return frozenset(union)


def rule_triggers(rule: dict[str, Any]) -> Trigger:
    if "phrases" in rule:
        return phrase_triggers(rule["phrases"])
    return pattern_triggers(rule["pattern"], rule.get("flags", ""))


def source_digest(rule: dict[str, Any]) -> str:
    """What a set was derived from, as runnerly.waf.config recomputes it with ngx.md5: a
    rule whose pattern changed after triggers.json was written always runs."""
    if "phrases" in rule:
        text = "phrases\0" + "\0".join(rule["phrases"])
    else:
        text = "pattern\0" + rule["pattern"] + "\0" + rule.get("flags", "")
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def compute(config_path: Path) -> dict[str, Any]:
    """``triggers.json`` for the WAF config at ``config_path``: per rule id, its trigger
    bytes (None: it always runs) and the digest of what they were derived from."""
    config = json.loads(config_path.read_text(encoding="utf-8"))
    out: dict[str, dict[str, Any]] = {}
    for name in config["rule_files"]:
        data = json.loads((config_path.parent / name).read_text(encoding="utf-8"))
        for rule in data["rules"]:
            t = rule_triggers(rule)
            out[rule["id"]] = {
                "bytes": None if t is None else sorted(t),
                "md5": source_digest(rule),
            }
    return {
        "_about": "Generated by `runnerly-gateway waf-triggers` from the rules "
        "(runnerly_gateway.waf_triggers); do not edit. Per rule, the bytes one of which "
        "every match of its pattern contains (null: the rule always runs), and the md5 "
        "of the pattern they were derived from.",
        "rules": out,
    }


def render(config_path: Path) -> str:
    return json.dumps(compute(config_path), indent=1, sort_keys=True) + "\n"


def write(config_path: Path) -> Path:
    target = config_path.parent / TRIGGERS_NAME
    target.write_text(render(config_path), encoding="utf-8")
    return target
