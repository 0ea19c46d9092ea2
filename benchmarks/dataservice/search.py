"""The run search (``listRuns`` with ``q``, ``min_distance``, ``max_distance``) at 1,000,000
runs on PostgreSQL, as a ratio to the month query measured in the same run.

Loads the data set of ``python -m benchmarks.dataservice`` (1,000 runners x 1,000 runs, COPY;
or reuses a ``--database-url`` that holds it), then for random runners measures p50/p95/p99 of
``runs.service.list_runs`` with each search below (first page of 50, newest first, with its
total, as the Runs page asks) and of ``runs_of_month`` for the same runner-days, interleaved
sample by sample so that drift in the machine's load hits every query alike: at the DB layer
(one session per sample, as a request has) and over HTTP against a live ``dataservice serve``
(gunicorn, 2 workers, a runner's token). EXPLAIN (ANALYZE, BUFFERS) of the worst case, a word
found nowhere (every row of the runner compared), shows that the runner's index bounds it.
Decision 57: no index serves a match inside a text; this is what that costs.
Run: .venv/bin/python -m benchmarks.dataservice.search [--quick] [--json]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from benchmarks.common.tokens import Tokens
from benchmarks.dataservice.benchmark import loaded_samples, new_results
from benchmarks.dataservice.cli import add_workers, data_set_parser, http_errors, parse, run_main
from benchmarks.dataservice.measure import (
    QUERIES,
    Query,
    Sample,
    explain,
    interleaved_db,
    interleaved_http,
)
from benchmarks.dataservice.report import print_machine
from benchmarks.dataservice.server import served_dataservice
from dataservice.database import open_database
from dataservice.runs.service import list_runs
from runnerly_common.testing import new_key

PER_PAGE = 50  # the Runs page's page


@dataclass(frozen=True)
class Search:
    key: str
    label: str
    params: dict[str, Any]  # listRuns' query parameters, as the API takes them

    def call(self, session: Session, sample: Sample) -> object:
        return list_runs(
            session,
            sample.runner_id,
            q=self.params.get("q"),
            min_distance=self.params.get("min_distance"),
            max_distance=self.params.get("max_distance"),
            per_page=PER_PAGE,
        )

    def path(self, sample: Sample) -> str:
        query = urlencode({**self.params, "per_page": PER_PAGE})
        return f"/users/{sample.runner_id}/runs?{query}"

    def as_query(self) -> Query:
        return Query(self.key, self.label, 0.0, self.call, self.path)


# What the loaded history holds (benchmarks/dataservice/data.py): 40 % of titles picked from
# six ("Tempo", "Long run", ...), the rest "Morning Run"-like; 5 % of runs have a description.
SEARCHES = (
    Search("list", "the list, no search", {}),
    Search("word_common", "q=run (most titles)", {"q": "run"}),
    Search("word_rare", "q=tempo (~7 % of titles)", {"q": "tempo"}),
    Search("description", "q=negative split (descriptions)", {"q": "negative split"}),
    Search("word_nowhere", "q=zanzibar (found nowhere)", {"q": "zanzibar"}),
    Search("distance", "10 to 21.1 km", {"min_distance": 10_000, "max_distance": 21_100}),
    Search(
        "word_distance",
        "q=long, from 15 km",
        {"q": "long", "min_distance": 15_000},
    ),
)
MONTH = QUERIES[0]  # runs_of_month, the baseline
# The month query then every search, sample by sample.
CALLS = [(MONTH.key, MONTH.call), *((search.key, search.call) for search in SEARCHES)]
PATHS = [(MONTH.key, MONTH.path), *((search.key, search.path) for search in SEARCHES)]


def ratios(figures: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    month = figures[MONTH.key]
    return {
        search.key: {
            "p50": figures[search.key]["p50_ms"] / month["p50_ms"],
            "p99": figures[search.key]["p99_ms"] / month["p99_ms"],
        }
        for search in SEARCHES
    }


def run(args: argparse.Namespace, url: str, _kept: bool) -> dict[str, Any]:
    results = new_results(args, url)
    samples = loaded_samples(args, url)
    database = open_database(url)
    try:
        results["db"] = interleaved_db(database, CALLS, samples, args.warmup)
        worst = next(s for s in SEARCHES if s.key == "word_nowhere")
        results["explain"] = explain(database, worst.as_query(), samples[0])
        with database.sessionmaker() as session:
            _, results["runs_of_sampled_runner"] = list_runs(session, samples[0].runner_id)
    finally:
        database.dispose()
    tokens = Tokens(new_key("ES256", "bench-dataservice-search"))
    with served_dataservice(url, tokens.key, args.workers) as service:
        results["http"] = interleaved_http(service.url, PATHS, samples, tokens.runner, args.warmup)
    results["ratio_db"] = ratios(results["db"])
    results["ratio_http"] = ratios(results["http"])
    return results


def report(results: dict[str, Any]) -> None:
    print_machine(results)
    params = results["parameters"]
    print(
        f"{params['runners'] * params['runs_per_runner']:,} runs ({params['runners']:,} runners "
        f"x {params['runs_per_runner']:,}), {params['samples']:,} samples a query, "
        f"first page of {PER_PAGE} with its total\n"
    )
    print(
        "| query | DB p50 | DB p99 | × month p50 | × month p99 "
        "| HTTP p50 | HTTP p99 | × month p50 |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    rows = [(MONTH.key, "month: runs_of_month (baseline)")]
    rows += [(s.key, f"listRuns, {s.label}") for s in SEARCHES]
    for key, label in rows:
        db, http = results["db"][key], results["http"][key]
        ratio_db = results["ratio_db"].get(key, {"p50": 1.0, "p99": 1.0})
        ratio_http = results["ratio_http"].get(key, {"p50": 1.0})
        print(
            f"| {label} | {db['p50_ms']:.2f} ms | {db['p99_ms']:.2f} ms | "
            f"{ratio_db['p50']:.1f}× | {ratio_db['p99']:.1f}× | {http['p50_ms']:.2f} ms | "
            f"{http['p99_ms']:.2f} ms | {ratio_http['p50']:.1f}× |"
        )
    print(
        "\nEXPLAIN (ANALYZE, BUFFERS), a word found nowhere, runner of "
        f"{results['runs_of_sampled_runner']:,} runs:"
    )
    for plan in results["explain"]:
        print(f"  {plan['sql'][:110]}...")
        print(f"    {'; '.join(plan['scans'])}; {plan['buffers']}; {plan['execution_ms']:.2f} ms")
    print(f"\nwall time {results['wall_s']:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = data_set_parser("python -m benchmarks.dataservice.search", __doc__, add_workers)
    return run_main(parse(parser, argv), run, report, http_errors)


if __name__ == "__main__":
    sys.exit(main())
