"""Rollups: the same counts as the rows, percentiles within the stated error, and kept right
under retention pruning, deletes, imports, older writers, migration and kill -9."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from inspector.model import Body, Consumer, Exchange
from inspector.store import open_db, percentiles, rollup_answers, rollups, stats, write_batch
from inspector.store.filters import compile_filter
from inspector.store.prune import delete_exchanges
from inspector.store.selection import ANONYMOUS, Selection
from inspector.testing import make_exchange

T0 = 1_795_000_000.0 + 17.25  # not on a minute: ranges have partial minutes at both ends
CONSUMERS = [Consumer(id=f"key-{n}", label=f"Client {n}") for n in ("acme", "initech", "globex")]
PATHS = ["/users", "/users/7", "/orders", "/orders/12/items", "/search", "/login"]


def traffic(count: int, seed: int, start: float = T0, span_s: float = 3 * 3600) -> list[Exchange]:
    """Exchanges a real API sees: several consumers and anonymous calls, methods, status codes,
    failures without a response, latencies from under a millisecond to seconds, slow outliers."""
    rng = random.Random(seed)
    result = []
    for _ in range(count):
        failed = rng.random() < 0.03
        status = rng.choice([200, 200, 200, 201, 204, 301, 400, 401, 404, 422, 500, 503])
        duration = rng.lognormvariate(3.0, 1.4) if rng.random() > 0.01 else rng.uniform(0, 0.0005)
        result.append(make_exchange(
            started_at=start + rng.uniform(0, span_s),
            method=rng.choice(["GET", "GET", "POST", "DELETE"]),
            path=rng.choice(PATHS),
            host=rng.choice(["localhost", "api.local"]),
            port=rng.choice([8000, 443]),
            scheme=rng.choice(["http", "https"]),
            consumer=rng.choice([*CONSUMERS, None]),
            status=None if failed else status,
            reason="" if failed else "OK",
            duration_ms=None if failed else duration,
            error="Connection refused" if failed else None,
            response_body=Body() if failed else Body(content=b"x" * rng.randint(0, 900)),
            request_headers=(("User-Agent", rng.choice(["curl/8.5.0", "python-httpx/0.28"])),),
        ))  # fmt: skip
    return result


def write(conn: sqlite3.Connection, exchanges: list[Exchange], batch: int = 97) -> None:
    for start in range(0, len(exchanges), batch):
        write_batch(conn, exchanges[start : start + batch])


def canonical(conn: sqlite3.Connection) -> dict[tuple[object, ...], tuple[object, ...]]:
    """Every rollup row by (level, bucket, dimensions), its sketch decoded: comparable across
    databases whose key ids differ."""
    keys = rollups.Keys(conn)
    result: dict[tuple[object, ...], tuple[object, ...]] = {}
    for level, bucket, key_id, *figures, sketch in conn.execute(
        "SELECT level, bucket, key_id, requests, errors, timed, round(duration_sum, 6), "
        "duration_max, slowest_id, request_bytes, response_bytes, last_seen, sketch FROM rollups"
    ):
        bins, counts = percentiles.decode(sketch)
        where = (level, bucket, keys.dims[key_id])
        assert where not in result
        result[where] = (*figures, tuple(bins.tolist()), tuple(counts.tolist()))
    return result


def rebuilt(conn: sqlite3.Connection) -> dict[tuple[object, ...], tuple[object, ...]]:
    """What a rebuild from the rows gives, without touching the database."""
    conn.execute("SAVEPOINT check_rebuild")
    try:
        rollups.rebuild(conn)
        return canonical(conn)
    finally:
        conn.execute("ROLLBACK TO check_rebuild")
        conn.execute("RELEASE check_rebuild")


def assert_same_answers(conn: sqlite3.Connection, selection: Selection) -> None:
    """The rollup answer equals the exact one: counts exactly, percentiles within the error."""
    plan = rollup_answers.plan(conn, selection, minimum=0)
    assert plan is not None, selection
    fast = rollup_answers.summary(conn, plan).to_json()
    exact = stats.summary(conn, selection.where()).to_json()
    for name in ("requests", "errors", "failed", "unidentified_requests", "methods", "schemes",
                 "hosts", "user_agents", "status_codes"):  # fmt: skip
        assert fast[name] == exact[name], name
    assert_close(fast["latency_ms"], exact["latency_ms"], exact_keys=("max",))
    assert len(_items(fast, "consumers")) == len(_items(exact, "consumers"))
    for mine, theirs in zip(_items(fast, "consumers"), _items(exact, "consumers"), strict=True):
        assert_close(mine, theirs, exact_keys=("id", "requests", "errors", "last_seen", "label"))
    assert len(_items(fast, "endpoints")) == len(_items(exact, "endpoints"))
    for mine, theirs in zip(_items(fast, "endpoints"), _items(exact, "endpoints"), strict=True):
        assert_close(mine, theirs, exact_keys=("method", "endpoint", "requests", "errors",
                                               "max_ms", "avg_request_bytes",
                                               "avg_response_bytes"))  # fmt: skip


def _items(answer: dict[str, object], key: str) -> list[object]:
    items = answer[key]
    assert isinstance(items, list), key
    return items


def assert_close(mine: object, theirs: object, exact_keys: tuple[str, ...]) -> None:
    assert isinstance(mine, dict) and isinstance(theirs, dict)
    for key, expected in theirs.items():
        got = mine[key]
        if key in exact_keys or not key.startswith("p") or expected is None:
            assert got == expected, key
        else:
            # The stated bound, plus the microsecond under which durations count as 0.
            assert abs(got - expected) <= percentiles.RELATIVE_ERROR * expected + 1e-3, key


@pytest.fixture
def busy(db: sqlite3.Connection) -> sqlite3.Connection:
    write(db, traffic(6000, seed=1))
    return db


def test_writer_keeps_the_rollups_equal_to_a_rebuild(busy: sqlite3.Connection) -> None:
    assert rollups.is_current(busy, thorough=True)
    assert canonical(busy) == rebuilt(busy)


@pytest.mark.parametrize(
    "selection",
    [
        Selection(),
        Selection(compile_filter("method:POST status:5xx")),
        Selection(compile_filter("consumer:acme -status:2xx")),
        Selection(compile_filter("status:error host:api.local:443 OR ua:curl")),
        Selection(consumer=ANONYMOUS),
        Selection(start=T0 + 1234.5, end=T0 + 7777.7),  # partial minutes and hours at both ends
        Selection(compile_filter("endpoint:/orders/{id}/items"), start=T0 + 59.9, end=T0 + 3660),
        Selection(start=T0 + 10, end=T0 + 150),  # a few minutes: edges read from rows
    ],
    ids=str,
)
def test_rollup_answers_equal_the_exact_ones(
    busy: sqlite3.Connection, selection: Selection
) -> None:
    assert_same_answers(busy, selection)


def test_filters_that_need_rows_are_not_answered_from_rollups(busy: sqlite3.Connection) -> None:
    for text in ("duration:>100", "path:/users", "refused", "since:1h", "type:json", "has:body"):
        assert rollup_answers.plan(busy, Selection(compile_filter(text)), minimum=0) is None, text


@pytest.mark.parametrize("seed", range(8))
def test_sketch_percentiles_are_within_the_stated_relative_error(seed: int) -> None:
    """Against exact numpy percentiles, on distributions real latencies take."""
    rng = np.random.default_rng(seed)
    shape = seed % 4
    size = int(rng.integers(1, 200_000))
    if shape == 0:
        values = rng.lognormal(3, 1.5, size)
    elif shape == 1:
        values = rng.uniform(0.001, 5, size)
    elif shape == 2:  # bimodal: cache hits and misses
        values = np.where(rng.random(size) < 0.8, rng.normal(2, 0.2, size).clip(0.01),
                          rng.normal(800, 100, size).clip(1))  # fmt: skip
    else:  # a few distinct values, repeated: rounded timings
        values = rng.choice([1.0, 2.0, 5.0, 30.0, 1500.0], size)
    bins, counts = percentiles.merge(percentiles.bins_of(values), np.ones(size, dtype=np.int64))
    for p in (0, 1, 25, 50, 90, 95, 99, 99.9, 100):
        exact = float(np.percentile(values, p))
        estimate = percentiles.from_sketch(bins, counts, p)
        assert estimate is not None
        assert abs(estimate - exact) <= percentiles.RELATIVE_ERROR * exact, (p, estimate, exact)


def test_small_selections_are_answered_exactly(busy: sqlite3.Connection) -> None:
    from inspector.store import queries

    summary = queries.summary(busy, Selection())
    assert summary.requests <= rollup_answers.EXACT_LIMIT
    assert summary.method.exact_percentiles
    assert summary.to_json() == stats.summary(busy, MATCH_ALL_WHERE).to_json()


MATCH_ALL_WHERE = Selection().where()


def test_deletes_and_retention_pruning_keep_the_rollups_right(busy: sqlite3.Connection) -> None:
    ids = [row[0] for row in busy.execute("SELECT id FROM exchanges ORDER BY started_at")]
    delete_exchanges(busy, ids[:500])  # retention: the oldest first
    rng = random.Random(3)
    delete_exchanges(busy, rng.sample(ids[500:], 700))  # scattered deletes
    delete_exchanges(busy, [ids[-1], 10**9])  # the newest, and an id that does not exist
    assert rollups.is_current(busy, thorough=True)
    assert canonical(busy) == rebuilt(busy)
    assert_same_answers(busy, Selection())
    assert_same_answers(busy, Selection(compile_filter("consumer:globex"), start=T0 + 99))


def test_retention_by_age_keeps_the_rollups_right(db_path: Path) -> None:
    from inspector.config.settings import Retention
    from inspector.store.retention import Pruner

    conn = open_db(db_path)
    write(conn, traffic(3000, seed=5))
    cutoff_s = 3 * 3600 - 5000  # keep what started in the last 5000 s of the capture
    pruner = Pruner(Retention(max_age_seconds=cutoff_s), wall_clock=lambda: T0 + 3 * 3600,
                    batch_rows=400)  # fmt: skip
    pruner.step(conn)
    while pruner.busy:
        pruner.step(conn)
    left = conn.execute("SELECT count(*), min(started_at) FROM exchanges").fetchone()
    assert 0 < left[0] < 3000 and left[1] >= T0 + 3 * 3600 - cutoff_s
    assert rollups.is_current(conn, thorough=True)
    assert canonical(conn) == rebuilt(conn)
    conn.close()


def test_imports_out_of_order_and_replayed_batches(busy: sqlite3.Connection) -> None:
    older = traffic(800, seed=9, start=T0 - 86_400 * 30)  # an import of last month's HAR
    write(busy, older)
    write(busy, older[:300])  # replayed: stored once
    assert busy.execute("SELECT count(*) FROM exchanges").fetchone()[0] == 6800
    assert rollups.is_current(busy, thorough=True)
    assert canonical(busy) == rebuilt(busy)
    assert_same_answers(busy, Selection(start=T0 - 86_400 * 31, end=T0 - 86_400 * 29))


def test_rows_written_by_an_older_version_are_noticed_and_rebuilt(db_path: Path) -> None:
    conn = open_db(db_path)
    write(conn, traffic(500, seed=2))
    conn.execute("DELETE FROM rollup_state")  # what a version without rollups leaves behind:
    conn.execute("DROP TABLE rollups")
    conn.execute("DROP TABLE rollup_keys")
    conn.execute("DROP TABLE rollup_state")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm002_rollups'")
    conn.commit()
    conn.close()
    # An older writer added rows the rollups of another copy would not know about.
    conn = open_db(db_path)  # migrates: builds them from the rows
    assert rollups.is_current(conn, thorough=True)
    assert conn.execute("SELECT sum(requests) FROM rollups WHERE level = 3600").fetchone()[0] == 500
    raw = traffic(1, seed=4)[0]
    conn.execute(
        "INSERT INTO exchanges (uid, started_at, method, scheme, host, port, path, endpoint) "
        "VALUES ('older-writer', ?, 'GET', 'http', 'h', 80, '/x', '/x')",
        (raw.started_at,),
    )
    conn.commit()
    assert not rollups.is_current(conn)
    reader = open_db(db_path, readonly=True)
    assert rollup_answers.plan(reader, Selection(), minimum=0) is None  # rows answer instead
    from inspector.store import queries

    assert queries.summary(reader, Selection()).requests == 501
    reader.close()
    conn.close()
    conn = open_db(db_path)  # a writable open rebuilds
    assert rollups.is_current(conn, thorough=True)
    assert canonical(conn) == rebuilt(conn)
    conn.close()


_WRITER = """
import sys
sys.path.insert(0, sys.argv[2])
from tests.store.test_rollups import traffic
from inspector.store import open_db, write_batch
conn = open_db(sys.argv[1])
for round_ in range(10_000):
    write_batch(conn, traffic(200, seed=round_))
"""


def test_kill_9_mid_write_leaves_rollups_matching_the_rows(db_path: Path) -> None:
    open_db(db_path).close()
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(db_path),
                               str(Path(__file__).parents[2])])  # fmt: skip
    reader = open_db(db_path, readonly=True)
    deadline = time.monotonic() + 60
    try:
        while reader.execute("SELECT count(*) FROM exchanges").fetchone()[0] < 3000:
            assert writer.poll() is None, "the writer stopped by itself"
            assert time.monotonic() < deadline, "the writer wrote too little"
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait()
    reader.close()
    conn = open_db(db_path)
    assert rollups.is_current(conn, thorough=True)
    assert canonical(conn) == rebuilt(conn)
    conn.close()


def test_the_total_comes_from_the_rollups_and_matches_the_rows(busy: sqlite3.Connection) -> None:
    from inspector.store import queries

    ids = [row[0] for row in busy.execute("SELECT id FROM exchanges ORDER BY id LIMIT 51")]
    lowest_left = ids.pop()
    delete_exchanges(busy, ids)
    assert rollups.stored_count(busy) == 5950
    assert queries.count_requests(busy, Selection()) == 5950
    busy.execute("DELETE FROM exchange_payloads WHERE exchange_id = ?", (lowest_left,))
    busy.execute("DELETE FROM exchanges WHERE id = ?", (lowest_left,))  # behind the rollups' back
    assert rollups.stored_count(busy) is None  # the lowest id moved: no longer trusted
    assert queries.count_requests(busy, Selection()) == 5949
