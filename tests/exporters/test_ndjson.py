"""NDJSON export: one object per line, the `requests --json` fields plus headers and bodies."""

from __future__ import annotations

import base64
import io
import json
import sqlite3

from inspector.exporters.ndjson import write_ndjson
from inspector.model import Body, Consumer
from inspector.store import iter_exchanges, write_batch
from inspector.testing import make_exchange

# DESIGN section 4: what `inspector requests --json` promises at least.
REQUESTS_JSON_FIELDS = {
    "id",
    "started_at",
    "method",
    "scheme",
    "host",
    "port",
    "path",
    "query",
    "url",
    "status",
    "duration_ms",
    "request_bytes",
    "response_bytes",
    "consumer",
    "endpoint",
    "user_agent",
    "error",
}


def _export(db: sqlite3.Connection) -> list[dict[str, object]]:
    out = io.StringIO()
    count = write_ndjson(out, iter_exchanges(db))
    lines = out.getvalue().splitlines()
    assert len(lines) == count
    return [json.loads(line) for line in lines]


def test_each_line_is_one_exchange_with_the_documented_fields(db: sqlite3.Connection) -> None:
    ids = write_batch(
        db,
        [
            make_exchange(
                path="/users/7",
                query="expand=orders",
                consumer=Consumer("key-1", "Acme", "ops@acme.test", "Gold"),
            ),
            make_exchange(
                status=None,
                error="Connection refused",
                response_headers=(),
                response_body=Body(),
                duration_ms=None,
            ),
        ],
    )
    first, failed = _export(db)
    assert first.keys() >= REQUESTS_JSON_FIELDS
    assert first["id"] == ids[0]
    assert first["url"] == "http://localhost:8000/users/7?expand=orders"
    assert first["endpoint"] == "/users/{id}"
    # The same consumer object as `inspector requests --json`, its database row id included.
    row_id = db.execute("SELECT id FROM consumers WHERE identifier = 'key-1'").fetchone()[0]
    assert first["consumer"] == {
        "id": "key-1",
        "label": "Acme",
        "email": "ops@acme.test",
        "group": "Gold",
        "row_id": row_id,
    }
    assert str(first["started_at"]).endswith("Z")
    assert first["request_headers"] == [["Host", "localhost:8000"], ["User-Agent", "pytest/1.0"]]
    assert failed["status"] is None and failed["error"] == "Connection refused"
    assert failed["consumer"] is None and failed["duration_ms"] is None


def test_bodies_are_text_or_base64_with_an_encoding_flag(db: sqlite3.Connection) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\xff"
    write_batch(
        db,
        [
            make_exchange(json_body={"name": "Zoë"}),
            make_exchange(
                response_body=Body(content=png, size=10, wire_size=10, content_type="image/png")
            ),
        ],
    )
    text, binary = _export(db)
    body = text["response_body"]
    assert isinstance(body, dict)
    assert body["encoding"] == "utf-8" and json.loads(body["text"]) == {"name": "Zoë"}
    image = binary["response_body"]
    assert isinstance(image, dict)
    assert image["encoding"] == "base64" and base64.b64decode(image["text"]) == png


def test_uids_are_stable_across_exports(db: sqlite3.Connection) -> None:
    exchange = make_exchange()
    write_batch(db, [exchange])
    assert _export(db)[0]["uid"] == _export(db)[0]["uid"] == exchange.uid
