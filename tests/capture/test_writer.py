"""The writer thread against real database files: batching, flushing, failing and recovering."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspector.capture.writer import ExchangeWriter
from inspector.model import Body
from inspector.store import DatabaseError, open_db
from inspector.testing import wait_until
from inspector.testing.factories import make_exchange

pytestmark = pytest.mark.capture


def _count(db_path: Path) -> int:
    conn = open_db(db_path, readonly=True)
    try:
        return int(conn.execute("SELECT count(*) FROM exchanges").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def writer(db_path: Path) -> Iterator[ExchangeWriter]:
    writer = ExchangeWriter(db_path, retry_delays_s=(0.01, 0.01, 0.01))
    writer.start()
    yield writer
    writer.close()


def test_an_exchange_is_committed_within_the_flush_interval(
    writer: ExchangeWriter, db_path: Path
) -> None:
    put_at = time.monotonic()
    assert writer.put(make_exchange())
    wait_until(lambda: _count(db_path) == 1, timeout=5, what="the first commit")
    # ~250 ms batching plus scheduling slack on a busy machine, not seconds.
    assert time.monotonic() - put_at < 2.0


def test_close_commits_everything_handed_over(db_path: Path) -> None:
    writer = ExchangeWriter(db_path, flush_interval_s=60)  # only close() can flush in time
    writer.start()
    for i in range(1234):
        writer.put(make_exchange(path=f"/items/{i}"))
    writer.close()
    assert _count(db_path) == 1234
    assert writer.stats.written == 1234 and writer.stats.dropped == 0
    assert not writer.put(make_exchange())  # closed: refused and counted, never lost silently
    assert writer.stats.dropped == 1


def test_a_full_batch_commits_before_the_interval(db_path: Path) -> None:
    writer = ExchangeWriter(db_path, flush_interval_s=60, batch_rows=100)
    writer.start()
    try:
        for i in range(100):
            writer.put(make_exchange(path=f"/items/{i}"))
        wait_until(lambda: _count(db_path) == 100, timeout=5, what="the full batch")
        for i in range(100, 150):
            writer.put(make_exchange(path=f"/items/{i}"))
    finally:
        writer.close()
    assert _count(db_path) == 150


def test_a_database_that_cannot_be_used_is_refused_at_start(tmp_path: Path) -> None:
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("hello")
    with pytest.raises(DatabaseError, match="not an SQLite database"):
        ExchangeWriter(not_a_db).start()


def _fill_up(writer: ExchangeWriter) -> None:
    """Make the writer's database 'full': no page may be added (SQLITE_FULL)."""
    conn = writer._conn
    assert conn is not None
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")


def test_a_full_disk_is_reported_retried_and_recovers(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    writer = ExchangeWriter(db_path, flush_interval_s=0.01, retry_delays_s=(0.05,) * 200)
    writer.start()
    _fill_up(writer)
    big = Body(content=b"x" * 50_000, size=50_000, wire_size=50_000)
    with caplog.at_level(logging.ERROR, logger="inspector.capture"):
        writer.put(make_exchange(response_body=big))
        wait_until(lambda: writer.stats.failed_attempts >= 2, what="failed attempts")
    assert "database or disk is full" in caplog.text
    assert caplog.text.count("disk is full") == 1  # reported once, not per attempt
    assert writer._conn is not None
    writer._conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
    wait_until(lambda: writer.stats.written == 1, what="the retried write")
    writer.close()
    assert _count(db_path) == 1 and writer.stats.dropped == 0


def test_a_database_that_keeps_failing_drops_with_a_count_and_never_hangs(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    writer = ExchangeWriter(db_path, flush_interval_s=0.01, retry_delays_s=(0.01, 0.01))
    writer.start()
    _fill_up(writer)
    big = Body(content=b"x" * 50_000, size=50_000, wire_size=50_000)
    with caplog.at_level(logging.ERROR, logger="inspector.capture"):
        for _ in range(3):
            writer.put(make_exchange(response_body=big))
        started = time.monotonic()
        writer.close(timeout_s=10)
    assert time.monotonic() - started < 5
    assert writer.stats.dropped == 3 and writer.stats.written == 0
    assert "3 captured exchanges could not be written" in caplog.text


def test_one_unstorable_exchange_costs_only_itself(
    writer: ExchangeWriter, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A lone surrogate cannot be encoded for SQLite: that row fails, its batch-mates must not.
    bad = make_exchange(path="/bad\udcff")
    with caplog.at_level(logging.ERROR, logger="inspector.capture"):
        writer.put(make_exchange(path="/good/1"))
        writer.put(bad)
        writer.put(make_exchange(path="/good/2"))
        writer.close()
    assert _count(db_path) == 2
    assert writer.stats.dropped == 1
    assert "UnicodeEncodeError" in caplog.text and "\udcff" not in caplog.text


def test_a_slow_database_bounds_memory_by_dropping(db_path: Path) -> None:
    holder = sqlite3.connect(db_path)
    writer = ExchangeWriter(db_path, max_pending_bytes=10 * 1024, retry_delays_s=(0.01,))
    writer.start()
    try:
        holder.execute("BEGIN EXCLUSIVE")  # the writer now waits on the lock
        accepted = sum(writer.put(make_exchange()) for _ in range(50))
        assert accepted < 50 and writer.stats.dropped == 50 - accepted
    finally:
        holder.rollback()
        holder.close()
        writer.close()
