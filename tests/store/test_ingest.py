"""write_batch: what goes in comes back out, stored once, consumers upserted, text searchable."""

from __future__ import annotations

import sqlite3

from inspector.model import Body, Consumer
from inspector.store import load_exchange, write_batch
from inspector.testing import make_exchange


def test_round_trip_keeps_every_field(db: sqlite3.Connection) -> None:
    original = make_exchange(
        method="POST",
        path="/orders/9f3c2a1b4d5e6f70",
        query="expand=items&expand=customer",
        request_headers=(("Host", "localhost:8000"), ("X-Trace", "a"), ("X-Trace", "b")),
        request_json={"sku": "A-1", "qty": 2},
        status=201,
        reason="Created",
        consumer=Consumer(id="key-1", label="Acme", email="ops@acme.test", group="Gold"),
        websocket_messages=None,
    )
    (row_id,) = write_batch(db, [original])
    loaded = load_exchange(db, row_id)
    assert loaded == original.replace(endpoint="/orders/{id}")


def test_duplicate_uids_are_stored_once(db: sqlite3.Connection) -> None:
    exchange = make_exchange()
    assert len(write_batch(db, [exchange])) == 1
    assert write_batch(db, [exchange]) == []
    assert db.execute("SELECT count(*) FROM exchanges").fetchone()[0] == 1


def test_consumers_track_first_and_last_seen(db: sqlite3.Connection) -> None:
    write_batch(db, [make_exchange(consumer="k", started_at=200.0)])
    write_batch(db, [make_exchange(consumer=Consumer(id="k", label="K"), started_at=100.0)])
    write_batch(db, [make_exchange(consumer="k", started_at=300.0)])
    row = db.execute("SELECT label, first_seen, last_seen FROM consumers").fetchone()
    assert row == ("K", 100.0, 300.0)


def test_text_bodies_are_searchable_and_binary_ones_are_not(db: sqlite3.Connection) -> None:
    text = make_exchange(json_body={"greeting": "zanzibar"})
    png = make_exchange(
        response_body=Body(content=b"\x89PNG\r\n\x1a\nzanzibar", size=16, content_type="image/png")
    )
    write_batch(db, [text, png])
    hits = db.execute(
        "SELECT rowid FROM exchanges_fts WHERE exchanges_fts MATCH 'zanzibar'"
    ).fetchall()
    assert len(hits) == 1
