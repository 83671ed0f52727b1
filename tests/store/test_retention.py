"""Retention pruning on real database files: each limit, pacing, reporting, and writes meanwhile."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from inspector.capture.writer import ExchangeWriter
from inspector.config import Retention
from inspector.model import Exchange
from inspector.store import open_db, write_batch
from inspector.store.retention import Pruner, used_bytes
from inspector.testing import make_exchange, wait_until

NOW = 1_800_000_000.0
DAY = 86400.0


class Clock:
    """A settable clock for both wall time and pacing."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def _pruner(retention: Retention, clock: Clock, **kw: float) -> Pruner:
    return Pruner(retention=retention, wall_clock=clock, monotonic=clock, **kw)  # type: ignore[arg-type]


def _run_until_idle(pruner: Pruner, conn: sqlite3.Connection) -> int:
    deleted = pruner.step(conn)
    while pruner.busy:
        deleted += pruner.step(conn)
    return deleted


def _paths(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT path FROM exchanges ORDER BY id")]


def test_max_age_deletes_exchanges_started_before_the_cutoff_only(db: sqlite3.Connection) -> None:
    old = [make_exchange(path=f"/old/{i}", started_at=NOW - 8 * DAY + i) for i in range(1200)]
    recent = [make_exchange(path=f"/new/{i}", started_at=NOW - 6 * DAY + i) for i in range(50)]
    write_batch(db, old + recent)
    clock = Clock(NOW)
    pruner = _pruner(Retention(max_age_seconds=7 * 86400), clock, batch_rows=500)

    assert pruner.step(db) == 500  # one small batch per step, not everything at once
    assert pruner.busy
    assert _run_until_idle(pruner, db) == 700
    assert _paths(db) == [f"/new/{i}" for i in range(50)]

    # A day later, the "recent" ones have aged out too.
    clock.now += 2 * DAY
    assert _run_until_idle(pruner, db) == 50
    assert _paths(db) == []


def test_max_exchanges_keeps_exactly_the_newest(db: sqlite3.Connection) -> None:
    ids = write_batch(db, [make_exchange(path=f"/r/{i}") for i in range(1234)])
    pruner = _pruner(Retention(max_exchanges=1000), Clock(NOW), batch_rows=100)
    assert pruner.step(db) == 100
    assert _run_until_idle(pruner, db) == 134
    kept = [row[0] for row in db.execute("SELECT id FROM exchanges ORDER BY id")]
    assert kept == ids[234:]
    # Searching still finds exactly what remains (the contentless index was cleaned too).
    hits = db.execute("SELECT count(*) FROM exchanges_fts WHERE exchanges_fts MATCH 'Ada'")
    assert hits.fetchone()[0] == 1000


def _large(i: int) -> Exchange:
    """About 16 kB of JSON in many words, like a real listing response."""
    return make_exchange(
        path=f"/big/{i}", json_body={"items": [f"item{i}x{n} alpha{n % 97}" for n in range(800)]}
    )


def test_max_db_mb_stops_the_file_growing(db: sqlite3.Connection, db_path: Path) -> None:
    pruner = _pruner(Retention(max_db_mb=2), Clock(NOW), batch_rows=50, check_interval_s=0.0)
    limit = 2 * 2**20
    # About 1.9 MB per round, 16 rounds: fifteen times the limit, with a check after each.
    sizes = []
    for round_ in range(16):
        write_batch(db, [_large(round_ * 64 + i) for i in range(64)])
        _run_until_idle(pruner, db)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert used_bytes(db) <= limit
        sizes.append(db_path.stat().st_size)
    # The file grows to the limit plus what is written between checks, then stays there:
    # freed pages are reused rather than returned to the file system.
    assert max(sizes) <= 3 * limit
    assert max(sizes[8:]) <= max(sizes[:8])
    paths = _paths(db)
    assert len(paths) > 32  # pruned down to the limit, not far below it
    assert paths[-1] == "/big/1023"  # the newest is kept
    numbers = [int(path.rsplit("/", 1)[1]) for path in paths]
    assert numbers == list(range(numbers[0], 1024))  # a contiguous run of the newest
    db.execute("INSERT INTO exchanges_fts (exchanges_fts, rank) VALUES ('integrity-check', 1)")


def test_limits_are_checked_once_per_interval_and_reloaded_limits_apply(
    db: sqlite3.Connection,
) -> None:
    clock = Clock(NOW)
    pruner = _pruner(Retention(max_exchanges=10), clock, check_interval_s=5.0)
    write_batch(db, [make_exchange(path=f"/a/{i}") for i in range(15)])
    assert _run_until_idle(pruner, db) == 5
    write_batch(db, [make_exchange(path=f"/b/{i}") for i in range(5)])
    assert pruner.step(db) == 0  # not due yet: no query at every batch
    clock.now += 5.0
    assert _run_until_idle(pruner, db) == 5
    # A hot-reloaded, stricter limit applies at the next check.
    pruner.retention = Retention(max_exchanges=3)
    clock.now += 5.0
    assert _run_until_idle(pruner, db) == 7
    assert _paths(db) == ["/b/2", "/b/3", "/b/4"]
    # No limits: nothing is ever deleted.
    pruner.retention = Retention()
    clock.now += 5.0
    assert _run_until_idle(pruner, db) == 0
    assert len(_paths(db)) == 3


def test_pruning_is_reported_at_most_once_a_minute_without_content(
    db: sqlite3.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(NOW)
    pruner = _pruner(Retention(max_age_seconds=7 * 86400), clock, check_interval_s=1.0)
    caplog.set_level(logging.INFO, logger="inspector.capture")
    for minute_part in range(10):  # ten checks within one minute, each pruning something
        write_batch(
            db,
            [make_exchange(path="/secretpath", started_at=NOW - 30 * DAY) for _ in range(3)],
        )
        _run_until_idle(pruner, db)
        clock.now += 5.0 if minute_part < 9 else 0.0
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["Retention: pruned 3 exchanges older than 7d."]
    clock.now += 60.0
    pruner.report()
    assert caplog.records[-1].getMessage() == "Retention: pruned 27 exchanges older than 7d."
    assert all("secretpath" not in message for message in messages)
    assert pruner.totals.all_time == 30


def test_writes_keep_flowing_while_a_backlog_is_pruned(db_path: Path) -> None:
    conn = open_db(db_path)
    backlog = 6000
    write_batch(
        conn,
        [
            make_exchange(path=f"/old/{i}", started_at=time.time() - 30 * DAY)
            for i in range(backlog)
        ],
    )
    conn.close()

    pruner = Pruner(retention=Retention(max_age_seconds=7 * 86400), batch_rows=200)
    writer = ExchangeWriter(db_path, flush_interval_s=0.02, batch_rows=50, pruner=pruner)
    writer.start()
    reader = open_db(db_path, readonly=True)
    stop = threading.Event()
    sent: list[str] = []

    def feed() -> None:
        i = 0
        while not stop.is_set():
            path = f"/new/{i}"
            writer.put(make_exchange(path=path, started_at=time.time()))  # new: kept
            sent.append(path)
            i += 1
            stop.wait(0.001)  # a steady trickle of traffic rather than a flood

    def counts() -> tuple[int, int]:
        old = reader.execute("SELECT count(*) FROM exchanges WHERE path LIKE '/old/%'")
        new = reader.execute("SELECT count(*) FROM exchanges WHERE path LIKE '/new/%'")
        return old.fetchone()[0], new.fetchone()[0]

    feeder = threading.Thread(target=feed)
    feeder.start()
    observed: list[tuple[int, int]] = []
    try:

        def pruned_all() -> bool:
            observed.append(counts())
            return observed[-1][0] == 0

        wait_until(pruned_all)
    finally:
        stop.set()
        feeder.join(5)
        writer.close()
    # New rows were committed while old ones were still being pruned: batches interleaved.
    during = [new for old, new in observed if 0 < old < backlog]
    assert len(set(during)) >= 2, observed
    old, new = counts()
    reader.close()
    assert old == 0
    assert new == len(sent)  # nothing new was deleted, nothing dropped
    assert writer.stats.dropped == 0
    assert pruner.totals.all_time == backlog
