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

from inspector.exporters.har import body_text
from inspector.model import Body, Exchange
from inspector.records import request_json

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
    """The NDJSON object for one stored exchange (`row_id` is its id in the database): the
    `inspector requests --json` object, with the uid beside the id, then what only files hold."""
    listed = request_json(row_id, exchange)
    return {
        "id": listed.pop("id"),
        "uid": exchange.uid,
        **listed,
        "ttfb_ms": exchange.ttfb_ms,
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
