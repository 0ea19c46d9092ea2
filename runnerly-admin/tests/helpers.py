"""Assertions the command tests share."""

from __future__ import annotations

from click.testing import Result


def one_line(result: Result) -> str:
    """The error a command printed: one line on stderr, and never a traceback."""
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.output
    assert len(lines) == 1, result.stderr
    return lines[0]
