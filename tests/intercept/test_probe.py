"""Asking what listens on an address: a capture names its database, CA and modes; nothing there is
None; anything else is NotACapture saying what it answered."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from inspector.intercept.probe import CaptureInfo, NotACapture, probe_capture
from tests.capture.capture_servers import Upstream
from tests.capture.capture_support import ProxyProcess, wait_for_exchanges


@pytest.mark.capture
def test_the_probe_names_database_and_ca_and_is_never_recorded(
    capture: ProxyProcess, upstream: Upstream, prefix: str
) -> None:
    info = probe_capture(capture.host, capture.port)

    assert info is not None
    assert info.db_path == capture.db_path.resolve()
    assert info.confdir == capture.confdir.resolve()
    assert info.modes == ("regular",)
    assert info.reverse_mode is None
    with httpx.Client(proxy=capture.url) as http:
        assert http.get("http://inspector.invalid/other").status_code == 404
        http.get(upstream.url(f"{prefix}/json"))  # committed after the probes
    wait_for_exchanges(capture.db_path, prefix)
    conn = sqlite3.connect(capture.db_path)
    try:
        probes = conn.execute("SELECT count(*) FROM exchanges WHERE host = 'inspector.invalid'")
        assert probes.fetchone()[0] == 0
    finally:
        conn.close()


class _Answers(BaseHTTPRequestHandler):
    """Another program on the port: answers every request with `reply` (status, body)."""

    reply: ClassVar[tuple[int, bytes]] = (404, b"<html>not found</html>")
    seen: ClassVar[list[tuple[str, str]]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Host", "")))
        status, body = self.reply
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def _serve(status: int, body: bytes) -> Iterator[tuple[int, list[tuple[str, str]]]]:
    seen: list[tuple[str, str]] = []

    class Handler(_Answers):
        pass

    Handler.reply, Handler.seen = (status, body), seen
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield int(server.server_address[1]), seen
    finally:
        server.shutdown()
        server.server_close()


def _ours(**changes: object) -> bytes:
    answer = {"app": "api-inspector", "db": "/data/capture.db", "confdir": "/data/mitmproxy",
              "mode": ["regular"], "pid": 4242}  # fmt: skip
    return json.dumps({**answer, **changes}).encode()


def test_nothing_listening_is_none() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: connections are refused
        assert probe_capture("127.0.0.1", port) is None


def test_a_capture_s_answer_is_read_from_the_proxy_request_it_expects() -> None:
    with _serve(200, _ours(mode=["reverse:http://127.0.0.1:8000", "socks5"])) as (port, seen):
        info = probe_capture("127.0.0.1", port)
        assert info == CaptureInfo(Path("/data/capture.db"), Path("/data/mitmproxy"),
                                   ("reverse:http://127.0.0.1:8000", "socks5"), 4242)  # fmt: skip
        # Sent as to a proxy: the absolute URL of the reserved host, never a real one.
        assert seen == [("http://inspector.invalid/capture", "inspector.invalid")]


@pytest.mark.parametrize(
    ("status", "body"),
    [(404, b"<html>not found</html>"), (200, b'{"app": "something-else"}'),
     (200, b"[1, 2]"), (200, _ours(pid="not a number")), (200, _ours(mode=None)),
     (503, _ours()), (200, b"")],
    ids=["html-404", "other-app", "not-an-object", "bad-pid", "no-modes", "error-status", "empty"],
)  # fmt: skip
def test_another_server_on_the_port_is_not_a_capture(status: int, body: bytes) -> None:
    with _serve(status, body) as (port, _):
        with pytest.raises(NotACapture) as caught:
            probe_capture("127.0.0.1", port)
        assert str(caught.value) == (
            f"127.0.0.1:{port} answered (HTTP {status}) but is not an API Inspector capture"
        )


def test_a_port_that_is_not_http_did_not_answer_as_a_proxy() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        def hang_up() -> None:
            connection, _ = listener.accept()
            connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
            connection.close()

        threading.Thread(target=hang_up, daemon=True).start()
        with pytest.raises(NotACapture, match=rf"^127\.0\.0\.1:{port} did not answer as a proxy"):
            probe_capture("127.0.0.1", port)


def test_a_silent_port_times_out_as_not_a_capture() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()  # accepted by the kernel, never answered
        port = listener.getsockname()[1]
        with pytest.raises(NotACapture, match="did not answer as a proxy"):
            probe_capture("127.0.0.1", port, timeout_s=0.3)


def test_an_ipv6_address_is_named_in_brackets() -> None:
    try:
        listener = socket.socket(socket.AF_INET6)
        listener.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with listener:
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(NotACapture, match=rf"^\[::1\]:{port} did not answer"):
            probe_capture("::1", port, timeout_s=0.3)


@pytest.mark.parametrize(
    ("modes", "reverse"),
    [((), None), (("regular",), None), (("reverse:http://a:1",), "reverse:http://a:1"),
     (("reverse:http://a:1", "reverse:http://b:2"), "reverse:http://a:1"),
     (("reverse:http://a:1", "socks5"), None)],
)  # fmt: skip
def test_reverse_mode_only_when_no_mode_is_a_proxy(
    modes: tuple[str, ...], reverse: str | None
) -> None:
    assert CaptureInfo(Path("db"), Path("conf"), modes, 1).reverse_mode == reverse
