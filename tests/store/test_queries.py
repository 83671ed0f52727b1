"""Request listing on known data: order, limits, fields, filters."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from inspector.model import Body, Consumer
from inspector.store import queries, write_batch
from inspector.store.filters import SqlFilter, compile_filter
from inspector.store.selection import Selection
from inspector.testing import make_exchange

T0 = 1_795_000_000.0
ACME = Consumer(id="key-acme", label="Acme Corp", email="ops@acme.test", group="Enterprise")
INITECH = Consumer(id="key-initech", label="Initech", email="bill@initech.test", group="Free")
ALL = compile_filter("")


def list_requests(
    conn: sqlite3.Connection, flt: SqlFilter, **options: object
) -> list[dict[str, object]]:
    """The `requests --json` objects of a filter: what a user reads."""
    return [row.to_json() for row in queries.list_requests(conn, Selection(flt), **options)]  # type: ignore[arg-type]


def iter_requests(
    conn: sqlite3.Connection, flt: SqlFilter, **options: object
) -> list[dict[str, object]]:
    return [row.to_json() for row in queries.iter_requests(conn, Selection(flt), **options)]  # type: ignore[arg-type]


def count_requests(conn: sqlite3.Connection, flt: SqlFilter) -> int:
    return queries.count_requests(conn, Selection(flt))


def _iso(epoch_s: float) -> str:
    return dt.datetime.fromtimestamp(epoch_s, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# --- list_requests ------------------------------------------------------------------------------


def test_requests_come_newest_first_with_the_documented_fields(db: sqlite3.Connection) -> None:
    write_batch(db, [
        make_exchange(uid="old", started_at=T0, consumer=ACME),
        make_exchange(uid="new", started_at=T0 + 60, method="POST", scheme="https",
                      host="api.local", port=443, path="/orders", query="dry=1", status=201,
                      duration_ms=45.25, request_json={"a": 1},
                      request_headers=(("User-Agent", "curl/8.5.0"),)),
        make_exchange(uid="failed", started_at=T0 + 30, status=None, reason="",
                      duration_ms=None, error="Connection refused", response_body=Body()),
    ])  # fmt: skip
    rows = list_requests(db, ALL)
    assert [row["path"] for row in rows] == ["/orders", "/users/42", "/users/42"]
    newest, failed, oldest = rows
    assert newest["started_at"] == _iso(T0 + 60)
    assert str(newest["started_at"]).endswith("Z")
    assert newest["url"] == "https://api.local/orders?dry=1"
    assert (newest["method"], newest["scheme"], newest["host"], newest["port"]) == (
        "POST", "https", "api.local", 443,
    )  # fmt: skip
    assert (newest["query"], newest["status"], newest["duration_ms"]) == ("dry=1", 201, 45.25)
    assert newest["request_bytes"] == len(b'{"a": 1}')
    assert newest["user_agent"] == "curl/8.5.0"
    assert newest["endpoint"] == "/orders"
    assert newest["consumer"] is None
    assert newest["error"] is None
    assert failed["status"] is None
    assert failed["error"] == "Connection refused"
    assert failed["duration_ms"] is None
    assert oldest["url"] == "http://localhost:8000/users/42"
    assert oldest["endpoint"] == "/users/{id}"
    consumer = oldest["consumer"]
    assert isinstance(consumer, dict)
    assert {k: consumer[k] for k in ("id", "label", "email", "group")} == {
        "id": "key-acme", "label": "Acme Corp", "email": "ops@acme.test", "group": "Enterprise",
    }  # fmt: skip
    required = {"id", "started_at", "method", "scheme", "host", "port", "path", "query", "url",
                "status", "duration_ms", "request_bytes", "response_bytes", "consumer",
                "endpoint", "user_agent", "error"}  # fmt: skip
    assert all(required <= set(row) for row in rows)


def test_limit_order_and_filter(db: sqlite3.Connection) -> None:
    write_batch(db, [
        make_exchange(started_at=T0 + i, duration_ms=float(100 - i), status=200 if i % 3 else 500)
        for i in range(50)
    ])  # fmt: skip
    assert len(list_requests(db, ALL, limit=7)) == 7
    assert len(list_requests(db, ALL, limit=None)) == 50
    assert list_requests(db, ALL, limit=0) == []
    oldest_first = list_requests(db, ALL, limit=3, newest_first=False)
    assert [row["started_at"] for row in oldest_first] == [_iso(T0), _iso(T0 + 1), _iso(T0 + 2)]
    slowest = list_requests(db, ALL, limit=2, order_by="duration_ms")
    assert [row["duration_ms"] for row in slowest] == [100.0, 99.0]
    errors = list_requests(db, compile_filter("status:5xx"), limit=None)
    assert len(errors) == count_requests(db, compile_filter("status:5xx")) == 17
    assert all(row["status"] == 500 for row in errors)
    with pytest.raises(ValueError, match="cannot order"):
        list_requests(db, ALL, order_by="started_at; DROP TABLE exchanges")


def test_iter_requests_streams_past_its_batch_size(db: sqlite3.Connection) -> None:
    write_batch(db, [make_exchange(started_at=T0 + i) for i in range(25)])
    ids = [row["id"] for row in iter_requests(db, ALL, limit=None, batch_size=4)]
    assert len(ids) == 25
    assert len(set(ids)) == 25


def test_same_second_ties_keep_a_stable_order(db: sqlite3.Connection) -> None:
    ids = write_batch(db, [make_exchange(started_at=T0) for _ in range(5)])
    assert [row["id"] for row in list_requests(db, ALL)] == sorted(ids, reverse=True)


# --- free text in time order ---------------------------------------------------------------------


def _plan(conn: sqlite3.Connection, flt_text: str) -> str:
    """SQLite's plan for the page query list_requests runs for this filter."""
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        list_requests(conn, compile_filter(flt_text), limit=5)
    finally:
        conn.set_trace_callback(None)
    page_sql = next(sql for sql in statements if "ORDER BY" in sql)
    return " | ".join(row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {page_sql}"))


def test_free_text_pages_are_the_newest_matches_read_along_the_time_index(
    db: sqlite3.Connection,
) -> None:
    # Out of capture order on purpose: ids and start times disagree.
    exchanges = [
        make_exchange(uid=f"x{i}", started_at=T0 + (i * 7919) % 500, consumer=ACME,
                      path=f"/users/{i}", json_body={"name": "lovelace" if i % 3 else "ada"})
        for i in range(500)
    ]  # fmt: skip
    write_batch(db, exchanges)
    expected = sorted(
        (e for e in exchanges if e.response_body.content.count(b"lovelace")),
        key=lambda e: e.started_at, reverse=True,
    )[:20]  # fmt: skip
    got = list_requests(db, compile_filter("lovelace"), limit=20)
    assert [row["path"] for row in got] == [e.path for e in expected]
    assert "INDEX exchanges_started_at" in _plan(db, "lovelace")
    # With any other term each step would read its row: SQLite keeps its own plan.
    assert "INDEX exchanges_started_at" not in _plan(db, "lovelace status:200")
    assert len(list_requests(db, compile_filter("lovelace status:200"), limit=1000)) == 333
