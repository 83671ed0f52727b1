"""The HTTP transport: answers, timeouts and refused connections, without leaking credentials."""

from __future__ import annotations

import socket

import pytest

from inspector.exporters.transport import (
    USER_AGENT,
    HttpRequest,
    HttpxTransport,
    TransportError,
    redact_url,
)
from tests.exporters.service_support import ScriptedServer


def test_sends_headers_and_body_and_reads_the_answer(
    transport: HttpxTransport, server: ScriptedServer
) -> None:
    server.script = [(429, {"Retry-After": "5", "X-Thing": "a"}, b"busy")]
    request = HttpRequest("POST", server.url("/v1/x"), (("X-Key", "v"),), b"payload")
    response = transport.send(request, timeout_s=2)
    assert (response.status, response.text) == (429, "busy")
    assert response.headers["retry-after"] == "5"
    (received,) = server.received
    assert received.body == b"payload" and received.headers["x-key"] == "v"
    assert received.headers["user-agent"] == USER_AGENT


def test_a_closed_port_is_a_connection_error(transport: HttpxTransport) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransportError) as caught:
        transport.send(HttpRequest("GET", f"http://user:pw@127.0.0.1:{port}/"), timeout_s=2)
    assert caught.value.kind == "connection"
    assert "pw" not in str(caught.value) and f"127.0.0.1:{port}" in str(caught.value)


def test_no_answer_in_time_is_a_timeout(transport: HttpxTransport, server: ScriptedServer) -> None:
    server.script = ["hang"]
    with pytest.raises(TransportError) as caught:
        transport.send(HttpRequest("GET", server.url("/")), timeout_s=0.2)
    assert caught.value.kind == "timeout"


def test_proxy_variables_are_ignored(
    transport: HttpxTransport, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An exporter run beside a capture must not send its own traffic through the proxy.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    fresh = HttpxTransport()
    try:
        assert fresh.send(HttpRequest("GET", server.url("/")), timeout_s=2).status == 200
    finally:
        fresh.close()


def test_redact_url() -> None:
    assert redact_url("https://u:p@es.local:9200/x?y=1") == "https://es.local:9200/x?y=1"
    assert redact_url("http://plain.local/") == "http://plain.local/"
