"""Realistic runners and runs for benchmarks/dataservice/, and loading them fast.

Each runner gets a profile (easy pace, heart rate, hills, usual hour, how often Strava sends
best efforts) and a history of runs spread over the last ``YEARS`` years, in time order.
A run is generated as the Strava worker sends it to ``POST /users/{id}/runs/batch``; the rows
the bulk upsert would store for it (the run, its content digest, its best efforts) are derived
with the dataservice's own functions, and loaded with PostgreSQL ``COPY``: the load is setup,
not what is measured.
"""

from __future__ import annotations

import heapq
import math
import random
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import polyline
import psycopg
from sqlalchemy import make_url

from dataservice.runs.efforts import efforts_for
from dataservice.runs.hashing import content_hash
from dataservice.runs.local_time import resolve
from dataservice.runs.models import RECORD_DISTANCES
from dataservice.runs.serialize import FIELDS

YEARS = 3
LOADED_EMAIL_DOMAIN = "load.bench.invalid"  # the loaded runners; bulk-test ones differ
RUN_COLUMNS = (
    "id",
    "runner_id",
    "source",
    "external_id",
    "start_time",
    "start_local",
    "utc_offset",
    "timezone",
    *FIELDS,
    "content_hash",
    "created_at",
    "updated_at",
)
EFFORT_COLUMNS = ("run_id", "distance", "runner_id", "elapsed", "start_time", "origin")
USER_COLUMNS = ("email", "email_key", "first_name", "last_name", "age", "weight", "max_hr")
USER_COLUMNS += ("rest_hr", "vo2max", "units", "is_admin", "disabled", "created_at", "updated_at")
INSERT_USER = (
    f"INSERT INTO users ({', '.join(USER_COLUMNS)}) "  # noqa: S608 - constants, no input
    f"VALUES ({', '.join(f'%({c})s' for c in USER_COLUMNS)}) RETURNING id"
)
# Sport, share of activities, pace factor over the runner's easy pace, climb factor.
SPORTS = (("Run", 0.87, 1.0, 1.0), ("TrailRun", 0.08, 1.22, 4.0))
SPORTS += (("VirtualRun", 0.03, 0.97, 0.0), ("Walk", 0.02, 2.1, 0.8))
TITLES = ("Easy run", "Long run", "Tempo", "Intervals", "Recovery jog", "Hill repeats")


@dataclass(frozen=True)
class Runner:
    index: int  # stable across runs of the benchmark: the history is a function of it
    easy_pace: float  # s/km on an 8 km easy run
    average_hr: float  # bpm on that run
    max_hr: int
    climb: float  # m of elevation gain per km
    hour: float  # usual start, UTC


def runner_profile(index: int, seed: int) -> Runner:
    rng = random.Random(seed * 1_000_003 + index)
    max_hr = rng.randint(172, 201)
    return Runner(
        index=index,
        easy_pace=rng.uniform(255, 400),
        average_hr=max_hr * rng.uniform(0.70, 0.80),
        max_hr=max_hr,
        climb=rng.uniform(2, 14),
        hour=rng.choice((6.0, 6.5, 7.0, 12.0, 17.5, 18.0, 19.0)),
    )


def polyline_pool(seed: int, size: int = 64) -> list[str]:
    """Strava summary polylines (a few hundred characters each), shared by the runs: what
    matters for the benchmark is their size in a row, not their shape."""
    rng = random.Random(seed)
    pool = []
    for _ in range(size):
        lat, lon = rng.uniform(40, 55), rng.uniform(-5, 15)
        points = []
        for _ in range(rng.randint(40, 160)):
            lat, lon = lat + rng.gauss(0, 4e-4), lon + rng.gauss(0, 6e-4)
            points.append((lat, lon))
        pool.append(polyline.encode(points))
    return pool


def history_window(today: datetime | None = None) -> tuple[datetime, int]:
    """The first day of the loaded history (UTC midnight) and its length in days: the
    ``YEARS`` years up to yesterday, so that "this week" and "this month" hold runs."""
    end = (today or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    days = 365 * YEARS + 1
    return end - timedelta(days=days), days


def run_history(
    runner: Runner,
    count: int,
    first_day: datetime,
    days: int,
    polylines: list[str],
    seed: int,
) -> Iterator[dict[str, Any]]:
    """``count`` runs of one runner over ``days`` days from ``first_day``, oldest first, as
    items of a batch upsert (``start_time`` a datetime, as the API's validation gives it)."""
    rng = random.Random(seed * 7_000_003 + runner.index)
    starts = sorted(
        first_day
        + timedelta(days=rng.randrange(days), hours=min(22.5, max(4.0, rng.gauss(runner.hour, 1))))
        for _ in range(count)
    )
    for number, start in enumerate(starts):
        start = start.replace(microsecond=0)
        sport, pace_factor, climb_factor = _sport(rng)
        km = min(30.0, max(3.0, rng.lognormvariate(math.log(8), 0.5)))
        if sport == "Walk":
            km = min(km, 12.0)
        # Longer runs go slower, and every day is a little different.
        pace = runner.easy_pace * pace_factor * (1 + 0.06 * math.log(km / 8)) * rng.gauss(1, 0.04)
        distance = round(km * 1000, 1)
        moving = round(km * pace)
        elapsed = moving + round(moving * rng.uniform(0, 0.08))
        has_hr = rng.random() < 0.9
        average_hr = runner.average_hr * rng.gauss(1, 0.04) * (1.06 if km < 6 else 1.0)
        item: dict[str, Any] = {
            "source": "strava",
            "external_id": str(8_000_000_000 + runner.index * 100_000 + number),
            "start_time": start,
            "title": rng.choice(TITLES) if rng.random() < 0.4 else _default_title(start, sport),
            "description": "Felt good, negative split." if rng.random() < 0.05 else None,
            "distance": distance,
            "moving_time": moving,
            "elapsed_time": elapsed,
            "average_speed": round(distance / moving, 3),
            "max_speed": round(distance / moving * rng.uniform(1.15, 1.6), 3),
            "average_hr": round(min(average_hr, runner.max_hr - 8), 1) if has_hr else None,
            "max_hr": float(min(runner.max_hr, round(average_hr + rng.uniform(8, 25))))
            if has_hr
            else None,
            "elevation_gain": round(km * runner.climb * climb_factor * rng.uniform(0.5, 1.5), 1),
            "sport_type": sport,
            "polyline": None if sport == "VirtualRun" else rng.choice(polylines),
        }
        if sport != "Walk":
            # Best efforts for every run, as its stream gives them: the fastest stretch, a
            # little faster than the average (the shorter, the faster).
            item["best_efforts"] = [
                {
                    "distance": d,
                    "elapsed_time": round(
                        moving * d / distance * rng.uniform(0.9, 0.99) * (1 - 0.02 * (d < 5000)),
                        1,
                    ),
                }
                for d in RECORD_DISTANCES
                if d <= distance
            ]
        yield item


def _sport(rng: random.Random) -> tuple[str, float, float]:
    pick = rng.random()
    for sport, share, pace_factor, climb_factor in SPORTS:
        if pick < share:
            return sport, pace_factor, climb_factor
        pick -= share
    return SPORTS[0][0], SPORTS[0][2], SPORTS[0][3]


def _default_title(start: datetime, sport: str) -> str:
    hour = start.hour
    part = "Morning" if hour < 12 else "Afternoon" if hour < 18 else "Evening"
    return f"{part} {'Run' if sport == 'Run' else sport}"


def stored_rows(
    runner_id: int, item: Mapping[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ``runs`` row (without id and timestamps) and ``best_efforts`` rows (without
    run_id) that ``dataservice.runs.bulk.upsert_runs`` stores for a new run."""
    provided = {int(e["distance"]): float(e["elapsed_time"]) for e in item.get("best_efforts", [])}
    row = {field: item.get(field) for field in FIELDS}
    row.update(
        runner_id=runner_id,
        source=item["source"],
        external_id=item["external_id"],
        start_time=item["start_time"],
    )
    # The runner's local start, as the upsert stores it (Strava gives the offset).
    local = resolve(item["start_time"], utc_offset=item.get("utc_offset"), fallback_zone="UTC")
    row.update(start_local=local.start_local, utc_offset=local.utc_offset, timezone=local.timezone)
    row["content_hash"] = content_hash(row, provided)
    return row, efforts_for(row, provided, "strava")


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://``) as psycopg wants it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class LoadReport:
    runners: int
    runs: int
    best_efforts: int
    copy_s: float  # generating runs and COPY into runs and best_efforts, committed
    vacuum_analyze_s: float
    skipped: bool = False  # the database already held this data (--database-url, --keep)
    panels: int = 0  # records panels stored after the load (the service keeps them on write)
    panels_s: float = 0.0

    @property
    def total_s(self) -> float:
        return self.copy_s + self.vacuum_analyze_s


def table_sizes(url: str) -> dict[str, int]:
    """Bytes on disk of the tables the benchmark reads, and of their indexes."""
    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute(
            "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c "
            "LEFT JOIN pg_index i ON i.indexrelid = c.oid "
            "WHERE c.relname IN ('runs', 'best_efforts') "
            "OR i.indrelid IN ('runs'::regclass, 'best_efforts'::regclass)"
        ).fetchall()
    return dict(sorted(rows))


def loaded_runner_ids(url: str, runners: int, runs_per_runner: int) -> list[int] | None:
    """The loaded runners' ids if the database already holds exactly this data set."""
    with psycopg.connect(libpq_url(url)) as conn:
        ids = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM users WHERE email_key LIKE %s ORDER BY id",
                (f"%@{LOADED_EMAIL_DOMAIN}",),
            )
        ]
        if not ids:
            return None
        per_runner = conn.execute(
            "SELECT count(*), min(n), max(n) FROM (SELECT count(*) AS n FROM runs "
            "WHERE runner_id = ANY(%s) GROUP BY runner_id) AS counts",
            (ids,),
        ).fetchone()
    if len(ids) != runners or per_runner != (runners, runs_per_runner, runs_per_runner):
        raise SystemExit(
            f"the database holds another data set ({len(ids)} runners; runners with runs, "
            f"fewest and most runs: {per_runner}): use a fresh database for --runners "
            f"{runners} --runs-per-runner {runs_per_runner}"
        )
    return ids


def insert_users(conn: psycopg.Connection[Any], emails: Iterable[str], seed: int) -> list[int]:
    """Runners with a plausible profile; their ids, in the order of ``emails``."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    ids = []
    with conn.cursor() as cur:
        for email in emails:
            profile = {
                "email": email,
                "email_key": email,
                "first_name": "Bench",
                "last_name": "Runner",
                "age": rng.randint(18, 70),
                "weight": round(rng.uniform(50, 95), 1),
                "max_hr": rng.randint(172, 201),
                "rest_hr": rng.randint(40, 65),
                "vo2max": round(rng.uniform(35, 65), 1),
                "units": "metric",
                "is_admin": False,
                "disabled": False,
                "created_at": now,
                "updated_at": now,
            }
            row = cur.execute(INSERT_USER, profile).fetchone()
            assert row is not None
            ids.append(row[0])
    return ids


def load_history(url: str, runners: int, runs_per_runner: int, seed: int) -> LoadReport:
    """Runners, their runs (interleaved in time order, as daily syncs store them) and best
    efforts, with COPY; then VACUUM ANALYZE, so that autovacuum does not wake up mid-run."""
    started = time.perf_counter()
    first_day, days = history_window()
    pool = polyline_pool(seed)
    efforts: list[tuple[Any, ...]] = []
    with psycopg.connect(libpq_url(url)) as conn:
        emails = [f"runner{i}@{LOADED_EMAIL_DOMAIN}" for i in range(runners)]
        runner_ids = insert_users(conn, emails, seed)
        total = runners * runs_per_runner
        first_id = reserve_ids(conn, "runs", total)
        histories = [
            timeline(
                runner_id,
                run_history(runner_profile(i, seed), runs_per_runner, first_day, days, pool, seed),
            )
            for i, runner_id in enumerate(runner_ids)
        ]
        with conn.cursor() as cur:
            with cur.copy(f"COPY runs ({', '.join(RUN_COLUMNS)}) FROM STDIN") as copy:
                for run_id, (start, runner_id, item) in enumerate(
                    heapq.merge(*histories, key=lambda entry: entry[:2]), start=first_id
                ):
                    row, run_efforts = stored_rows(runner_id, item)
                    synced = start + timedelta(seconds=item["elapsed_time"] + 900)
                    row.update(id=run_id, created_at=synced, updated_at=synced)
                    copy.write_row([row[c] for c in RUN_COLUMNS])
                    efforts.extend(
                        (run_id, e["distance"], runner_id, e["elapsed"], start, e["origin"])
                        for e in run_efforts
                    )
            with cur.copy(f"COPY best_efforts ({', '.join(EFFORT_COLUMNS)}) FROM STDIN") as copy:
                for effort in efforts:
                    copy.write_row(effort)
        conn.commit()
    copied = time.perf_counter()
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) users, runs, best_efforts")
    return LoadReport(
        runners=runners,
        runs=total,
        best_efforts=len(efforts),
        copy_s=copied - started,
        vacuum_analyze_s=time.perf_counter() - copied,
    )


def timeline(
    runner_id: int, items: Iterable[dict[str, Any]]
) -> Iterator[tuple[datetime, int, dict[str, Any]]]:
    """One runner's runs keyed for merging all histories in time order."""
    for item in items:
        yield item["start_time"], runner_id, item


def reserve_ids(conn: psycopg.Connection[Any], table: str, count: int) -> int:
    """Take ``count`` ids from ``table``'s sequence (for COPY); the first one."""
    row = conn.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, "
        "'id')) + %s - 1) - %s + 1",
        (table, table, count, count),
    ).fetchone()
    assert row is not None
    return int(row[0])
