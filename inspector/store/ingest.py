"""Writing exchanges: one call stores a whole batch in one transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from inspector.endpoints import endpoint_template
from inspector.model import Body, Consumer, Exchange, Headers
from inspector.store import rollups

_EXCHANGE_COLUMNS = (
    "id", "uid", "started_at", "duration_ms", "ttfb_ms", "method", "scheme", "host", "port",
    "path", "query", "endpoint", "http_version", "status", "reason", "error", "client_address",
    "client_port", "server_address", "server_port", "request_bytes", "response_bytes",
    "request_wire_bytes", "response_wire_bytes", "request_truncated", "response_truncated",
    "request_content_type", "response_content_type", "user_agent", "consumer_id",
    "websocket_messages", "websocket_bytes", "source",
)  # fmt: skip
_INSERT_EXCHANGE = (
    f"INSERT INTO exchanges ({', '.join(_EXCHANGE_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _EXCHANGE_COLUMNS)})"
)
_UPSERT_CONSUMER = """
    INSERT INTO consumers (identifier, label, email, consumer_group, first_seen, last_seen)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT(identifier) DO UPDATE SET
        label = CASE WHEN named_by_hand OR excluded.label = '' THEN label ELSE excluded.label END,
        email = CASE WHEN excluded.email != '' THEN excluded.email ELSE email END,
        consumer_group = CASE WHEN excluded.consumer_group != ''
                              THEN excluded.consumer_group ELSE consumer_group END,
        first_seen = min(first_seen, excluded.first_seen),
        last_seen = max(last_seen, excluded.last_seen)
"""
# Past both the newest row and the AUTOINCREMENT high-water mark: ids are never reused.
_NEXT_ID = """
    SELECT max(coalesce((SELECT max(id) FROM exchanges), 0),
               coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'exchanges'), 0)) + 1
"""
_SQLITE_MAX_PARAMS = 900  # below SQLite's historical limit of 999 bound parameters
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def headers_json(headers: Headers) -> str:
    return _encode(headers)


def search_text(
    exchange: Exchange, request_headers: str | None = None, response_headers: str | None = None
) -> tuple[str, str, str]:
    """The (url, headers, body) values indexed for full-text search.

    Headers are indexed as the JSON stored for them (the tokenizer skips the punctuation), so a
    batch encodes them once. Deleting from the contentless index needs exactly these values
    again, so this is the one place they are computed. Binary bodies never go to text search.
    """
    headers = "\n".join(
        (
            request_headers or headers_json(exchange.request_headers),
            response_headers or headers_json(exchange.response_headers),
        )
    )
    bodies = (exchange.request_body.text or "", exchange.response_body.text or "")
    return exchange.url, headers, "\n".join(part for part in bodies if part)


def _consumer_ids(conn: sqlite3.Connection, exchanges: Sequence[Exchange]) -> dict[str, int]:
    latest: dict[str, tuple[Consumer, float, float]] = {}
    for exchange in exchanges:
        consumer = exchange.consumer
        if consumer is None:
            continue
        seen = latest.get(consumer.id)
        if seen is None:
            latest[consumer.id] = (consumer, exchange.started_at, exchange.started_at)
        else:
            first, last = min(seen[1], exchange.started_at), max(seen[2], exchange.started_at)
            latest[consumer.id] = (consumer, first, last)
    ids: dict[str, int] = {}
    for identifier, (consumer, first, last) in latest.items():
        conn.execute(
            _UPSERT_CONSUMER,
            (identifier, consumer.label, consumer.email, consumer.group, first, last),
        )
        row = conn.execute("SELECT id FROM consumers WHERE identifier = ?", (identifier,))
        ids[identifier] = row.fetchone()[0]
    return ids


def _new_exchanges(conn: sqlite3.Connection, exchanges: Sequence[Exchange]) -> list[Exchange]:
    """The exchanges whose uid is stored neither already nor earlier in this batch."""
    uids = list({exchange.uid for exchange in exchanges})
    stored: set[str] = set()
    for start in range(0, len(uids), _SQLITE_MAX_PARAMS):
        chunk = uids[start : start + _SQLITE_MAX_PARAMS]
        marks = ", ".join("?" for _ in chunk)
        query = f"SELECT uid FROM exchanges WHERE uid IN ({marks})"
        stored.update(row[0] for row in conn.execute(query, chunk))
    fresh = []
    for exchange in exchanges:
        if exchange.uid not in stored:
            stored.add(exchange.uid)
            fresh.append(exchange)
    return fresh


def _truncated(body: Body) -> int:
    """The *_truncated column: 0 whole, 1 cut (size exact), 2 decoding stopped (size at least).

    One column with a third value rather than a schema change: older readers see "truncated".
    """
    return 2 if body.decoding_stopped else int(body.truncated)


def _exchange_row(exchange: Exchange, row_id: int, consumer_id: int | None) -> tuple[object, ...]:
    req, resp = exchange.request_body, exchange.response_body
    return (
        row_id, exchange.uid, exchange.started_at, exchange.duration_ms, exchange.ttfb_ms,
        exchange.method, exchange.scheme, exchange.host, exchange.port, exchange.path,
        exchange.query, exchange.endpoint or endpoint_template(exchange.path),
        exchange.http_version, exchange.status, exchange.reason, exchange.error,
        exchange.client_address, exchange.client_port, exchange.server_address,
        exchange.server_port, req.size, resp.size, req.wire_size, resp.wire_size,
        _truncated(req), _truncated(resp), req.content_type, resp.content_type,
        exchange.user_agent, consumer_id, exchange.websocket_messages, exchange.websocket_bytes,
        exchange.source,
    )  # fmt: skip


def write_batch(conn: sqlite3.Connection, exchanges: Sequence[Exchange]) -> list[int]:
    """Store exchanges (and their consumers) in one transaction; returns their row ids.

    An exchange whose uid is already stored is skipped, so replaying a batch is harmless.
    """
    if not exchanges:
        return []
    with conn:
        # The write lock first: row ids are assigned here, so no other writer may interleave.
        if not conn.in_transaction:
            conn.execute("BEGIN IMMEDIATE")
        fresh = _new_exchanges(conn, exchanges)
        if not fresh:
            return []
        consumer_ids = _consumer_ids(conn, fresh)
        first_id = conn.execute(_NEXT_ID).fetchone()[0]
        ids = list(range(first_id, first_id + len(fresh)))
        rows = [
            _exchange_row(e, row_id, consumer_ids[e.consumer.id] if e.consumer else None)
            for row_id, e in zip(ids, fresh, strict=True)
        ]
        conn.executemany(_INSERT_EXCHANGE, rows)
        payloads = [
            (
                row_id,
                headers_json(e.request_headers),
                headers_json(e.response_headers),
                e.request_body.content,
                e.response_body.content,
            )
            for row_id, e in zip(ids, fresh, strict=True)
        ]
        conn.executemany("INSERT INTO exchange_payloads VALUES (?, ?, ?, ?, ?)", payloads)
        conn.executemany(
            "INSERT INTO exchanges_fts (rowid, url, headers, body) VALUES (?, ?, ?, ?)",
            [
                (payload[0], *search_text(e, payload[1], payload[2]))
                for payload, e in zip(payloads, fresh, strict=True)
            ],
        )
        # Same transaction: the rollups never disagree with the rows, whatever kills us.
        rollups.add_exchanges(conn, _EXCHANGE_COLUMNS, rows)
    return ids
