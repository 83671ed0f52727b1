"""An upstream on 127.0.0.1 that misbehaves on purpose: endless, oversized, lying and broken."""

from __future__ import annotations

import json
import socket
import threading
import zlib
from collections.abc import Iterator
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Decoded size of the gzip bomb; it crosses the wire as about 0.1% of that.
BOMB_DECODED_BYTES = 256 * 1024 * 1024
# An endless response stops by itself after this much, so a test that fails cannot hang on it.
ENDLESS_CAP_BYTES = 2 * 1024 * 1024 * 1024
INVALID_UTF8 = b'{"name": "caf\xe9 \xff\xfe \xc3\x28"}'
MALFORMED_JSON = b'{"items": [1, 2, {"unterminated": "yes'
REPEATED_HEADERS = 500
HUGE_HEADER_BYTES = 48 * 1024


@cache
def gzip_bomb() -> bytes:
    """BOMB_DECODED_BYTES of zeros, gzip-compressed (built once, in bounded memory)."""
    packer = zlib.compressobj(9, wbits=31)  # 31: with a gzip header
    block = b"\0" * (1024 * 1024)
    out = bytearray()
    for _ in range(BOMB_DECODED_BYTES // len(block)):
        out += packer.compress(block)
    return bytes(out + packer.flush())


# The stalling bombs of issue 13: 10 MB of gzip that inflates to 10 GiB (many copies of one
# member: a valid gzip body), and one of 1 MiB (buffered whole by the proxy) inflating to 1 GiB.
GIANT_BOMB_MEMBER_DECODED_BYTES = 64 * 1024 * 1024
GIANT_BOMB_MEMBERS = 160
SMALL_BOMB_MEMBERS = 16
HEADER_BOMB_BYTES = 16 * 1024 * 1024


@cache
def gzip_member(decoded_bytes: int = GIANT_BOMB_MEMBER_DECODED_BYTES) -> bytes:
    """One gzip member of `decoded_bytes` zeros (built once, in bounded memory)."""
    packer = zlib.compressobj(9, wbits=31)
    block = b"\0" * (1024 * 1024)
    out = bytearray()
    for _ in range(decoded_bytes // len(block)):
        out += packer.compress(block)
    return bytes(out + packer.flush())


@cache
def zstd_bomb() -> bytes:
    """Just under 1 MiB of zstd frames (each 64 MiB of zeros): about 32 GiB decoded."""
    from inspector.capture.bodies import zstd

    frame = zstd.compress(bytes(GIANT_BOMB_MEMBER_DECODED_BYTES), level=3)
    return frame * ((1024 * 1024) // len(frame))


def _encoded(encoding: str) -> list[tuple[str, str]]:
    return [("Content-Type", "application/json"), ("Content-Encoding", encoding)]


class HostileHandler(BaseHTTPRequestHandler):
    """Routes by last path segment, like the capture suite's upstream."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(200)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drain_body(self) -> None:
        """Read (and forget) the request body, chunked or not, in bounded memory."""
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            while size := int(self.rfile.readline().split(b";")[0].strip(), 16):
                while size:
                    size -= len(self.rfile.read(min(size, 1024 * 1024)))
                self.rfile.readline()
            self.rfile.readline()
            return
        remaining = int(self.headers.get("content-length") or 0)
        while remaining:
            remaining -= len(self.rfile.read(min(remaining, 1024 * 1024)))

    def do_GET(self) -> None:
        self._drain_body()
        route = self.path.partition("?")[0].rstrip("/").rsplit("/", 1)[-1]
        if route == "endless":
            self._endless()
        elif route == "huge":
            self._huge(100 * 1024 * 1024)
        elif route == "bomb":
            self._send(gzip_bomb(), [("Content-Type", "text/plain"), ("Content-Encoding", "gzip")])
        elif route in ("giant-bomb", "small-bomb"):
            members = GIANT_BOMB_MEMBERS if route == "giant-bomb" else SMALL_BOMB_MEMBERS
            self._send(gzip_member() * members, _encoded("gzip"))
        elif route == "zstd-bomb":
            self._send(zstd_bomb(), _encoded("zstd"))
        elif route == "header-bomb":
            self._send(b"{}", [("Content-Type", "application/json"),
                               ("X-Bomb", "b" * HEADER_BOMB_BYTES)])  # fmt: skip
        elif route == "bad-utf8":
            self._send(INVALID_UTF8, [("Content-Type", "application/json; charset=utf-8")])
        elif route == "lying-encoding":
            body = json.dumps({"plain": True}).encode()
            self._send(body, [("Content-Type", "application/json"), ("Content-Encoding", "br")])
        elif route == "malformed-json":
            self._send(MALFORMED_JSON, [("Content-Type", "application/json")])
        elif route == "headers":
            repeated = [("X-Repeated", f"value-{i}") for i in range(REPEATED_HEADERS)]
            self._send(b"{}", [("Content-Type", "application/json"),
                               ("X-Huge", "h" * HUGE_HEADER_BYTES), *repeated])  # fmt: skip
        else:
            self._send(b'{"ok": true}', [("Content-Type", "application/json")])

    do_POST = do_GET

    def _huge(self, size: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        block = b"H" * (256 * 1024)
        for _ in range(size // len(block)):
            self.wfile.write(block)

    def _endless(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"e" * (64 * 1024)
        framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        for _ in range(ENDLESS_CAP_BYTES // len(chunk)):
            self.wfile.write(framed)  # the client hanging up ends this with an OSError
        self.wfile.write(b"0\r\n\r\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up on endless answers are the point


def hostile_upstream() -> Iterator[int]:
    """Serve on a free 127.0.0.1 port; yields the port."""
    server = _Server(("127.0.0.1", 0), HostileHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
