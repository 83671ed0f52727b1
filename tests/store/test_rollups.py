"""Rollups: the same counts as the rows, kept right under retention pruning, deletes, imports,
older writers, migration and kill -9. (Answers read from them: test_rollup_answers.py.)"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from inspector.store import open_db, rollup_answers, rollups
from inspector.store.filters import compile_filter
from inspector.store.prune import delete_exchanges
from inspector.store.selection import Selection
from tests.store.rollup_support import (
    T0,
    assert_same_answers,
    canonical,
    rebuilt,
    traffic,
    write,
)


def test_writer_keeps_the_rollups_equal_to_a_rebuild(busy: sqlite3.Connection) -> None:
    assert rollups.is_current(busy, thorough=True)
    assert canonical(busy) == rebuilt(busy)


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
from tests.store.rollup_support import traffic
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
