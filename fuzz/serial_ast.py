"""Loaded into schemathesis (``SCHEMATHESIS_HOOKS``) by test_openapi: one ``ast.parse`` at a time.

CPython 3.11 before 3.11.8 keeps the AST converter's recursion depth per interpreter, not per
thread (gh-106905), so two threads parsing at once can fail one of them with "SystemError: AST
constructor recursion depth mismatch". Hypothesis parses the source of each filter it names,
and schemathesis runs its workers as threads: on this machine's 3.11.7 a fuzz run failed on
that error twice in a row (CI, 2026-12-08). Parsing is rare and quick next to the requests, so
serialising it costs nothing a run would notice; on a fixed interpreter it is a no-op.
"""

from __future__ import annotations

import ast
import sys
import threading
from typing import Any

if sys.version_info < (3, 11, 8):
    _lock = threading.Lock()
    _parse = ast.parse

    def _serial_parse(*args: Any, **kwargs: Any) -> Any:
        with _lock:
            return _parse(*args, **kwargs)

    ast.parse = _serial_parse
