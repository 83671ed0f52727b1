"""Hostile traffic: the proxy keeps serving, memory stays bounded, each exchange is stored.

One capture process (default settings: bodies kept up to 1 MiB) takes every hostile exchange in
turn; the last test checks it still serves and that its peak resident memory stayed bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from inspector.config.defaults import DEFAULT_MAX_BODY_BYTES as MAX_BODY_BYTES
from inspector.model import Exchange
from tests.capture.capture_support import ProxyProcess, wait_for_exchanges
from tests.reliability.hostile_servers import (
    BOMB_DECODED_BYTES,
    HUGE_HEADER_BYTES,
    INVALID_UTF8,
    MALFORMED_JSON,
    REPEATED_HEADERS,
    closed_port,
    gzip_bomb,
)

pytestmark = [pytest.mark.capture, pytest.mark.timeout(60)]

HUGE_BYTES = 100 * 1024 * 1024
ENDLESS_READ_BYTES = 20 * 1024 * 1024
# Peak resident memory of the capture process over the whole module: mitmproxy plus our recorder
# idle at about 100 MB; holding any one hostile body whole would pass this bound.
PEAK_RSS_BOUND_BYTES = 250 * 1024 * 1024


@pytest.fixture
def client(proxy: ProxyProcess) -> Iterator[httpx.Client]:
    with httpx.Client(proxy=proxy.url, timeout=30) as http:
        yield http


def _url(port: int, path: str) -> str:
    return f"http://127.0.0.1:{port}{path}"


def _one(proxy: ProxyProcess, path: str) -> Exchange:
    (exchange,) = wait_for_exchanges(proxy.db_path, path, 1)
    return exchange


def peak_rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc status")


def test_a_100_mb_streamed_response_and_upload_pass_whole_and_are_stored_truncated(
    proxy: ProxyProcess, client: httpx.Client, hostile_port: int
) -> None:
    with client.stream("GET", _url(hostile_port, "/h1/huge")) as response:
        received = sum(len(chunk) for chunk in response.iter_raw())
    assert received == HUGE_BYTES
    stored = _one(proxy, "/h1/huge")
    assert stored.response_body.size == HUGE_BYTES and stored.response_body.truncated
    assert len(stored.response_body.content) <= MAX_BODY_BYTES

    def upload() -> Iterator[bytes]:
        for _ in range(HUGE_BYTES // (1024 * 1024)):
            yield b"u" * (1024 * 1024)

    assert client.post(_url(hostile_port, "/h1up/json"), content=upload()).status_code == 200
    sent = _one(proxy, "/h1up/json")
    assert sent.request_body.size == HUGE_BYTES and sent.request_body.truncated
    assert len(sent.request_body.content) <= MAX_BODY_BYTES


def test_an_endless_chunked_response_the_client_gives_up_on_is_stored_truncated(
    proxy: ProxyProcess, client: httpx.Client, hostile_port: int
) -> None:
    received = 0
    with client.stream("GET", _url(hostile_port, "/h2/endless")) as response:
        for chunk in response.iter_raw():
            received += len(chunk)
            if received >= ENDLESS_READ_BYTES:
                break
    stored = _one(proxy, "/h2/endless")
    assert stored.response_body.truncated
    assert stored.response_body.size >= ENDLESS_READ_BYTES
    assert len(stored.response_body.content) <= MAX_BODY_BYTES
    assert stored.error, "an exchange the client abandoned is stored with its error"


def test_a_gzip_bomb_is_passed_on_as_is_and_stored_without_being_inflated(
    proxy: ProxyProcess, client: httpx.Client, hostile_port: int
) -> None:
    with client.stream("GET", _url(hostile_port, "/h3/bomb")) as response:
        raw = b"".join(response.iter_raw())
    assert raw == gzip_bomb()  # the client gets the bytes the server sent, still compressed
    stored = _one(proxy, "/h3/bomb")
    body = stored.response_body
    assert body.truncated and len(body.content) <= MAX_BODY_BYTES
    assert body.wire_size == len(gzip_bomb())
    # Decoding stopped at the bomb's ratio; the size recorded is what was decoded until then.
    assert body.decoding_stopped and MAX_BODY_BYTES < body.size < BOMB_DECODED_BYTES


@pytest.mark.parametrize(
    ("route", "content"),
    [("bad-utf8", INVALID_UTF8), ("malformed-json", MALFORMED_JSON)],
)
def test_broken_text_with_a_json_type_is_passed_on_and_stored_byte_for_byte(
    proxy: ProxyProcess, client: httpx.Client, hostile_port: int, route: str, content: bytes
) -> None:
    response = client.get(_url(hostile_port, f"/h4/{route}"))
    assert response.status_code == 200 and response.content == content
    stored = _one(proxy, f"/h4/{route}")
    assert stored.response_body.content == content and not stored.response_body.truncated


def test_a_wrong_content_encoding_is_stored_as_the_raw_bytes(
    proxy: ProxyProcess, client: httpx.Client, hostile_port: int
) -> None:
    with client.stream("GET", _url(hostile_port, "/h5/lying-encoding")) as response:
        raw = b"".join(response.iter_raw())
    assert response.status_code == 200 and raw == b'{"plain": true}'
    assert _one(proxy, "/h5/lying-encoding").response_body.content == raw


def test_huge_and_repeated_headers_are_passed_on_and_stored_whole(
    proxy: ProxyProcess, client: httpx.Client, hostile_port: int
) -> None:
    response = client.get(_url(hostile_port, "/h6/headers"))
    assert response.status_code == 200
    assert len(response.headers.get_list("x-repeated")) == REPEATED_HEADERS
    stored = _one(proxy, "/h6/headers")
    names = [name.lower() for name, _ in stored.response_headers]
    assert names.count("x-repeated") == REPEATED_HEADERS
    assert dict(stored.response_headers)["X-Huge"] == "h" * HUGE_HEADER_BYTES


def test_an_unreachable_host_gets_a_gateway_error_stored_with_its_error(
    proxy: ProxyProcess, client: httpx.Client
) -> None:
    response = client.get(_url(closed_port(), "/h7/unreachable"))
    assert response.status_code == 502
    stored = _one(proxy, "/h7/unreachable")
    assert stored.status is None or stored.status == 502
    assert stored.error and "connect" in stored.error.lower()


def test_after_all_that_the_proxy_still_serves_within_its_memory_bound(
    proxy: ProxyProcess, client: httpx.Client, hostile_port: int
) -> None:
    assert client.get(_url(hostile_port, "/h8/json")).json() == {"ok": True}
    assert [e.path for e in wait_for_exchanges(proxy.db_path, "/h8/")] == ["/h8/json"]
    peak = peak_rss_bytes(proxy.process.pid)
    print(f"\nhostile traffic: capture peak RSS (VmHWM) {peak / 2**20:.0f} MiB")
    assert peak < PEAK_RSS_BOUND_BYTES
