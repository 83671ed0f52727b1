"""flow -> Exchange on mitmproxy's own test flows (tflow), field by field."""

from __future__ import annotations

import gzip

import pytest
from mitmproxy import http
from mitmproxy.test import tflow, tutils

from inspector.capture.bodies import BodyRecorder
from inspector.capture.convert import flow_to_exchange

pytestmark = pytest.mark.capture


def test_a_complete_flow_becomes_an_exchange() -> None:
    request = tutils.treq(
        method=b"POST",
        path=b"/users/42?expand=orders&expand=tags",
        headers=http.Headers(
            [(b"Host", b"api.local"), (b"X-Tag", b"a"), (b"X-Tag", b"b"),
             (b"Content-Type", b"application/json"), (b"User-Agent", b"sdk/2")]
        ),
        content=b'{"name": "Ada"}',
        host="api.local",
        port=8000,
    )  # fmt: skip
    response = tutils.tresp(
        status_code=201,
        reason=b"Created",
        headers=http.Headers([(b"Content-Type", b"application/json; charset=utf-8")]),
        content=b'{"id": 42}',
    )
    flow = tflow.tflow(req=request, resp=response)

    exchange = flow_to_exchange(flow, max_body_bytes=1024)

    assert (exchange.method, exchange.scheme, exchange.host, exchange.port) == (
        "POST", "http", "api.local", 8000,
    )  # fmt: skip
    assert (exchange.path, exchange.query) == ("/users/42", "expand=orders&expand=tags")
    assert exchange.request_headers == (
        ("Host", "api.local"), ("X-Tag", "a"), ("X-Tag", "b"),
        ("Content-Type", "application/json"), ("User-Agent", "sdk/2"),
    )  # fmt: skip
    assert exchange.user_agent == "sdk/2"
    assert exchange.request_body.content == b'{"name": "Ada"}'
    assert exchange.request_body.content_type == "application/json"
    assert (exchange.status, exchange.reason) == (201, "Created")
    assert exchange.response_body.content == b'{"id": 42}'
    assert exchange.response_body.content_type == "application/json; charset=utf-8"
    # tflow times: request at ...200, response headers at ...202, response done at ...203.
    assert exchange.started_at == 946681200
    assert (exchange.ttfb_ms, exchange.duration_ms) == (2000.0, 3000.0)
    assert (exchange.client_address, exchange.client_port) == ("127.0.0.1", 22)
    assert (exchange.server_address, exchange.server_port) == ("192.168.0.1", 22)
    assert exchange.error is None and exchange.websocket_messages is None


def test_a_failed_flow_keeps_its_error_and_no_status() -> None:
    flow = tflow.tflow(err=True)
    flow.error.timestamp = flow.request.timestamp_start + 0.25  # type: ignore[union-attr]

    exchange = flow_to_exchange(flow, max_body_bytes=1024)

    assert exchange.status is None and exchange.error == "error"
    assert exchange.duration_ms == 250.0 and exchange.ttfb_ms is None
    assert exchange.failed and exchange.response_headers == ()


def test_encoded_bodies_are_stored_decoded_with_both_sizes() -> None:
    content = b"hello " * 100
    wire = gzip.compress(content, mtime=0)
    response = tutils.tresp(
        headers=http.Headers([(b"Content-Encoding", b"gzip"), (b"Content-Type", b"text/plain")]),
        content=None,
    )
    response.raw_content = wire
    exchange = flow_to_exchange(tflow.tflow(resp=response), max_body_bytes=100)

    body = exchange.response_body
    assert body.content == content[:100] and body.truncated
    assert (body.size, body.wire_size) == (len(content), len(wire))


def test_a_streamed_body_comes_from_its_recorder() -> None:
    response = tutils.tresp(content=None)
    recorder = BodyRecorder(content_encoding="", content_type="text/plain", max_bytes=4)
    for chunk in (b"abc", b"defg", b""):
        recorder(chunk)
    response.stream = recorder
    exchange = flow_to_exchange(tflow.tflow(resp=response), max_body_bytes=4)
    assert exchange.response_body.content == b"abcd"
    assert exchange.response_body.size == 7 and exchange.response_body.truncated


def test_non_utf8_header_bytes_become_latin1_text_not_escapes() -> None:
    request = tutils.treq(headers=http.Headers([(b"X-Name", b"Jos\xe9"), (b"Host", b"h")]))
    exchange = flow_to_exchange(tflow.tflow(req=request, resp=True), max_body_bytes=10)
    assert exchange.request_headers[0] == ("X-Name", "José")
    exchange.request_headers[0][1].encode("utf-8")  # storable: no surrogate escapes


def test_websocket_flows_count_messages_and_bytes() -> None:
    flow = tflow.tflow(resp=True, ws=True)
    messages = flow.websocket.messages  # type: ignore[union-attr]

    exchange = flow_to_exchange(flow, max_body_bytes=10)

    assert exchange.websocket_messages == len(messages) > 0
    assert exchange.websocket_bytes == sum(len(message.content) for message in messages)


def test_a_huge_header_block_is_cut_at_the_cap_and_says_so() -> None:
    flow = tflow.tflow(resp=True)
    assert flow.response is not None
    flow.response.headers["X-Small"] = "kept"
    flow.response.headers["X-Huge"] = "h" * 5000
    flow.response.headers["X-After"] = "left out"
    exchange = flow_to_exchange(flow, max_body_bytes=1000)
    headers = exchange.response_headers
    assert sum(len(name) + len(value.split("…")[0]) for name, value in headers) <= 1000
    assert ("X-Small", "kept") in headers
    name, value = headers[-1]
    assert name == "X-Huge" and value.startswith("hhh")
    assert "header block cut at 1,000 bytes" in value and "1 more headers not stored" in value
    assert "X-After" not in dict(headers)


def test_a_huge_header_name_is_cut_too() -> None:
    flow = tflow.tflow(resp=True)
    flow.request.headers["X-" + "n" * 5000] = "v"
    (name, value) = flow_to_exchange(flow, max_body_bytes=100).request_headers[-1]
    assert len(name) <= 100 and "not stored" in value
