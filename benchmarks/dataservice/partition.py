"""Runs beyond one table and beyond one PostgreSQL: the shipped schema against the runs
hash-partitioned by runner and against runners sharded over independent databases, at two
sizes of the same data set (1,000,000 and 10,000,000 runs by default).

Three layouts hold the same runners and runs (with their best efforts), each in throw-away
databases ``runnerly_bench_*`` on 127.0.0.1:5432, dropped at the end:

- ``single``: the dataservice's migrations as shipped, one ``runs`` table;
- ``hash``: ``runs`` and ``best_efforts`` declaratively partitioned ``BY HASH (runner_id)``
  into ``--partitions`` partitions; the primary keys gain ``runner_id`` and the foreign keys
  to a run become ``(run_id, runner_id)`` where the referencing table has the runner;
- ``shards``: ``--shards`` independent databases with the shipped schema, each holding the
  whole of its runners; a directory table (in a database of its own) names each runner's
  shard, placed by ``home_shard`` and changed by a move.

The first size is ``--runners`` generated histories (``benchmarks.dataservice.data``'s
runners, loaded with its COPY loader into ``single``, then streamed by binary COPY into the
other layouts, each runner into the shard the directory places it in); each further step
repeats those histories under new runner ids with ``INSERT ... SELECT`` in every database
at once (a copy in the shard of the runner it copies), since generating 10,000,000 runs in
Python takes this machine about 25 minutes.  Secondary indexes are dropped before a step's
rows go in and built after, in every layout alike, as a restore does. At each size, measured
in one run, interleaved: month query and stats summary p99 (the service functions, one
session each, a sample's runner routed to its shard), bulk upsert runs/s (batches of 1,000
new runs, interleaved between layouts), single-run writes (one run each, its own
transaction, with the kept answers refreshed), table and index sizes, and the time of a full
``VACUUM (ANALYZE, DISABLE_PAGE_SKIPPING)`` per table (per partition, per shard). Then one
runner is moved between shards through the directory and its answers compared.

Run: .venv/bin/python -m benchmarks.dataservice.partition [--quick] [--json] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import signal
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import make_url
from sqlalchemy.orm import Session

from benchmarks.common.machine import cpu_model, load_average, revision
from benchmarks.common.output import finish
from benchmarks.common.repo import invocation
from benchmarks.dataservice.data import (
    USER_COLUMNS,
    history_window,
    libpq_url,
    load_history,
    polyline_pool,
    run_history,
    runner_profile,
)
from benchmarks.dataservice.measure import Items, Sample, latency, time_batch, upsert_batch
from dataservice.database import open_database
from dataservice.migrate import upgrade
from dataservice.models import import_all_models
from dataservice.runs.service import runs_of_month
from dataservice.stats import totals
from runnerly_common.db import Database
from runnerly_common.testing import POSTGRES_URL

FULL = {"runners": 1000, "runs_per_runner": 1000, "scales": "1,10", "samples": 1000}
FULL |= {"bulk_runs": 20_000, "single_writes": 200}
QUICK = {"runners": 20, "runs_per_runner": 200, "scales": "1,3", "samples": 100}
QUICK |= {"bulk_runs": 2000, "single_writes": 30}
LAYOUTS = ("single", "hash", "shards")
PARTITIONED = ("runs", "best_efforts")  # the tables the hash layout partitions
SHARD_ID_SPACING = 10**12  # each shard's sequences draw from a range of their own
BULK_RUNNER_BASE = 100_000  # profiles of the bulk runners, apart from the loaded ones
SINGLE_RUNNER_BASE = 200_000


# --- routing: runner -> shard -------------------------------------------------------------


def home_shard(runner_id: int, shards: int) -> int:
    """Where a new runner is placed: a stable hash of its id (the same in every process and
    release, unlike Python's ``hash``), so that consecutive sign-ups spread evenly."""
    digest = hashlib.blake2b(runner_id.to_bytes(8, "big"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


DIRECTORY_DDL = (
    "CREATE TABLE runner_shards (runner_id bigint PRIMARY KEY, shard smallint NOT NULL, "
    "moving boolean NOT NULL DEFAULT false)"
)


@dataclass
class Directory:
    """The runner -> shard table, cached whole in the process (8 bytes a runner: a million
    runners fit in a few tens of MB); a move updates the table, then the cache."""

    url: str
    shards: int
    cache: dict[int, int] = field(default_factory=dict)

    def place(self, runner_ids: Sequence[int], near: Callable[[int], int] | None = None) -> None:
        """New runners: each in its home shard, or in the shard of the runner ``near``
        names (placement is the directory's choice, not a function of the id)."""
        rows = [
            (r, self.cache[near(r)] if near else home_shard(r, self.shards)) for r in runner_ids
        ]
        with (
            psycopg.connect(libpq_url(self.url)) as conn,
            conn.cursor() as cur,
            cur.copy("COPY runner_shards (runner_id, shard) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        self.cache.update(rows)

    def route(self, runner_id: int) -> int:
        return self.cache[runner_id]

    def set(self, runner_id: int, shard: int | None = None, *, moving: bool = False) -> None:
        with psycopg.connect(libpq_url(self.url)) as conn:
            conn.execute(
                "UPDATE runner_shards SET shard = coalesce(%s, shard), moving = %s "
                "WHERE runner_id = %s",
                (shard, moving, runner_id),
            )
        if shard is not None:
            self.cache[runner_id] = shard


# --- the databases ------------------------------------------------------------------------


@dataclass
class Layouts:
    single: str
    hash: str
    shards: list[str]
    directory: Directory

    def urls(self) -> dict[str, str]:
        return {
            "single": self.single,
            "hash": self.hash,
            **{f"shard{i}": url for i, url in enumerate(self.shards)},
        }


@contextmanager
def databases(shards: int, keep: bool) -> Iterator[Layouts]:
    """The throw-away databases ``runnerly_bench_<layout>_<run>``, dropped at the end."""
    run = uuid.uuid4().hex[:6]
    names = ["single", "hash", *(f"shard{i}" for i in range(shards)), "directory"]
    names = [f"runnerly_bench_{name}_{run}" for name in names]
    admin = libpq_url(POSTGRES_URL)
    urls = [make_url(POSTGRES_URL).set(database=n).render_as_string(False) for n in names]
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        directory = Directory(urls[-1], shards)
        with psycopg.connect(libpq_url(directory.url)) as conn:
            conn.execute(DIRECTORY_DDL)
        yield Layouts(urls[0], urls[1], urls[2:-1], directory)
    finally:
        if keep:
            print(f"kept the databases: {', '.join(names)}", file=sys.stderr)
        else:
            with psycopg.connect(admin, autocommit=True) as conn:
                for name in names:
                    conn.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(name)
                        )
                    )


def connect(url: str, autocommit: bool = False) -> psycopg.Connection[Any]:
    return psycopg.connect(libpq_url(url), autocommit=autocommit)


def columns(conn: psycopg.Connection[Any], table: str) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name = %s ORDER BY ordinal_position",
            (table,),
        )
    ]


def partition_by_runner(url: str, partitions: int) -> dict[str, Any]:
    """Turn the (empty) ``runs`` and ``best_efforts`` of a migrated database into tables
    partitioned by hash of ``runner_id``.  A partitioned table's unique keys must hold the
    partition key: the primary keys gain ``runner_id``, and a foreign key to a run becomes
    ``(run_id, runner_id)``, kept where the referencing table has the runner and dropped
    (listed in the answer) where it has not."""
    kept: list[str] = []
    dropped: list[str] = []
    with connect(url) as conn:
        inbound = conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND confrelid = ANY(%s::regclass[])",
            (list(PARTITIONED),),
        ).fetchall()
        for table, name, _ in inbound:
            conn.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for table in PARTITIONED:
            pk, pk_columns = conn.execute(
                "SELECT conname, array(SELECT attname FROM unnest(conkey) k JOIN pg_attribute a "
                "ON a.attrelid = conrelid AND a.attnum = k) FROM pg_constraint "
                "WHERE contype = 'p' AND conrelid = %s::regclass",
                (table,),
            ).fetchone()  # type: ignore[misc]
            others = conn.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype IN ('u', 'f') AND conrelid = %s::regclass",
                (table,),
            ).fetchall()
            indexes = conn.execute(
                "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass "
                "AND NOT indisprimary AND indexrelid NOT IN "
                "(SELECT conindid FROM pg_constraint WHERE conrelid = %s::regclass)",
                (table, table),
            ).fetchall()
            sequence = None
            if "id" in columns(conn, table):
                sequence = conn.execute(
                    "SELECT pg_get_serial_sequence(%s, 'id')", (table,)
                ).fetchone()[0]  # type: ignore[index]
            if sequence:
                conn.execute(f"ALTER SEQUENCE {sequence} OWNED BY NONE")
            conn.execute(f'ALTER TABLE "{table}" RENAME TO "{table}_shipped"')
            conn.execute(
                f'CREATE TABLE "{table}" (LIKE "{table}_shipped" INCLUDING DEFAULTS '
                "INCLUDING CONSTRAINTS) PARTITION BY HASH (runner_id)"
            )
            conn.execute(f'DROP TABLE "{table}_shipped"')
            if sequence:
                conn.execute(f'ALTER SEQUENCE {sequence} OWNED BY "{table}".id')
            for remainder in range(partitions):
                conn.execute(
                    f'CREATE TABLE "{table}_p{remainder:02d}" PARTITION OF "{table}" '
                    f"FOR VALUES WITH (MODULUS {partitions}, REMAINDER {remainder})"
                )
            key = [*pk_columns, *(["runner_id"] if "runner_id" not in pk_columns else [])]
            conn.execute(
                f'ALTER TABLE "{table}" ADD CONSTRAINT "{pk}" PRIMARY KEY ({", ".join(key)})'
            )
            for name, definition in others:
                if "REFERENCES runs(id)" in definition:  # merged_into: a merge stays in the runner
                    definition = (
                        "FOREIGN KEY (merged_into, runner_id) REFERENCES runs(id, runner_id) "
                        "ON DELETE SET NULL (merged_into)"
                    )
                conn.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            for (definition,) in indexes:
                conn.execute(definition)
        for table, name, definition in inbound:
            column = definition.split("(", 1)[1].split(")", 1)[0]
            if "runner_id" in columns(conn, table):
                conn.execute(
                    f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" FOREIGN KEY ({column}, '
                    "runner_id) REFERENCES runs(id, runner_id) ON DELETE CASCADE"
                )
                kept.append(f"{table}.{column}")
            else:
                dropped.append(f"{table}.{column}")
        conn.commit()
    return {"partitions": partitions, "foreign_keys_kept": kept, "foreign_keys_dropped": dropped}


@dataclass(frozen=True)
class Secondary:
    """A secondary index of runs or best_efforts: dropped while a step's rows go in."""

    table: str
    name: str
    create: str  # the statement that builds it again
    drop: str


def secondary_indexes(url: str) -> list[Secondary]:
    found = []
    with connect(url) as conn:
        for table in PARTITIONED:
            for name, definition, constraint in conn.execute(
                "SELECT i.relname, pg_get_indexdef(x.indexrelid), c.conname FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid LEFT JOIN pg_constraint c "
                "ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary",
                (table,),
            ):
                if constraint:
                    cols = definition.split("(", 1)[1].rsplit(")", 1)[0]
                    create = f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" UNIQUE ({cols})'
                    drop = f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'
                else:
                    # A partitioned table's index reads back as "ON ONLY": as such it would
                    # be built on the parent alone, invalid, with no index on a partition.
                    create = definition.replace(" ON ONLY ", " ON ", 1)
                    drop = f'DROP INDEX "{name}"'
                found.append(Secondary(table, name, create, drop))
    return found


def copy_between(
    source: psycopg.Connection[Any],
    target: psycopg.Connection[Any],
    table: str,
    cols: Sequence[str],
    where: str,
    params: Sequence[Any],
) -> None:
    """``table``'s rows matching ``where`` from one database into another, as binary COPY
    streamed through this process (no row is parsed here)."""
    names = ", ".join(cols)
    # The names and the condition are this module's constants and the schema's columns.
    query = f"COPY (SELECT {names} FROM {table} WHERE {where} ORDER BY 1) TO STDOUT (FORMAT binary)"  # noqa: S608
    with (
        source.cursor() as out,
        target.cursor() as into,
        out.copy(query, params) as reading,
        into.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT binary)") as writing,
    ):
        for chunk in reading:
            writing.write(chunk)


# --- growing the data set -----------------------------------------------------------------


@dataclass
class DataSet:
    template_users: int = 0  # the highest id of the generated runners
    template_runs: int = 0  # and of their runs
    copies: int = 0  # times the generated histories are loaded
    runner_ids: list[int] = field(default_factory=list)
    runs: int = 0
    best_efforts: int = 0


def grow(layouts: Layouts, data: DataSet, args: argparse.Namespace, copies: int) -> dict[str, Any]:
    """Bring every layout to ``copies`` times the generated histories; what it took.  The
    generated runners are streamed from ``single`` into the others; their copies are made
    in each database by itself, all at once (each copy in the shard of the runner it
    copies: the directory places it there)."""
    started = time.perf_counter()
    step: dict[str, Any] = {}
    indexes = {name: secondary_indexes(url) for name, url in layouts.urls().items()}
    for name, url in layouts.urls().items():
        with connect(url) as conn:
            for index in indexes[name]:
                conn.execute(index.drop)
    if data.copies == 0:
        load = load_history(layouts.single, args.runners, args.runs_per_runner, args.seed)
        step["generate_and_copy_s"] = load.copy_s
        with connect(layouts.single) as conn:
            data.template_users, data.template_runs = conn.execute(
                "SELECT (SELECT max(id) FROM users), (SELECT max(id) FROM runs)"
            ).fetchone()  # type: ignore[misc]
            generated = [row[0] for row in conn.execute("SELECT id FROM users ORDER BY id")]
        data.copies = 1
        layouts.directory.place(generated)
        streamed = time.perf_counter()
        stream(layouts, generated)
        step["stream_to_layouts_s"] = time.perf_counter() - streamed
    if copies > data.copies:
        made = range(data.copies, copies)
        copied = time.perf_counter()
        in_parallel(
            lambda url: replicate_all(url, made, data.template_users, data.template_runs),
            list(layouts.urls().values()),
        )
        step["insert_select_s"] = time.perf_counter() - copied
        layouts.directory.place(
            [t + k * data.template_users for k in made for t in range(1, data.template_users + 1)],
            near=lambda runner: (runner - 1) % data.template_users + 1,
        )
        data.copies = copies
    with connect(layouts.single) as conn:
        data.runner_ids = [row[0] for row in conn.execute("SELECT id FROM users ORDER BY id")]
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM best_efforts)"
        ).fetchone()
        assert counts is not None
        data.runs, data.best_efforts = counts
    built = time.perf_counter()
    in_parallel(
        lambda name: build_indexes(layouts.urls()[name], indexes[name]), list(layouts.urls())
    )
    step["index_build_s"] = time.perf_counter() - built  # every database at once
    set_sequences(layouts)
    step["total_s"] = time.perf_counter() - started
    return step


def in_parallel(work: Callable[[str], None], items: list[str]) -> None:
    """``work`` for each item at once, a thread each (psycopg waits without the GIL)."""
    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        list(pool.map(work, items))


def build_indexes(url: str, indexes: Sequence[Secondary]) -> None:
    with connect(url) as conn:
        for index in indexes:
            conn.execute(index.create)
        conn.commit()


def replicate_all(url: str, made: range, users: int, runs: int) -> None:
    with connect(url) as conn:
        conn.execute("SET session_replication_role = replica")  # consistent as built
        for k in made:
            replicate(conn, k, users, runs)
        conn.commit()


def replicate(conn: psycopg.Connection[Any], k: int, users: int, runs: int) -> None:
    """The generated runners and their runs again, as copy ``k``: new runner and run ids
    (shifted by ``k`` times the generated ones), in the generated (time-interleaved) order."""
    shift = {
        "users": {"id": f"id + {k * users}", "email": f"'copy{k}-' || email"},
        "runs": {"id": f"id + {k * runs}", "runner_id": f"runner_id + {k * users}"},
        "best_efforts": {"run_id": f"run_id + {k * runs}", "runner_id": f"runner_id + {k * users}"},
    }
    shift["users"]["email_key"] = f"'copy{k}-' || email_key"
    for table, changes in shift.items():
        cols = columns(conn, table)
        select = ", ".join(changes.get(c, c) for c in cols)
        key = "id" if table != "best_efforts" else "run_id, distance"
        limit = {"users": users, "runs": runs, "best_efforts": runs}[table]
        column = "id" if table != "best_efforts" else "run_id"
        conn.execute(
            f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM {table} "  # noqa: S608
            f"WHERE {column} <= {limit} ORDER BY {key}"
        )


def stream(layouts: Layouts, runner_ids: list[int]) -> None:
    """The runners' users, runs and best efforts from ``single`` into the hash layout and
    into each runner's shard."""
    by_shard: dict[int, list[int]] = {}
    for runner in runner_ids:
        by_shard.setdefault(layouts.directory.route(runner), []).append(runner)
    targets = [(layouts.hash, runner_ids)]
    targets += [(url, by_shard.get(i, [])) for i, url in enumerate(layouts.shards)]
    with connect(layouts.single) as source:
        cols = {t: columns(source, t) for t in ("users", *PARTITIONED)}
        for url, runners in targets:
            with connect(url) as target:
                target.execute("SET session_replication_role = replica")
                copy_between(source, target, "users", cols["users"], "id = ANY(%s)", [runners])
                for table in PARTITIONED:
                    copy_between(
                        source, target, table, cols[table], "runner_id = ANY(%s)", [runners]
                    )
                target.commit()


def set_sequences(layouts: Layouts) -> None:
    """Sequences past the rows loaded; each shard's in a range of its own, so that a run's
    id stays unique over all shards (and a moved runner keeps its runs' ids)."""
    offsets = [(layouts.single, 0), (layouts.hash, 0)]
    offsets += [(url, (i + 1) * SHARD_ID_SPACING) for i, url in enumerate(layouts.shards)]
    with connect(layouts.single) as conn:
        highest = conn.execute(
            "SELECT (SELECT max(id) FROM users), (SELECT max(id) FROM runs)"
        ).fetchone()
    assert highest is not None
    for url, offset in offsets:
        with connect(url) as conn:
            for table, value in zip(("users", "runs"), highest, strict=True):
                conn.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", (table, value + offset)
                )


# --- measuring ----------------------------------------------------------------------------


@dataclass
class Open:
    """One engine per database, as a service process holds (the service's settings)."""

    single: Database
    hash: Database
    shards: list[Database]
    directory: Directory

    def of(self, layout: str, runner_id: int) -> Database:
        if layout == "shards":
            return self.shards[self.directory.route(runner_id)]
        return self.single if layout == "single" else self.hash

    def dispose(self) -> None:
        for database in (self.single, self.hash, *self.shards):
            database.dispose()


@contextmanager
def opened(layouts: Layouts) -> Iterator[Open]:
    with ExitStack() as stack:
        databases = [open_database(url) for url in (layouts.single, layouts.hash, *layouts.shards)]
        for database in databases:
            stack.callback(database.dispose)
        yield Open(databases[0], databases[1], databases[2:], layouts.directory)


READS: dict[str, Callable[[Session, Sample], object]] = {
    "month": lambda s, x: runs_of_month(s, x.runner_id, x.day.year, x.day.month),
    "summary": lambda s, x: totals.summary(s, x.runner_id, x.day, totals.DEFAULT_SPORTS),
}


def rotated(index: int) -> tuple[str, ...]:
    """The layouts in a different order each round: none always runs first (cold)."""
    shift = index % len(LAYOUTS)
    return LAYOUTS[shift:] + LAYOUTS[:shift]


def measure_reads(open_: Open, samples: Sequence[Sample], warmup: int) -> dict[str, Any]:
    """The month query and the summary for each sample in each layout, interleaved."""
    times: dict[str, dict[str, list[float]]] = {
        layout: {key: [] for key in READS} for layout in LAYOUTS
    }
    for index, sample in enumerate([*samples[:warmup], *samples]):
        for layout in rotated(index):
            database = open_.of(layout, sample.runner_id)
            for key, call in READS.items():
                with database.sessionmaker() as session:
                    started = time.perf_counter()
                    call(session, sample)
                    elapsed = time.perf_counter() - started
                if index >= warmup:
                    times[layout][key].append(elapsed)
    return {
        layout: {key: latency(seconds) for key, seconds in by_key.items()}
        for layout, by_key in times.items()
    }


def random_samples(ids: Sequence[int], count: int, seed: int) -> list[Sample]:
    rng = random.Random(seed)
    first_day, days = history_window()
    return [
        Sample(rng.choice(ids), (first_day + timedelta(days=rng.randrange(days))).date())
        for _ in range(count)
    ]


def add_runners(url: str, runner_ids: Sequence[int]) -> None:
    """Runners with given ids (a sharded deployment allocates runner ids once, globally)."""
    now = datetime.now(UTC)
    cols = ("id", *USER_COLUMNS)
    profile = ("Bench", "Runner", 40, 70.0, 190, 50, 50.0, "metric", False, False, now, now)
    with (
        connect(url) as conn,
        conn.cursor() as cur,
        cur.copy(f"COPY users ({', '.join(cols)}) FROM STDIN") as copy,
    ):
        for runner in runner_ids:
            email = f"bulk{runner}@bulk.bench.invalid"
            copy.write_row((runner, email, email, *profile))


def new_items(base: int, count: int, size: int, seed: int) -> list[Items]:
    first_day, days = history_window()
    pool = polyline_pool(seed)
    return [
        list(run_history(runner_profile(base + i, seed), size, first_day, days, pool, seed))
        for i in range(count)
    ]


def measure_writes(
    layouts: Layouts, open_: Open, args: argparse.Namespace, first_id: int
) -> dict[str, Any]:
    """Batches of 1,000 new runs for new runners (the same runners and runs in each layout,
    interleaved), then single-run writes for those runners, each its own transaction."""
    count = max(1, args.bulk_runs // 1000)
    runners = list(range(first_id, first_id + count))
    layouts.directory.place(runners)
    for url in (layouts.single, layouts.hash):
        add_runners(url, runners)
    for shard, url in enumerate(layouts.shards):
        add_runners(url, [r for r in runners if layouts.directory.route(r) == shard])
    batches = new_items(BULK_RUNNER_BASE, count, 1000, args.seed)
    bulk: dict[str, list[tuple[float, int]]] = {layout: [] for layout in LAYOUTS}
    for index, (runner, items) in enumerate(zip(runners, batches, strict=True)):
        for layout in rotated(index):
            database = open_.of(layout, runner)
            bulk[layout].append(time_batch(database, upsert_batch, runner, items, "created"))
    per_runner = -(-args.single_writes // count)
    singles = new_items(SINGLE_RUNNER_BASE, count, per_runner, args.seed)
    one: dict[str, list[float]] = {layout: [] for layout in LAYOUTS}
    for index in range(args.single_writes):
        runner, items = runners[index % count], singles[index % count]
        # Today's run, as a sync or an upload brings it: a backdated one would rewrite the
        # training days after it (decision 61), another cost than this one's.
        recent = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2, minutes=index)
        item = {**items[index // count], "start_time": recent}
        for layout in rotated(index):
            database = open_.of(layout, runner)
            one[layout].append(time_batch(database, upsert_batch, runner, [item], "created")[0])
    return {
        layout: {
            "bulk_runs": count * 1000,
            "bulk_runs_per_s": count * 1000 / sum(seconds for seconds, _ in bulk[layout]),
            "bulk_batch_p50_ms": statistics.median(s for s, _ in bulk[layout]) * 1e3,
            "single_writes": len(one[layout]),
            "single_write": latency(one[layout]),
        }
        for layout in LAYOUTS
    }


def remove_runners(layouts: Layouts, runner_ids: Sequence[int]) -> None:
    """The bulk runners gone again (their runs with them): the data set as loaded."""
    for url in layouts.urls().values():
        with connect(url) as conn:
            conn.execute("DELETE FROM users WHERE id = ANY(%s)", (list(runner_ids),))
    with connect(layouts.directory.url) as conn:
        conn.execute("DELETE FROM runner_shards WHERE runner_id = ANY(%s)", (list(runner_ids),))
    for runner in runner_ids:
        layouts.directory.cache.pop(runner, None)


def physical_tables(url: str) -> dict[str, list[str]]:
    """runs and best_efforts, as the tables on disk (a partitioned table's partitions)."""
    with connect(url) as conn:
        return {
            table: [
                row[0]
                for row in conn.execute(
                    "SELECT c.relname FROM pg_class c WHERE c.oid = %s::regclass "
                    "AND c.relkind = 'r' UNION ALL SELECT c.relname FROM pg_inherits i "
                    "JOIN pg_class c ON c.oid = i.inhrelid "
                    "WHERE i.inhparent = %s::regclass ORDER BY 1",
                    (table, table),
                )
            ]
            for table in PARTITIONED
        }


def maintenance(layouts: Layouts) -> dict[str, Any]:
    """Sizes of each table on disk and of its indexes, and the seconds of a full VACUUM
    (ANALYZE, DISABLE_PAGE_SKIPPING) of it: what autovacuum or an anti-wraparound pass
    costs, and how long one table is held busy by it."""
    found: dict[str, Any] = {}
    for name, url in layouts.urls().items():
        tables = physical_tables(url)
        with connect(url, autocommit=True) as conn:
            for table, parts in tables.items():
                figures = []
                for part in parts:
                    started = time.perf_counter()
                    conn.execute(f'VACUUM (ANALYZE, DISABLE_PAGE_SKIPPING) "{part}"')
                    seconds = time.perf_counter() - started
                    size = conn.execute(
                        "SELECT pg_table_size(%s::regclass), pg_indexes_size(%s::regclass)",
                        (part, part),
                    ).fetchone()
                    assert size is not None
                    figures.append(
                        {"vacuum_s": seconds, "table_bytes": size[0], "index_bytes": size[1]}
                    )
                found.setdefault(table, {})[name] = {
                    "tables": len(figures),
                    **{
                        f"{key}_{how}": fn(f[key] for f in figures)
                        for key in ("vacuum_s", "table_bytes", "index_bytes")
                        for how, fn in (("sum", sum), ("max", max))
                    },
                }
    # The shards as one layout: the sum over shards, the largest one table.
    for by_db in found.values():
        shards = [by_db.pop(f"shard{i}") for i in range(len(layouts.shards))]
        by_db["shards"] = {
            "tables": sum(s["tables"] for s in shards),
            **{
                key: (sum if key.endswith("_sum") else max)(s[key] for s in shards)
                for key in shards[0]
                if key != "tables"
            },
        }
    return found


def move_runner(layouts: Layouts, runner: int) -> dict[str, Any]:
    """Move a runner to another shard through the directory: marked moving (the writes for
    it wait: the sync and the API answer 503 with Retry-After meanwhile), every row of it
    copied in foreign-key order, the directory flipped, the old rows deleted.  Its month
    answers are compared before and after."""
    from dataservice.models import Base

    import_all_models()
    source = layouts.directory.route(runner)
    target = (source + 1) % len(layouts.shards)
    months = [(d.year, d.month) for d in (s.day for s in random_samples([runner], 12, runner))]

    def answers(url: str) -> list[Any]:
        database = open_database(url)
        try:
            with database.sessionmaker() as session:
                return [
                    [(r.id, r.title, r.distance) for r in runs_of_month(session, runner, y, m)]
                    for y, m in months
                ]
        finally:
            database.dispose()

    before = answers(layouts.shards[source])
    started = time.perf_counter()
    layouts.directory.set(runner, moving=True)
    rows = 0
    with connect(layouts.shards[source]) as out, connect(layouts.shards[target]) as into:
        into.execute("SET session_replication_role = replica")  # parents first anyway
        for table in Base.metadata.sorted_tables:
            cols = columns(out, table.name)
            if table.name == "users":
                where = "id = %s"
            elif "runner_id" in cols:
                where = "runner_id = %s"
            elif "run_id" in cols:
                where = "run_id IN (SELECT id FROM runs WHERE runner_id = %s)"
            else:
                continue  # not a runner's (clients, export chunks by export id: none here)
            copy_between(out, into, table.name, cols, where, [runner])
            counted = out.execute(
                f"SELECT count(*) FROM {table.name} WHERE {where}",  # noqa: S608
                (runner,),
            ).fetchone()
            rows += counted[0] if counted else 0
        into.commit()
        layouts.directory.set(runner, target, moving=False)
        out.execute("DELETE FROM users WHERE id = %s", (runner,))  # the rest cascades
        out.commit()
    seconds = time.perf_counter() - started
    after = answers(layouts.shards[target])
    with connect(layouts.shards[source]) as conn:
        left = conn.execute("SELECT count(*) FROM runs WHERE runner_id = %s", (runner,)).fetchone()
    return {
        "runner": runner,
        "from": source,
        "to": target,
        "rows": rows,
        "seconds": seconds,
        "answers_equal": before == after and any(before),
        "rows_left_behind": left[0] if left else None,
    }


# --- the run ------------------------------------------------------------------------------


def run(args: argparse.Namespace, layouts: Layouts) -> dict[str, Any]:
    results: dict[str, Any] = {
        "machine": {
            "cpu": cpu_model(),
            "revision": revision(),
            "loadavg_1m_before": load_average(),
        },
        "command": args.command,
        "parameters": {k: v for k, v in vars(args).items() if k not in {"command", "json"}},
    }
    for url in layouts.urls().values():
        upgrade(url)
    import_all_models()
    results["hash_schema"] = partition_by_runner(layouts.hash, args.partitions)
    data = DataSet()
    results["sizes"] = []
    for copies in [int(c) for c in args.scales.split(",")]:
        step = grow(layouts, data, args, copies)
        print(f"{data.runs:,} runs loaded: {step}", file=sys.stderr)
        figures: dict[str, Any] = {"runs": data.runs, "runners": len(data.runner_ids)}
        figures["best_efforts"], figures["load"] = data.best_efforts, step
        figures["tables"] = maintenance(layouts)
        figures["rows"] = counted(layouts)
        samples = random_samples(data.runner_ids, args.samples, args.seed + copies)
        bulk_first = 10**9 + copies * 10**6
        with opened(layouts) as open_:
            figures["reads"] = measure_reads(open_, samples, args.warmup)
            print(f"  reads: {_p99s(figures['reads'])}", file=sys.stderr)
            figures["writes"] = measure_writes(layouts, open_, args, bulk_first)
        remove_runners(layouts, range(bulk_first, bulk_first + max(1, args.bulk_runs // 1000)))
        results["sizes"].append(figures)
        # Each size's figures as soon as they are known: a long run stopped later keeps them.
        print(json.dumps(figures, default=str), file=sys.stderr)
    results["move"] = move_runner(layouts, data.runner_ids[0])
    results["headline"] = headline(results)
    return results


def counted(layouts: Layouts) -> dict[str, int]:
    """Runs in each layout (the shards summed): the same data everywhere."""
    found: dict[str, int] = {}
    for name, url in layouts.urls().items():
        with connect(url) as conn:
            row = conn.execute("SELECT count(*) FROM runs").fetchone()
        key = "shards" if name.startswith("shard") else name
        found[key] = found.get(key, 0) + (row[0] if row else 0)
    return found


def _p99s(reads: dict[str, Any]) -> str:
    return ", ".join(
        f"{layout} month {r['month']['p99_ms']:.2f} / summary {r['summary']['p99_ms']:.2f} ms"
        for layout, r in reads.items()
    )


def headline(results: dict[str, Any]) -> dict[str, float]:
    """At the largest size: month p99 of the partitioned table and of the shards over the
    single table's (below 1: faster)."""
    last = results["sizes"][-1]["reads"]
    single = last["single"]["month"]["p99_ms"]
    return {
        "runs": results["sizes"][-1]["runs"],
        "hash_vs_single_month_p99": last["hash"]["month"]["p99_ms"] / single,
        "shards_vs_single_month_p99": last["shards"]["month"]["p99_ms"] / single,
    }


def failures(results: dict[str, Any]) -> list[str]:
    found = []
    for figures in results["sizes"]:
        if len(set(figures["rows"].values())) != 1:
            found.append(f"the layouts hold different run counts: {figures['rows']}")
    move = results["move"]
    if not move["answers_equal"] or move["rows_left_behind"]:
        found.append(f"the move of runner {move['runner']} changed its answers: {move}")
    return found


def report(results: dict[str, Any]) -> None:
    print(f"# {results['command']}")
    machine = results["machine"]
    print(
        f"revision {machine['revision']}, {machine['cpu']}, 1-minute load average "
        f"{machine['loadavg_1m_before']:.2f} before the run; hash: "
        f"{results['hash_schema']['partitions']} partitions; shards: "
        f"{results['parameters']['shards']}"
    )
    for figures in results["sizes"]:
        print(
            f"\n## {figures['runs']:,} runs, {figures['runners']:,} runners, "
            f"{figures['best_efforts']:,} best efforts"
        )
        print(
            f"{'':8} {'month p50':>9} {'p99':>7} {'summary p50':>11} {'p99':>7} "
            f"{'bulk runs/s':>11} {'1-run write p50':>15} {'p99':>7} "
            f"{'runs idx MB':>11} {'largest':>8} {'VACUUM s':>8} {'largest':>8}"
        )
        for layout in LAYOUTS:
            reads, writes = figures["reads"][layout], figures["writes"][layout]
            runs = figures["tables"]["runs"][layout]
            print(
                f"{layout:8} {reads['month']['p50_ms']:9.2f} {reads['month']['p99_ms']:7.2f} "
                f"{reads['summary']['p50_ms']:11.2f} {reads['summary']['p99_ms']:7.2f} "
                f"{writes['bulk_runs_per_s']:11,.0f} "
                f"{writes['single_write']['p50_ms']:15.2f} {writes['single_write']['p99_ms']:7.2f} "
                f"{runs['index_bytes_sum'] / 2**20:11,.0f} {runs['index_bytes_max'] / 2**20:8,.0f} "
                f"{runs['vacuum_s_sum']:8.1f} {runs['vacuum_s_max']:8.1f}"
            )
        efforts = figures["tables"]["best_efforts"]
        print(
            "best_efforts VACUUM s (all, largest table): "
            + ", ".join(
                f"{name} {table['vacuum_s_sum']:.1f}/{table['vacuum_s_max']:.1f}"
                for name, table in efforts.items()
            )
        )
        print(f"load: {figures['load']}")
    move = results["move"]
    print(
        f"\nmove of runner {move['runner']} (shard {move['from']} -> {move['to']}): "
        f"{move['rows']:,} rows in {move['seconds']:.2f} s, answers equal: {move['answers_equal']}"
    )
    head = results["headline"]
    print(
        f"at {head['runs']:,} runs, month p99 over the single table's: hash-partitioned "
        f"{head['hash_vs_single_month_p99']:.2f}x, "
        f"sharded {head['shards_vs_single_month_p99']:.2f}x"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.dataservice.partition", description=__doc__.split("\n\n")[0]
    )
    add = parser.add_argument
    full = {k: f"(default {v}; --quick: {QUICK[k]})" for k, v in FULL.items()}
    add("--runners", type=int, help=f"runners generated {full['runners']}")
    add("--runs-per-runner", type=int, help=f"runs each {full['runs_per_runner']}")
    add("--scales", help=f"sizes measured, in copies of the generated runners {full['scales']}")
    add("--samples", type=int, help=f"latency samples per query and size {full['samples']}")
    add("--warmup", type=int, default=50, help="samples run first, not counted (%(default)s)")
    add("--bulk-runs", type=int, help=f"new runs upserted per layout {full['bulk_runs']}")
    add("--single-writes", type=int, help=f"single-run writes per layout {full['single_writes']}")
    add("--partitions", type=int, default=16, help="hash partitions (%(default)s)")
    add("--shards", type=int, default=2, help="databases of the sharded layout (%(default)s)")
    add("--seed", type=int, default=1, help="random seed of the data and samples (%(default)s)")
    add("--keep", action="store_true", help="keep the databases (names printed at the end)")
    add("--quick", action="store_true", help="a small smoke run (the --quick sizes above)")
    add("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.command = invocation()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # drop the databases
    started = time.perf_counter()
    with databases(args.shards, args.keep) as layouts:
        results = run(args, layouts)
    results["wall_s"] = time.perf_counter() - started
    return finish(results, args.json, report, failures)


if __name__ == "__main__":
    sys.exit(main())
