"""Synthetic captures: the demo's consumers and status mix, over 24 hours, deterministic."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from inspector.demo.clients import DEMO_CLIENTS
from inspector.demo.synthetic import DAY_S, generate_exchanges, write_synthetic

NOW = 1_795_000_000.0


def test_rows_have_consumers_a_status_mix_and_span_a_day(db: sqlite3.Connection) -> None:
    assert write_synthetic(db, 6_000, seed=1, now=NOW) == 6_000
    labels = {row[0] for row in db.execute("SELECT label FROM consumers")}
    assert len(labels) >= 7
    statuses = dict(db.execute("SELECT status, count(*) FROM exchanges GROUP BY status"))
    assert statuses[200] > 3_000
    for status in (201, 204, 401, 404, 422, 500, 503):
        assert statuses.get(status, 0) > 0, statuses
    first, last = db.execute("SELECT min(started_at), max(started_at) FROM exchanges").fetchone()
    assert NOW - DAY_S <= first < NOW - DAY_S + 600 and NOW - 600 < last <= NOW
    anonymous = db.execute("SELECT count(*) FROM exchanges WHERE consumer_id IS NULL")
    assert 0 < anonymous.fetchone()[0] < 1_000
    endpoints = {row[0] for row in db.execute("SELECT DISTINCT endpoint FROM exchanges")}
    assert {"/users", "/users/{id}", "/users/{id}/orders", "/orders/{id}", "/search"} <= endpoints


def test_ids_ascend_with_time_like_a_real_capture() -> None:
    times = [e.started_at for e in generate_exchanges(2_000, seed=2, now=NOW)]
    assert times == sorted(times)


def test_no_credential_reaches_the_database(db: sqlite3.Connection, db_path: Path) -> None:
    write_synthetic(db, 2_000, seed=4, now=NOW)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = db_path.read_bytes()
    for client in DEMO_CLIENTS:
        if client.secret:
            assert client.secret.encode() not in raw, client.name
    assert b'password": "demo' not in raw


def test_a_seed_gives_the_same_rows() -> None:
    first = list(generate_exchanges(300, seed=9, now=NOW))
    second = list(generate_exchanges(300, seed=9, now=NOW))
    assert first == second
    other = list(generate_exchanges(300, seed=10, now=NOW))
    assert [e.uid for e in other] != [e.uid for e in first]


def test_what_live_capture_skips_is_not_generated() -> None:
    paths = {e.path for e in generate_exchanges(3_000, seed=3, now=NOW)}
    assert "/health" not in paths  # the built-in rules skip health checks
    assert "/login" in paths and "/reports/slow" in paths
