"""Reading exchanges back as Exchange records, one at a time or streamed in id order."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from inspector.model import Body, Consumer, Exchange, Headers
from inspector.store.filters import MATCH_ALL, SqlFilter

_SELECT = """
    SELECT e.id, e.uid, e.started_at, e.duration_ms, e.ttfb_ms, e.method, e.scheme, e.host,
           e.port, e.path, e.query, e.endpoint, e.http_version, e.status, e.reason, e.error,
           e.client_address, e.client_port, e.server_address, e.server_port,
           e.request_bytes, e.response_bytes, e.request_wire_bytes, e.response_wire_bytes,
           e.request_truncated, e.response_truncated, e.request_content_type,
           e.response_content_type, e.websocket_messages, e.websocket_bytes, e.source,
           e.consumer_id, c.identifier, c.label, c.email, c.consumer_group,
           p.request_headers, p.response_headers, p.request_body, p.response_body
    FROM exchanges e
    LEFT JOIN consumers c ON c.id = e.consumer_id
    LEFT JOIN exchange_payloads p ON p.exchange_id = e.id
"""


def _headers(text: str | None) -> Headers:
    if not text:
        return ()
    return tuple((str(name), str(value)) for name, value in json.loads(text))


def _exchange(row: Any) -> tuple[int, Exchange]:
    # sqlite3 rows are untyped; the column order is _SELECT's.
    (
        row_id, uid, started_at, duration_ms, ttfb_ms, method, scheme, host, port, path, query,
        endpoint, http_version, status, reason, error, client_address, client_port,
        server_address, server_port, request_bytes, response_bytes, request_wire_bytes,
        response_wire_bytes, request_truncated, response_truncated, request_content_type,
        response_content_type, websocket_messages, websocket_bytes, source, consumer_id,
        identifier, label, email, group, request_headers, response_headers, request_body,
        response_body,
    ) = row  # fmt: skip
    consumer = (
        Consumer(id=identifier, label=label, email=email, group=group, row_id=consumer_id)
        if identifier
        else None
    )
    exchange = Exchange(
        uid=uid, started_at=started_at, duration_ms=duration_ms, ttfb_ms=ttfb_ms, method=method,
        scheme=scheme, host=host, port=port, path=path, query=query, endpoint=endpoint,
        http_version=http_version, status=status, reason=reason, error=error,
        client_address=client_address, client_port=client_port, server_address=server_address,
        server_port=server_port,
        request_headers=_headers(request_headers), response_headers=_headers(response_headers),
        request_body=Body(
            content=bytes(request_body or b""), size=request_bytes,
            wire_size=request_wire_bytes, truncated=bool(request_truncated),
            decoding_stopped=request_truncated == 2,
            content_type=request_content_type,
        ),
        response_body=Body(
            content=bytes(response_body or b""), size=response_bytes,
            wire_size=response_wire_bytes, truncated=bool(response_truncated),
            decoding_stopped=response_truncated == 2,
            content_type=response_content_type,
        ),
        websocket_messages=websocket_messages, websocket_bytes=websocket_bytes, consumer=consumer,
        source=source,
    )  # fmt: skip
    return row_id, exchange


def load_exchange(conn: sqlite3.Connection, row_id: int) -> Exchange | None:
    row = conn.execute(_SELECT + " WHERE e.id = ?", (row_id,)).fetchone()
    return _exchange(row)[1] if row else None


def iter_exchanges(
    conn: sqlite3.Connection,
    flt: SqlFilter = MATCH_ALL,
    *,
    after_id: int = 0,
    batch_size: int = 500,
) -> Iterator[tuple[int, Exchange]]:
    """Yield (row id, Exchange) in id order past `after_id`, in bounded memory.

    `flt` is a compiled filter (or Selection.where()) over `e` (exchanges) and `c` (consumers).
    """
    where, params = flt.where, flt.params
    last = after_id
    while True:
        rows = conn.execute(
            f"{_SELECT} WHERE e.id > ? AND ({where}) ORDER BY e.id LIMIT ?",
            (last, *params, batch_size),
        ).fetchall()
        for row in rows:
            row_id, exchange = _exchange(row)
            last = row_id
            yield row_id, exchange
        if len(rows) < batch_size:
            return
