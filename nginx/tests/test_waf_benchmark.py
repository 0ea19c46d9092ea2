"""The WAF benchmark (``python -m benchmarks.gateway.waf``) measures the gateway that ships:
its "ours" server is nginx.conf as runnerly_gateway renders it, with the shipped Lua, WAF
config and rules, and on our own cases (header-borne attacks included) it refuses and lets
through exactly what the ``gateway`` fixture's gateway does, which is what these tests
assert of the WAF."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from conftest import merge_limits

ROOT = Path(__file__).resolve().parents[2]  # holds the benchmarks package


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    with pytest.MonkeyPatch.context() as patch:  # the repository importable, for this module
        patch.syspath_prepend(str(ROOT))
        yield importlib.import_module("benchmarks.gateway.waf")


def test_the_benchmark_measures_the_shipped_gateway(bench, gateway, tmp_path) -> None:
    from benchmarks.gateway.servers import Server, unlimited_limits

    cases = [bench.at_gateway(case) for case in bench.own_cases(quick=False)]
    assert {
        case.kind for case in cases if "User-Agent" in case.headers or "Referer" in case.headers
    } >= {"cmdi", "benign"}

    with bench.running_servers(tmp_path, workers=1, names=("ours",)) as servers:
        conf = (tmp_path / "ours" / "nginx.conf").read_text(encoding="utf-8")
        measured, _ = bench.replay(servers["ours"], cases, threads=4)
    assert "# Rendered by `runnerly-gateway render --target local`" in conf

    unlimited = unlimited_limits(merge_limits(None))
    gw = gateway(
        waf=True, limits={"classes": unlimited["classes"], "concurrency": unlimited["concurrency"]}
    )
    shipped, _ = bench.replay(Server(gw.base_url, 0, gw.prefix), cases, threads=4)

    differ = [
        f"{case.label} {case.method} {case.path}: benchmark {a}, gateway {b}"
        for case, a, b in zip(cases, measured, shipped, strict=True)
        if (a == 200) != (b == 200)
    ]
    assert not differ, "\n".join(differ[:30])
    assert bench.differences_from_the_tests(cases, measured) == []
