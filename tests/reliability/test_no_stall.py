"""No client can stall the others: bombs and header floods cost bounded work on the event loop.

Another client keeps sending small requests through the same proxy while one client pulls a
compression bomb (or a 16 MB header block) through it; the other client's worst latency during
the attack stays within a second of its worst latency before it. Each hostile exchange is still
stored, saying that decoding stopped or the header block was cut.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from inspector.config.defaults import DEFAULT_MAX_BODY_BYTES as MAX_BODY_BYTES
from tests.capture.capture_servers import Upstream
from tests.capture.capture_support import ProxyProcess, wait_for_exchanges
from tests.reliability.hostile_servers import (
    GIANT_BOMB_MEMBERS,
    HEADER_BOMB_BYTES,
    SMALL_BOMB_MEMBERS,
    gzip_member,
    zstd_bomb,
)

pytestmark = [pytest.mark.capture, pytest.mark.timeout(180)]

EXTRA_LATENCY_BOUND_S = 1.0


class Prober:
    """Sequential small GETs through the proxy on one keep-alive connection, timing each."""

    def __init__(self, proxy: ProxyProcess, upstream: Upstream, prefix: str) -> None:
        self.url = f"http://127.0.0.1:{upstream.port}{prefix}"
        self.proxy_port = proxy.port
        self.latencies_s: list[float] = []
        self.stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.proxy_port, timeout=120)
        index = 0
        while not self.stop.is_set():
            began = time.monotonic()
            conn.request("GET", f"{self.url}/{index}/json")
            response = conn.getresponse()
            response.read()
            assert response.status == 200
            self.latencies_s.append(time.monotonic() - began)
            index += 1
        conn.close()

    def __enter__(self) -> Prober:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self._thread.join(150)


def _worst_latency_during(
    proxy: ProxyProcess, upstream: Upstream, prefix: str, attack: Callable[[], None]
) -> tuple[float, float, int]:
    """(worst before, worst during, requests during) of another client around `attack()`."""
    with Prober(proxy, upstream, f"{prefix}/before") as before:
        while len(before.latencies_s) < 40:
            time.sleep(0.01)
    with Prober(proxy, upstream, f"{prefix}/during") as during:
        attack()
    return max(before.latencies_s), max(during.latencies_s), len(during.latencies_s)


def _assert_not_stalled(before: float, during: float, count: int, what: str) -> None:
    print(f"\n{what}: other client's worst latency {before * 1000:.0f} ms before, "
          f"{during * 1000:.0f} ms during ({count} requests)")  # fmt: skip
    assert count >= 1
    assert during < before + EXTRA_LATENCY_BOUND_S, f"{what} stalled another client"


@pytest.mark.parametrize(
    "route",
    ["giant-bomb", "small-bomb", "zstd-bomb"],
    ids=["gzip-10MB-to-10GiB-streamed", "gzip-1MB-to-1GiB-buffered", "zstd-1MB-to-32GiB-buffered"],
)
def test_a_compression_bomb_response_does_not_stall_other_clients(
    proxy: ProxyProcess, upstream: Upstream, hostile_port: int, route: str
) -> None:
    wire = {
        "giant-bomb": gzip_member() * GIANT_BOMB_MEMBERS,
        "small-bomb": gzip_member() * SMALL_BOMB_MEMBERS,
        "zstd-bomb": zstd_bomb(),
    }[route]
    received: list[bytes] = []

    def attack() -> None:
        with httpx.Client(proxy=proxy.url, timeout=120) as client:
            url = f"http://127.0.0.1:{hostile_port}/stall-{route}/{route}"
            with client.stream("GET", url) as response:
                received.append(b"".join(response.iter_raw()))

    before, during, count = _worst_latency_during(proxy, upstream, f"/probe-{route}", attack)
    assert received == [wire], "the client gets the compressed bytes as sent"
    _assert_not_stalled(before, during, count, route)
    (stored,) = wait_for_exchanges(proxy.db_path, f"/stall-{route}/", 1)
    body = stored.response_body
    assert body.decoding_stopped and body.truncated
    assert len(body.content) == MAX_BODY_BYTES and body.content == bytes(MAX_BODY_BYTES)
    # Stopped within the bomb ratio of the first input slice: a lower bound, far below the truth.
    assert MAX_BODY_BYTES < body.size <= 101 * 64 * 1024 and body.wire_size == len(wire)


def test_a_gzip_bomb_upload_does_not_stall_other_clients(
    proxy: ProxyProcess, upstream: Upstream, hostile_port: int
) -> None:
    wire = gzip_member() * GIANT_BOMB_MEMBERS

    def attack() -> None:
        with httpx.Client(proxy=proxy.url, timeout=120) as client:
            response = client.post(
                f"http://127.0.0.1:{hostile_port}/stall-upload/json",
                content=wire,
                headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
            )
            assert response.status_code == 200

    before, during, count = _worst_latency_during(proxy, upstream, "/probe-upload", attack)
    _assert_not_stalled(before, during, count, "gzip bomb upload")
    (stored,) = wait_for_exchanges(proxy.db_path, "/stall-upload/", 1)
    assert stored.request_body.decoding_stopped and stored.request_body.wire_size == len(wire)


def test_a_16_mb_header_block_is_passed_on_and_stored_cut(
    proxy: ProxyProcess, upstream: Upstream, hostile_port: int
) -> None:
    seen: list[int] = []

    def attack() -> None:
        # Raw socket: httpx and http.client refuse header lines this long themselves.
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=120) as sock:
            target = f"http://127.0.0.1:{hostile_port}/stall-headers/header-bomb"
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{hostile_port}\r\n"
                         "Connection: close\r\n\r\n".encode())  # fmt: skip
            answer = bytearray()
            while chunk := sock.recv(1 << 20):
                answer += chunk
        head, _, body = bytes(answer).partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and body == b"{}"
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"x-bomb:"):
                seen.append(len(line.split(b":", 1)[1].strip()))

    before, during, count = _worst_latency_during(proxy, upstream, "/probe-headers", attack)
    assert seen == [HEADER_BOMB_BYTES], "the client gets the whole header"
    _assert_not_stalled(before, during, count, "16 MB header block")
    (stored,) = wait_for_exchanges(proxy.db_path, "/stall-headers/", 1)
    value = dict(stored.response_headers)["X-Bomb"]
    assert value.startswith("bbbb") and "header block cut at 1,048,576 bytes" in value
    assert len(value) < MAX_BODY_BYTES + 200
