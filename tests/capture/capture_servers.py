"""Real upstream servers on 127.0.0.1 for capture tests: HTTP/1.1, TLS with HTTP/2, WebSocket.

Routes are chosen by the last path segment, so each test can put a unique prefix in front
(`/<test-id>/json`) and find its own rows in a shared capture database.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import brotlicffi
import h2.config
import h2.connection
import h2.events
import wsproto.connection
import wsproto.events

from inspector.capture.bodies import zstd
from inspector.testing.certificates import write_localhost_certificate

# A JSON document that compresses well, served in every content encoding.
PAYLOAD = json.dumps({"items": [{"id": i, "name": f"item {i}"} for i in range(300)]}).encode()
ENCODERS = {
    "gzip": lambda data: gzip.compress(data, mtime=0),
    "deflate": zlib.compress,
    "br": brotlicffi.compress,
    "zstd": lambda data: zstd.compress(data),
}
BINARY = bytes(range(256)) * 4
_WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _query(path: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(path.partition("?")[2]).items()}


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 that logs nothing; inside TLS, a client that chose HTTP/2 is served by
    `answer_h2`."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle adds 40 ms per request.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass

    def handle(self) -> None:
        connection = self.connection
        if isinstance(connection, ssl.SSLSocket) and connection.selected_alpn_protocol() == "h2":
            self.answer_h2(connection)
            return
        super().handle()

    def answer_h2(self, connection: ssl.SSLSocket) -> None:
        serve_h2(connection)


class UpstreamHandler(QuietHandler):
    """Serves the test routes over HTTP/1.1 (plain or inside TLS)."""

    def _read_body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            body = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(body)
                body += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._route()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _route(self) -> None:
        path = self.path.partition("?")[0]
        route = path.rstrip("/").rsplit("/", 1)[-1]
        params = _query(self.path)
        if route == "ws" and self.headers.get("upgrade", "").lower() == "websocket":
            self._websocket()
            return
        body = self._read_body()
        if route == "json":
            document = {"ok": True, "method": self.command, "received_bytes": len(body)}
            self._send(200, json.dumps(document).encode(), "application/json")
        elif route == "headers":
            # What reached the server: a proxy must not forward its own credentials.
            names = sorted({name.lower() for name in self.headers})
            self._send(200, json.dumps({"header_names": names}).encode(), "application/json")
        elif route == "echo":
            content_type = self.headers.get("content-type", "application/octet-stream")
            self._send(200, body, content_type, {"X-Received-Bytes": str(len(body))})
        elif route in ENCODERS:
            encoded = ENCODERS[route](PAYLOAD)
            self._send(200, encoded, "application/json", {"Content-Encoding": route})
        elif route == "broken-gzip":
            self._send(200, b"this is not gzip at all", "text/plain", {"Content-Encoding": "gzip"})
        elif route == "binary":
            self._send(200, BINARY, "application/octet-stream")
        elif route == "status":
            code = int(params.get("code", "404"))
            self._send(code, json.dumps({"code": code}).encode(), "application/json")
        elif route == "large":
            self._large(int(params["bytes"]))
        elif route == "chunked":
            self._chunked(int(params.get("chunks", "4")), int(params.get("size", "1000")))
        elif route == "gzip-stream":
            self._gzip_stream(int(params["bytes"]))
        elif route == "slow":
            # The server takes its time: what a slow upstream looks like to the proxy.
            time.sleep(int(params.get("ms", "100")) / 1000)
            self._send(200, b'{"slow": true}', "application/json")
        else:
            self._send(404, b"no such route", "text/plain")

    def _large(self, size: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        block = b"L" * 65536
        remaining = size
        while remaining:
            part = block[: min(remaining, len(block))]
            self.wfile.write(part)
            remaining -= len(part)

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    def _chunked(self, chunks: int, size: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for index in range(chunks):
            self._write_chunk(bytes([ord("a") + index % 26]) * size)
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def _gzip_stream(self, size: int) -> None:
        """A chunked, gzip-encoded body of `size` decoded bytes of text."""
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        compressor = zlib.compressobj(wbits=31)
        # Log-like lines that differ, so the body compresses as real text does (about 3:1),
        # not as one repeated line would (1000:1, which capture treats as a compression bomb).
        # Letters only: long digit runs could pass for card numbers, which redaction masks.
        letters = bytes.maketrans(b"0123456789", b"ghijklmnop")
        text = b"".join(
            b"line %s\n" % hashlib.sha256(b"%d" % i).hexdigest().encode().translate(letters)
            for i in range(1200)
        )
        remaining, offset = size, 0
        while remaining:
            part = text[offset : offset + min(remaining, 65 * 1024)]
            offset = (offset + len(part)) % len(text)
            remaining -= len(part)
            out = compressor.compress(part)
            if out:
                self._write_chunk(out)
        self._write_chunk(compressor.flush())
        self.wfile.write(b"0\r\n\r\n")

    def _websocket(self) -> None:
        key = self.headers["sec-websocket-key"].encode()
        accept = base64.b64encode(hashlib.sha1(key + _WS_GUID).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        ws = wsproto.connection.Connection(wsproto.connection.ConnectionType.SERVER)
        sock = self.connection
        while True:
            data = sock.recv(65536)
            ws.receive_data(data or None)
            for event in ws.events():
                if isinstance(event, wsproto.events.Message):
                    sock.sendall(ws.send(wsproto.events.Message(data=event.data)))
                elif isinstance(event, wsproto.events.CloseConnection):
                    sock.sendall(ws.send(event.response()))
                    return
            if not data:
                return


H2Answer = Callable[[dict[str, str], bytes], tuple[int, list[tuple[str, str]], bytes]]


def serve_h2(sock: ssl.SSLSocket, respond: H2Answer | None = None) -> None:
    """A minimal HTTP/2 server: answers every request with JSON describing it, or with what
    `respond(headers, body)` returns (status, headers, body)."""
    config = h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
    conn = h2.connection.H2Connection(config=config)
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    requests: dict[int, tuple[dict[str, str], bytearray]] = {}
    while True:
        try:
            data = sock.recv(65536)
        except OSError:
            return
        if not data:
            return
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.RequestReceived):
                requests[event.stream_id] = (dict(event.headers), bytearray())
            elif isinstance(event, h2.events.DataReceived):
                requests[event.stream_id][1].extend(event.data)
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                headers, body = requests.pop(event.stream_id)
                if respond is not None:
                    status, extra, content = respond(headers, bytes(body))
                    conn.send_headers(
                        event.stream_id,
                        [(":status", str(status)), *((k.lower(), v) for k, v in extra),
                         ("content-length", str(len(content)))],
                    )  # fmt: skip
                    conn.send_data(event.stream_id, content, end_stream=True)
                    continue
                answer = json.dumps(
                    {
                        "protocol": "h2",
                        "path": headers[":path"],
                        "received_bytes": len(body),
                        "header_names": sorted(k for k in headers if not k.startswith(":")),
                    }
                ).encode()
                response_headers = [(":status", "200"), ("content-type", "application/json")]
                if not headers[":path"].endswith("/nolength"):
                    response_headers.append(("content-length", str(len(answer))))
                conn.send_headers(event.stream_id, response_headers)
                conn.send_data(event.stream_id, answer, end_stream=True)
            elif isinstance(event, h2.events.ConnectionTerminated):
                sock.sendall(conn.data_to_send())
                return
        sock.sendall(conn.data_to_send())


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that go away mid-answer are part of the tests


class _TLSServer(_QuietServer):
    def __init__(self, context: ssl.SSLContext) -> None:
        self.tls_context = context
        super().__init__(("127.0.0.1", 0), UpstreamHandler)

    def get_request(self) -> tuple[socket.socket, object]:
        sock, address = super().get_request()
        # The handshake happens in the handler's thread, not in the accept loop.
        return self.tls_context.wrap_socket(
            sock, server_side=True, do_handshake_on_connect=False
        ), address

    def finish_request(self, request: object, client_address: object) -> None:
        assert isinstance(request, ssl.SSLSocket)
        try:
            request.do_handshake()
        except (ssl.SSLError, OSError):
            return
        super().finish_request(request, client_address)


class _PlainServer(_QuietServer):
    pass


@dataclass
class Upstream:
    server: ThreadingHTTPServer
    scheme: str

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"


def _serve(server: ThreadingHTTPServer, scheme: str) -> Iterator[Upstream]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Upstream(server, scheme)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def serve_handler(
    handler: type[BaseHTTPRequestHandler], context: ssl.SSLContext | None = None
) -> Iterator[str]:
    """`handler` on a free 127.0.0.1 port (over TLS with `context`) while the generator is open;
    yields its base URL. The body of a test's own upstream fixture."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    for running in _serve(server, "https" if context else "http"):
        yield running.url("")


def plain_upstream() -> Iterator[Upstream]:
    yield from _serve(_PlainServer(("127.0.0.1", 0), UpstreamHandler), "http")


def tls_upstream(
    directory: Path, certificate: tuple[Path, Path] | None = None
) -> Iterator[Upstream]:
    """HTTPS on 127.0.0.1 offering HTTP/2 and HTTP/1.1 (ALPN), with `certificate` (cert, key
    paths), or a self-signed one."""
    cert_path, key_path = certificate or write_localhost_certificate(directory)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    context.set_alpn_protocols(["h2", "http/1.1"])
    yield from _serve(_TLSServer(context), "https")
