"""Helpers for the service exporter tests: a scriptable local HTTP server, a fake clock, and a
structural comparison of payloads with the golden captures."""

from __future__ import annotations

import gzip
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# Captures of the real SDKs' payloads (from the team's reference material), kept with the tests
# so the suite does not depend on files outside the repository.
GOLDEN = Path(__file__).resolve().parent / "golden"


def golden(name: str) -> dict[str, Any]:
    path = GOLDEN / name
    if not path.exists():  # never skip silently: the comparison is the point of the test
        raise AssertionError(f"golden capture {path} is missing")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return type(value).__name__


def structure_diff(ours: Any, theirs: Any, path: str = "$", *, ordered: bool = True) -> str | None:
    """The first path where two JSON documents differ in keys (and their order) or value
    types; None when they have the same structure. Lists compare element by element."""
    if _kind(ours) != _kind(theirs):
        return f"{path}: {_kind(ours)} here, {_kind(theirs)} in the golden file"
    if isinstance(ours, dict):
        our_keys, their_keys = list(ours), list(theirs)
        if not ordered:
            our_keys, their_keys = sorted(our_keys), sorted(their_keys)
        if our_keys != their_keys:
            return f"{path}: keys {our_keys} here, {their_keys} in the golden file"
        for key in ours:
            found = structure_diff(ours[key], theirs[key], f"{path}.{key}", ordered=ordered)
            if found:
                return found
    elif isinstance(ours, list):
        if len(ours) != len(theirs):
            return f"{path}: {len(ours)} items here, {len(theirs)} in the golden file"
        for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            found = structure_diff(a, b, f"{path}[{index}]", ordered=ordered)
            if found:
                return found
    return None


def attributes_as_map(node: Any) -> Any:
    """OTLP `attributes: [{key, value}]` lists as {key: value} maps, recursively, so that two
    payloads compare by attribute name rather than by position."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if (
                key in ("attributes", "values")
                and isinstance(value, list)
                and all(isinstance(v, dict) and set(v) == {"key", "value"} for v in value)
            ):
                out[key] = {v["key"]: attributes_as_map(v["value"]) for v in value}
            else:
                out[key] = attributes_as_map(value)
        return out
    if isinstance(node, list):
        return [attributes_as_map(v) for v in node]
    return node


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def ungzipped(self) -> bytes:
        if self.headers.get("content-encoding") == "gzip":
            return gzip.decompress(self.body)
        return self.body


# A reply is (status, headers, body); "drop" closes the connection without an answer and
# "hang" answers nothing until the server stops (the client's timeout fires first).
Reply = tuple[int, dict[str, str], bytes] | str


@dataclass
class ScriptedServer:
    """A real HTTP/1.1 server on 127.0.0.1 whose answers follow a script, then a default.

    `accepted` holds only requests answered 2xx: what a real service would have stored.
    """

    default: Callable[[Received], Reply] = lambda _r: (200, {}, b"{}")
    script: list[Reply] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    accepted: list[Received] = field(default_factory=list)
    _release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "") -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def start(self) -> ScriptedServer:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else keep-alive answers wait for a delayed ACK

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Received(
                    self.command, self.path,
                    {k.lower(): v for k, v in self.headers.items()}, body,
                )  # fmt: skip
                with outer._lock:
                    outer.received.append(request)
                    reply = outer.script.pop(0) if outer.script else outer.default(request)
                if reply == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if reply == "hang":
                    outer._release.wait(10)
                    self.close_connection = True
                    return
                assert not isinstance(reply, str)
                status, headers, payload = reply
                if 200 <= status < 300:
                    # Recorded before answering, so a client that got its answer sees it here.
                    with outer._lock:
                        outer.accepted.append(request)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_HEAD = _handle

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()


def running(server: ScriptedServer) -> Iterator[ScriptedServer]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


class FakeClock:
    """Monotonic and wall clock whose sleep advances time instead of waiting."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
