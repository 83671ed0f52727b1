"""Exchanges each filter singles out, and what a filter selects among them: shared by the tests
of the filter language (tests/store/test_filters.py) and of its terms (test_filter_terms.py)."""

from __future__ import annotations

import sqlite3

import pytest

from inspector.model import Body, Consumer, Exchange
from inspector.store.filters import FilterError, SqlFilter, compile_filter
from inspector.testing import make_exchange

NOW = 1_795_000_000.0  # a fixed "now" so relative times are reproducible
ACME = Consumer(id="key-acme-1234", label="Acme Corp", email="ops@acme.test", group="Enterprise")
GLOBEX = Consumer(id="key-globex-9", label="Globex", email="it@globex.test", group="Free")


def body(content: bytes, content_type: str, size: int | None = None) -> Body:
    size = len(content) if size is None else size
    return Body(content=content, size=size, wire_size=size, content_type=content_type)


def named_exchanges() -> list[tuple[str, Exchange]]:
    """Named exchanges, each with something the filters below single out."""
    return [
        ("get_user", make_exchange(
            uid="get_user", started_at=NOW - 60, consumer=ACME, duration_ms=12.5,
        )),
        ("post_order", make_exchange(
            uid="post_order", started_at=NOW - 3 * 3600, method="POST", scheme="https",
            host="api.local", port=443, path="/orders", status=201, duration_ms=650.0,
            consumer=GLOBEX, response_body=body(b"<order id='1'/>", "application/xml", 20480),
            response_headers=(("Content-Type", "application/xml"),),
            request_json={"sku": "quokka-plush", "qty": 2},
        )),
        ("not_found", make_exchange(
            uid="not_found", started_at=NOW - 120, path="/users/999", host="api.local",
            port=8080, status=404, duration_ms=30.0,
            response_body=body(b"<h1>page not found</h1>", "text/html; charset=utf-8"),
            response_headers=(("Content-Type", "text/html; charset=utf-8"),),
        )),
        ("server_error", make_exchange(
            uid="server_error", started_at=NOW - 2 * 86400, method="PUT", path="/users/7",
            status=503, duration_ms=1500.0, consumer=ACME,
            response_body=body(b"upstream overloaded", "text/plain"),
            response_headers=(("Content-Type", "text/plain"),),
        )),
        ("failed", make_exchange(
            uid="failed", started_at=NOW - 10, method="DELETE", path="/orders/5", status=None,
            reason="", duration_ms=None, error="Connection refused", response_body=Body(),
            response_headers=(),
        )),
        ("ws", make_exchange(
            uid="ws", started_at=NOW - 5, path="/socket", status=101, duration_ms=3.0,
            websocket_messages=5, websocket_bytes=320, response_body=Body(), response_headers=(),
        )),
        ("form", make_exchange(
            uid="form", started_at=NOW - 30, method="post", host="Api.Local", port=8080,
            path="/login", query="next=/home", status=302, duration_ms=80.0,
            request_headers=(("User-Agent", "curl/8.5.0"),),
            request_body=body(b"user=ada&remember=1", "application/x-www-form-urlencoded"),
            response_body=Body(), response_headers=(),
        )),
        ("image", make_exchange(
            uid="image", started_at=NOW - 40, path="/static/logo.png", duration_ms=200.0,
            response_body=body(b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png", 51200),
            response_headers=(("Content-Type", "image/png"),),
        )),
        ("spaced", make_exchange(
            uid="spaced", started_at=NOW - 50, path="/a b/c", duration_ms=1.0,
            json_body={"note": "hello 100% [sure] world"},
        )),
    ]  # fmt: skip


ALL = {name for name, _ in named_exchanges()}


def matching(conn: sqlite3.Connection, text: str | SqlFilter) -> set[str]:
    flt = compile_filter(text, now=NOW) if isinstance(text, str) else text
    rows = conn.execute(
        "SELECT e.uid FROM exchanges e LEFT JOIN consumers c ON c.id = e.consumer_id "
        f"WHERE ({flt.where})",
        flt.params,
    )
    return {row[0] for row in rows}


def assert_refused(text: str, position: int, length: int, message: str) -> None:
    """`text` is refused with `message`, pointing at `length` characters from `position`, and
    the command that met it exits 2."""
    with pytest.raises(FilterError) as caught:
        compile_filter(text, now=NOW)
    error = caught.value
    assert message in str(error)
    assert (error.position, error.length) == (position, length)
    assert error.exit_code == 2
