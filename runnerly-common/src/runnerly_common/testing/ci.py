"""What a test does when something it needs is missing: skip on a laptop, fail in CI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NoReturn

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


class ServiceUnavailable(RuntimeError):
    """A service or program the test needs is not there (a skip on a laptop, a failure in CI)."""


def skip_or_fail(what: str) -> NoReturn:
    """A service or program the tests need is missing: a skip on a laptop, a failure in CI."""
    import pytest  # only tests call this; benchmarks import the harness without pytest

    if IN_CI:
        pytest.fail(f"{what}: required in CI", pytrace=False)
    pytest.skip(what)


def require_program(name: str, package: str, fallback: str | None = None) -> str:
    """The path of program ``name`` (Debian package ``package``); ServiceUnavailable if absent."""
    found = shutil.which(name) or fallback
    if found is None or not Path(found).exists():
        raise ServiceUnavailable(f"{name} is not installed (apt-get install {package})")
    return found
