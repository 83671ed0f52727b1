"""Real clients through a real `inspector capture` to real servers: what lands in the database."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import httpx
import pytest
import wsproto
import wsproto.events

from inspector.model import Exchange
from inspector.store import iter_exchanges, open_db
from inspector.store.filters import SqlFilter
from inspector.testing import wait_until
from tests.capture.capture_servers import BINARY, ENCODERS, PAYLOAD, Upstream
from tests.capture.capture_support import MAX_BODY_BYTES, ProxyProcess, wait_for_exchanges

pytestmark = pytest.mark.capture


def test_get_lands_with_every_field(
    capture: ProxyProcess, client: httpx.Client, upstream: Upstream, prefix: str
) -> None:
    headers = [("X-Trace", "one"), ("X-Trace", "two"), ("User-Agent", "capture-test/1.0")]
    before = time.time()
    response = client.get(upstream.url(f"{prefix}/json?page=2&sort=name"), headers=headers)
    elapsed_ms = (time.time() - before) * 1000
    assert response.status_code == 200

    [exchange] = wait_for_exchanges(capture.db_path, prefix)
    assert (exchange.method, exchange.scheme, exchange.host) == ("GET", "http", "127.0.0.1")
    assert (exchange.port, exchange.path, exchange.query) == (
        upstream.port,
        f"{prefix}/json",
        "page=2&sort=name",
    )
    assert (exchange.status, exchange.reason, exchange.http_version) == (200, "OK", "HTTP/1.1")
    assert exchange.error is None
    traces = [value for name, value in exchange.request_headers if name.lower() == "x-trace"]
    assert traces == ["one", "two"]
    assert exchange.user_agent == "capture-test/1.0"
    assert exchange.response_body.content == response.content
    assert exchange.response_body.content_type == "application/json"
    assert json.loads(exchange.response_body.content)["ok"] is True
    assert before - 1 <= exchange.started_at <= time.time()
    assert exchange.duration_ms is not None and 0 < exchange.duration_ms <= elapsed_ms
    assert exchange.ttfb_ms is not None and 0 < exchange.ttfb_ms <= exchange.duration_ms
    assert exchange.client_address == "127.0.0.1" and exchange.client_port
    assert (exchange.server_address, exchange.server_port) == ("127.0.0.1", upstream.port)


@pytest.mark.parametrize(
    ("kind", "content", "content_type"),
    [
        ("json", json.dumps({"name": "Ada", "tags": ["x"]}).encode(), "application/json"),
        ("form", b"name=Ada&lang=en", "application/x-www-form-urlencoded"),
        ("binary", BINARY, "application/octet-stream"),
    ],
)
def test_request_bodies_land_as_sent(
    capture: ProxyProcess,
    client: httpx.Client,
    upstream: Upstream,
    prefix: str,
    kind: str,
    content: bytes,
    content_type: str,
) -> None:
    response = client.post(
        upstream.url(f"{prefix}/echo"), content=content, headers={"Content-Type": content_type}
    )
    assert response.content == content

    [exchange] = wait_for_exchanges(capture.db_path, prefix)
    assert exchange.method == "POST"
    for body in (exchange.request_body, exchange.response_body):
        assert body.content == content
        assert body.size == body.wire_size == len(content)
        assert body.content_type == content_type
        assert not body.truncated
    assert exchange.request_body.is_text == (kind != "binary")


@pytest.mark.parametrize("encoding", sorted(ENCODERS))
def test_encoded_responses_are_stored_decoded(
    capture: ProxyProcess, client: httpx.Client, upstream: Upstream, prefix: str, encoding: str
) -> None:
    client.get(upstream.url(f"{prefix}/{encoding}"), headers={"Accept-Encoding": encoding})

    [exchange] = wait_for_exchanges(capture.db_path, prefix)
    body = exchange.response_body
    assert body.content == PAYLOAD
    assert body.size == len(PAYLOAD)
    assert body.wire_size == len(ENCODERS[encoding](PAYLOAD)) < len(PAYLOAD)
    assert exchange.response_header("content-encoding") == encoding


def test_broken_encoding_keeps_the_raw_bytes(
    capture: ProxyProcess, upstream: Upstream, prefix: str
) -> None:
    # httpx would refuse to decode it; the proxy must still pass it on and record it.
    with (
        httpx.Client(proxy=capture.url, timeout=10) as http,
        http.stream("GET", upstream.url(f"{prefix}/broken-gzip")) as response,
    ):
        assert response.status_code == 200
        raw = b"".join(response.iter_raw())
    assert raw == b"this is not gzip at all"

    [exchange] = wait_for_exchanges(capture.db_path, prefix)
    assert exchange.response_body.content == raw
    assert exchange.response_body.size == exchange.response_body.wire_size == len(raw)


def test_chunked_response_is_recorded_whole(
    capture: ProxyProcess, client: httpx.Client, upstream: Upstream, prefix: str
) -> None:
    response = client.get(upstream.url(f"{prefix}/chunked?chunks=5&size=1000"))
    assert len(response.content) == 5000

    [exchange] = wait_for_exchanges(capture.db_path, prefix)
    assert exchange.response_body.content == response.content
    assert exchange.response_body.size == 5000
    assert not exchange.response_body.truncated
    assert exchange.response_header("transfer-encoding") == "chunked"


def test_large_response_is_truncated_with_its_real_size(
    capture: ProxyProcess, client: httpx.Client, upstream: Upstream, prefix: str
) -> None:
    size = MAX_BODY_BYTES * 4 + 17
    response = client.get(upstream.url(f"{prefix}/large?bytes={size}"))
    assert len(response.content) == size  # the client got everything

    [exchange] = wait_for_exchanges(capture.db_path, prefix)
    body = exchange.response_body
    assert body.truncated
    assert body.size == body.wire_size == size
    assert body.content == b"L" * MAX_BODY_BYTES


def test_large_streamed_gzip_counts_its_decoded_size(
    capture: ProxyProcess, client: httpx.Client, upstream: Upstream, prefix: str
) -> None:
    size = MAX_BODY_BYTES * 3
    response = client.get(upstream.url(f"{prefix}/gzip-stream?bytes={size}"))
    assert len(response.content) == size  # httpx decodes gzip

    [exchange] = wait_for_exchanges(capture.db_path, prefix)
    body = exchange.response_body
    assert body.truncated and body.size == size
    assert body.content == response.content[:MAX_BODY_BYTES]
    assert 0 < body.wire_size < size


def test_large_request_body_is_truncated_and_fully_forwarded(
    capture: ProxyProcess, client: httpx.Client, upstream: Upstream, prefix: str
) -> None:
    content = bytes(range(256)) * (MAX_BODY_BYTES // 128)
    response = client.post(upstream.url(f"{prefix}/json"), content=content)
    assert response.json()["received_bytes"] == len(content)

    [exchange] = wait_for_exchanges(capture.db_path, prefix)
    body = exchange.request_body
    assert body.truncated and body.size == len(content)
    assert body.content == content[:MAX_BODY_BYTES]


def test_chunked_upload_is_recorded(
    capture: ProxyProcess, client: httpx.Client, upstream: Upstream, prefix: str
) -> None:
    parts = [b"first,", b"second,", b"third"]
    response = client.post(upstream.url(f"{prefix}/echo"), content=iter(parts))
    assert response.content == b"".join(parts)

    [exchange] = wait_for_exchanges(capture.db_path, prefix)
    assert exchange.request_header("transfer-encoding") == "chunked"
    assert exchange.request_body.content == b"".join(parts)
    assert exchange.request_body.size == len(b"".join(parts))


def test_error_status_is_recorded(
    capture: ProxyProcess, client: httpx.Client, upstream: Upstream, prefix: str
) -> None:
    assert client.delete(upstream.url(f"{prefix}/status?code=503")).status_code == 503

    [exchange] = wait_for_exchanges(capture.db_path, prefix)
    assert (exchange.method, exchange.status, exchange.error) == ("DELETE", 503, None)
    assert exchange.is_error and not exchange.failed


def test_refused_upstream_is_recorded_with_its_error(
    capture: ProxyProcess, client: httpx.Client, prefix: str
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]  # nothing listens here once the socket closes
    response = client.get(f"http://127.0.0.1:{closed_port}{prefix}/json")
    assert response.status_code == 502  # mitmproxy's answer to the client

    [exchange] = wait_for_exchanges(capture.db_path, prefix)
    assert exchange.status is None and exchange.failed
    assert exchange.error and str(closed_port) in exchange.error
    assert exchange.duration_ms is not None


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens here once the socket closes


def _connect_failures(db_path: Path, port: int) -> list[Exchange]:
    conn = open_db(db_path, readonly=True)
    try:
        where = SqlFilter("e.method = 'CONNECT' AND e.port = ?", (port,))
        return [exchange for _, exchange in iter_exchanges(conn, where)]
    finally:
        conn.close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "api.example.invalid"])
def test_an_https_api_that_is_down_or_unresolvable_is_recorded_as_failed(
    capture: ProxyProcess, client: httpx.Client, host: str
) -> None:
    # mitmproxy opens the server connection at the CONNECT: when that fails the client gets a
    # 502 and sends no request, so no request hook runs and this used to leave no trace at all.
    port = _closed_port()
    with pytest.raises(httpx.ProxyError, match="502"):
        client.get(f"https://{host}:{port}/orders")

    [exchange] = wait_until(lambda: _connect_failures(capture.db_path, port),
                            what=f"the failed CONNECT to {host}:{port}")  # fmt: skip
    assert (exchange.scheme, exchange.host, exchange.port) == ("https", host, port)
    assert exchange.status is None and exchange.failed and exchange.is_error
    assert exchange.error and exchange.error.startswith(f"Cannot connect to {host}:{port}")
    assert "connection_strategy" not in exchange.error  # mitmproxy's advice to its own users
    assert exchange.response_body.size == 0 and exchange.response_headers == ()


def test_client_that_goes_away_is_recorded_with_its_error(
    capture: ProxyProcess, upstream: Upstream, prefix: str
) -> None:
    with httpx.Client(proxy=capture.url, timeout=0.3) as http, pytest.raises(httpx.ReadTimeout):
        http.get(upstream.url(f"{prefix}/slow?ms=3000"))

    [exchange] = wait_for_exchanges(capture.db_path, prefix)
    assert exchange.status is None
    assert exchange.error and "disconnect" in exchange.error.lower()


def test_https_through_the_mitmproxy_ca(
    capture: ProxyProcess, tls_server: Upstream, prefix: str
) -> None:
    with httpx.Client(proxy=capture.url, verify=capture.tls_context(), timeout=10) as http:
        response = http.post(tls_server.url(f"{prefix}/json", host="localhost"), json={"a": 1})
    assert response.status_code == 200 and response.http_version == "HTTP/1.1"

    [exchange] = wait_for_exchanges(capture.db_path, prefix)
    assert (exchange.scheme, exchange.host, exchange.port) == (
        "https",
        "localhost",
        tls_server.port,
    )
    assert json.loads(exchange.request_body.content) == {"a": 1}
    assert exchange.response_body.content == response.content


def test_http2_through_the_proxy(capture: ProxyProcess, tls_server: Upstream, prefix: str) -> None:
    with httpx.Client(
        proxy=capture.url, verify=capture.tls_context(), http2=True, timeout=10
    ) as http:
        responses = [
            http.post(tls_server.url(f"{prefix}/h2/{i}", host="localhost"), content=b"x" * i)
            for i in range(1, 4)
        ]
    assert {response.http_version for response in responses} == {"HTTP/2"}
    assert [r.json()["received_bytes"] for r in responses] == [1, 2, 3]

    exchanges = wait_for_exchanges(capture.db_path, prefix, count=3)
    assert {exchange.http_version for exchange in exchanges} == {"HTTP/2.0"}
    assert sorted(exchange.request_body.size for exchange in exchanges) == [1, 2, 3]
    assert all(json.loads(e.response_body.content)["protocol"] == "h2" for e in exchanges)


def test_http2_response_without_length_is_streamed_and_recorded(
    capture: ProxyProcess, tls_server: Upstream, prefix: str
) -> None:
    with httpx.Client(
        proxy=capture.url, verify=capture.tls_context(), http2=True, timeout=10
    ) as http:
        response = http.get(tls_server.url(f"{prefix}/nolength", host="localhost"))
    assert response.http_version == "HTTP/2" and "content-length" not in response.headers

    [exchange] = wait_for_exchanges(capture.db_path, prefix)
    assert exchange.response_body.content == response.content
    assert exchange.response_body.size == len(response.content) > 0


def _websocket_session(
    proxy: ProxyProcess, upstream: Upstream, path: str, texts: list[str]
) -> None:
    """A WebSocket client through the proxy (CONNECT, then the upgrade), echoing `texts`."""
    with socket.create_connection((proxy.host, proxy.port), timeout=10) as sock:
        target = f"127.0.0.1:{upstream.port}"
        sock.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
        reply = b""
        while b"\r\n\r\n" not in reply:
            reply += sock.recv(4096)
        assert reply.startswith(b"HTTP/1.1 200")
        ws = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
        sock.sendall(ws.send(wsproto.events.Request(host=target, target=path)))
        echoed: list[str] = []
        accepted = False
        while not accepted or len(echoed) < len(texts):
            data = sock.recv(65536)
            assert data, "the proxy closed the WebSocket early"
            ws.receive_data(data)
            for event in ws.events():
                if isinstance(event, wsproto.events.AcceptConnection):
                    accepted = True
                    for text in texts:
                        sock.sendall(ws.send(wsproto.events.Message(data=text)))
                elif isinstance(event, wsproto.events.TextMessage):
                    echoed.append(event.data)
        assert echoed == texts
        sock.sendall(ws.send(wsproto.events.CloseConnection(code=1000)))
        while True:
            data = sock.recv(65536)
            if not data:
                break
            ws.receive_data(data)
            if any(isinstance(e, wsproto.events.CloseConnection) for e in ws.events()):
                break


def test_websocket_records_handshake_and_message_counts(
    capture: ProxyProcess, upstream: Upstream, prefix: str
) -> None:
    texts = ["hello", "wide world", "!"]
    _websocket_session(capture, upstream, f"{prefix}/ws", texts)

    [exchange] = wait_for_exchanges(capture.db_path, prefix)
    assert exchange.status == 101
    assert (exchange.request_header("upgrade") or "").lower() == "websocket"
    assert exchange.websocket_messages == 2 * len(texts)  # each echoed back
    assert exchange.websocket_bytes == 2 * sum(len(text.encode()) for text in texts)


def test_credentials_never_reach_the_database_file(
    capture: ProxyProcess, client: httpx.Client, upstream: Upstream, prefix: str
) -> None:
    secret = "s3cr3t-token-" + prefix.strip("/")
    client.get(upstream.url(f"{prefix}/json"), headers={"Authorization": f"Bearer {secret}"})

    [exchange] = wait_for_exchanges(capture.db_path, prefix)
    assert exchange.request_header("authorization") not in (None, f"Bearer {secret}")
    for path in capture.db_path.parent.iterdir():
        if path.name.startswith(capture.db_path.name):
            assert secret.encode() not in path.read_bytes(), path
