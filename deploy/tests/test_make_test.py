"""`make test` (what CI runs) runs every tox environment exactly once: the side-by-side
phase and the serial one together are tox's env_list."""

from __future__ import annotations

import configparser
import re

from conftest import ROOT


def _make_list(name: str) -> list[str]:
    found = re.search(rf"(?m)^{name} := (.+)$", (ROOT / "Makefile").read_text(encoding="utf-8"))
    assert found, f"the Makefile defines no {name}"
    return [env.strip() for env in found.group(1).split(",")]


def test_make_test_runs_every_tox_environment_once() -> None:
    tox = configparser.ConfigParser()
    tox.read(ROOT / "tox.ini", encoding="utf-8")
    listed = [env.strip() for env in tox["tox"]["env_list"].split(",")]
    side, alone = _make_list("PARALLEL_ENVS"), _make_list("SERIAL_ENVS")
    assert sorted(side + alone) == sorted(listed)
    assert not set(side) & set(alone)
    # chaos and the browser journey each take many processes or make run's ports: one after
    # the other in a lane of their own, never side by side with each other
    assert {"chaos", "e2e"} <= set(alone)
