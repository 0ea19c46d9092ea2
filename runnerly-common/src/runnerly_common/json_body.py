"""JSON from clients: parsed with a nesting limit, refused with a 400 that says why.

Python's parser recurses once per level, so a body of 100,000 ``[`` raised RecursionError,
which is not a ValueError: Flask's ``get_json`` (even with ``silent=True``) let it through
as a 500. A body a few hundred levels deep still parsed, then broke whatever walked it next
(schema validation, the JSON response). No Runnerly document is more than a handful of
levels deep, so anything deeper than :data:`MAX_DEPTH` is refused before a view sees it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Request
from flask.json.provider import DefaultJSONProvider

from runnerly_common.errors import APIError

# Deepest nesting accepted in a client's JSON: Runnerly's own documents need fewer than 10.
MAX_DEPTH = 64


class InvalidJSON(ValueError):
    """The body is not JSON Runnerly accepts; the message says why (safe to show)."""


def loads(data: str | bytes, **kwargs: Any) -> Any:
    """``json.loads`` that raises :class:`InvalidJSON` (a ValueError) for a document nested
    deeper than :data:`MAX_DEPTH` instead of RecursionError or a later failure."""
    try:
        # As json.loads does itself: bytes may be UTF-8, -16 or -32.
        text = data.decode(json.detect_encoding(data)) if isinstance(data, bytes) else data
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise InvalidJSON(_TOO_DEEP) from None
    except ValueError:
        # Bad syntax, bad UTF-8, a 5000-digit integer, NaN refused by parse_constant.
        raise InvalidJSON("is not valid JSON") from None
    if _deeper_than(text, MAX_DEPTH):
        raise InvalidJSON(_TOO_DEEP)
    return value


_TOO_DEEP = f"is nested deeper than {MAX_DEPTH} levels"
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')  # brackets inside strings do not nest
# A container holding no container: the innermost ones.
_INNERMOST = re.compile(r"\[[^\[\]{}]*\]|\{[^\[\]{}]*\}")


def _deeper_than(text: str, limit: int) -> bool:
    """Whether valid JSON ``text`` nests containers more than ``limit`` deep.

    Every step is a C loop (no recursion on the sender's structure, no Python loop per
    value): with strings removed, each pass deletes the innermost containers, so a
    document's containers are gone after as many passes as it is deep. Bodies with fewer
    opening brackets than the limit skip it all; others cost about half a parse more."""
    if text.count("[") + text.count("{") <= limit:
        return False
    rest = _STRING.sub("", text)
    for _ in range(limit):
        rest = _INNERMOST.sub("", rest)
        if "[" not in rest and "{" not in rest:
            return False
    return True


class JSONProvider(DefaultJSONProvider):
    """The app's JSON: compact, in the order views chose, parsed with :func:`loads`."""

    sort_keys = False  # keep the order the view chose: it reads better
    compact = True

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s, **kwargs)


class JSONRequest(Request):
    """A request whose ``get_json`` answers 400 naming the problem, in the shape of the
    OpenAPI validation's answers (Flask's own is a bare "Bad Request")."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if e is None:  # not a JSON content type: Flask's 415 says so
            return super().on_json_loading_failed(e)
        raise APIError(
            400, "invalid_request", f"body: {e}", errors=[{"field": "body", "message": str(e)}]
        )
