"""Writing exchanges: one call stores a whole batch in one transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from inspector.endpoints import endpoint_template
from inspector.model import Consumer, Exchange, Headers

_EXCHANGE_COLUMNS = (
    "uid", "started_at", "duration_ms", "ttfb_ms", "method", "scheme", "host", "port", "path",
    "query", "endpoint", "http_version", "status", "reason", "error", "client_address",
    "client_port", "server_address", "server_port", "request_bytes", "response_bytes",
    "request_wire_bytes", "response_wire_bytes", "request_truncated", "response_truncated",
    "request_content_type", "response_content_type", "user_agent", "consumer_id",
    "websocket_messages", "websocket_bytes",
)  # fmt: skip
_INSERT_EXCHANGE = (
    f"INSERT INTO exchanges ({', '.join(_EXCHANGE_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _EXCHANGE_COLUMNS)})"
)
_UPSERT_CONSUMER = """
    INSERT INTO consumers (identifier, label, email, consumer_group, first_seen, last_seen)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT(identifier) DO UPDATE SET
        label = CASE WHEN excluded.label != '' THEN excluded.label ELSE label END,
        email = CASE WHEN excluded.email != '' THEN excluded.email ELSE email END,
        consumer_group = CASE WHEN excluded.consumer_group != ''
                              THEN excluded.consumer_group ELSE consumer_group END,
        first_seen = min(first_seen, excluded.first_seen),
        last_seen = max(last_seen, excluded.last_seen)
"""


def headers_json(headers: Headers) -> str:
    return json.dumps([list(pair) for pair in headers], ensure_ascii=False)


def _headers_text(headers: Headers) -> str:
    return "\n".join(f"{name}: {value}" for name, value in headers)


def _search_body(exchange: Exchange) -> str:
    # Binary bodies never go to text search; text is what a user would type a query against.
    parts = [exchange.request_body.text or "", exchange.response_body.text or ""]
    return "\n".join(part for part in parts if part)


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


def _exchange_row(exchange: Exchange, consumer_id: int | None) -> tuple[object, ...]:
    req, resp = exchange.request_body, exchange.response_body
    return (
        exchange.uid, exchange.started_at, exchange.duration_ms, exchange.ttfb_ms,
        exchange.method, exchange.scheme, exchange.host, exchange.port, exchange.path,
        exchange.query, exchange.endpoint or endpoint_template(exchange.path),
        exchange.http_version, exchange.status, exchange.reason, exchange.error,
        exchange.client_address, exchange.client_port, exchange.server_address,
        exchange.server_port, req.size, resp.size, req.wire_size, resp.wire_size,
        int(req.truncated), int(resp.truncated), req.content_type, resp.content_type,
        exchange.user_agent, consumer_id, exchange.websocket_messages, exchange.websocket_bytes,
    )  # fmt: skip


def write_batch(conn: sqlite3.Connection, exchanges: Sequence[Exchange]) -> list[int]:
    """Store exchanges (and their consumers) in one transaction; returns their row ids.

    An exchange whose uid is already stored is skipped, so replaying a batch is harmless.
    """
    if not exchanges:
        return []
    ids: list[int] = []
    with conn:
        consumer_ids = _consumer_ids(conn, exchanges)
        payloads = []
        search = []
        for exchange in exchanges:
            consumer_id = consumer_ids[exchange.consumer.id] if exchange.consumer else None
            try:
                cursor = conn.execute(_INSERT_EXCHANGE, _exchange_row(exchange, consumer_id))
            except sqlite3.IntegrityError:
                continue  # duplicate uid: already stored
            row_id = cursor.lastrowid
            assert row_id is not None
            ids.append(row_id)
            payloads.append(
                (
                    row_id,
                    headers_json(exchange.request_headers),
                    headers_json(exchange.response_headers),
                    exchange.request_body.content,
                    exchange.response_body.content,
                )
            )
            search.append(
                (
                    row_id,
                    exchange.url,
                    _headers_text(exchange.request_headers + exchange.response_headers),
                    _search_body(exchange),
                )
            )
        conn.executemany("INSERT INTO exchange_payloads VALUES (?, ?, ?, ?, ?)", payloads)
        conn.executemany(
            "INSERT INTO exchanges_fts (rowid, url, headers, body) VALUES (?, ?, ?, ?)", search
        )
    return ids
