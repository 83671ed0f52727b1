"""NDJSON export: one JSON object per line and exchange, streamed.

Each object has the fields of `inspector requests --json` (DESIGN section 4) plus the stable
`uid`, headers (lists of `[name, value]` pairs in wire
order, repeats kept) and bodies. A body is `{"text", "encoding": "utf-8" | "base64",
"content_type", "size", "wire_bytes", "truncated"}`: text bodies as text, anything else base64.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from inspector.endpoints import endpoint_template
from inspector.exporters.har import body_text
from inspector.model import Body, Exchange
from inspector.store.query_base import iso_utc

JsonObject = dict[str, Any]


def body_record(body: Body) -> JsonObject:
    text, binary = body_text(body)
    return {
        "text": text,
        "encoding": "base64" if binary else "utf-8",
        "content_type": body.content_type,
        "size": body.size,
        "wire_bytes": body.wire_size,
        "truncated": body.truncated,
    }


def exchange_record(row_id: int, exchange: Exchange) -> JsonObject:
    """The NDJSON object for one stored exchange (`row_id` is its id in the database)."""
    consumer = exchange.consumer
    return {
        "id": row_id,
        "uid": exchange.uid,
        "started_at": iso_utc(exchange.started_at),
        "started_at_epoch_s": exchange.started_at,
        "method": exchange.method,
        "scheme": exchange.scheme,
        "host": exchange.host,
        "port": exchange.port,
        "path": exchange.path,
        "query": exchange.query,
        "url": exchange.url,
        "http_version": exchange.http_version,
        "status": exchange.status,
        "reason": exchange.reason,
        "duration_ms": exchange.duration_ms,
        "ttfb_ms": exchange.ttfb_ms,
        "request_bytes": exchange.request_body.size,
        "response_bytes": exchange.response_body.size,
        "response_content_type": exchange.response_body.content_type,
        "consumer": None if consumer is None else consumer.to_json(),
        "endpoint": exchange.endpoint or endpoint_template(exchange.path),
        "user_agent": exchange.user_agent,
        "error": exchange.error,
        "source": exchange.source,
        "client_address": exchange.client_address,
        "server_address": exchange.server_address,
        "request_headers": [list(pair) for pair in exchange.request_headers],
        "response_headers": [list(pair) for pair in exchange.response_headers],
        "request_body": body_record(exchange.request_body),
        "response_body": body_record(exchange.response_body),
    }


def write_ndjson(out: TextIO, rows: Iterable[tuple[int, Exchange]]) -> int:
    """Write one line per (row id, exchange); returns how many lines were written."""
    count = 0
    for row_id, exchange in rows:
        out.write(json.dumps(exchange_record(row_id, exchange), ensure_ascii=False))
        out.write("\n")
        count += 1
    return count
