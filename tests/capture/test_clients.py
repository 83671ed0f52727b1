"""Source tags from proxy credentials through a real `inspector capture` (and a mitmdump of your
own answering the probe)."""

from __future__ import annotations

import base64
import json
import sqlite3
import subprocess
from pathlib import Path

import httpx
import pytest

from inspector.capture.clients import source_of_credentials
from inspector.intercept.probe import probe_capture
from inspector.intercept.tags import proxy_url
from inspector.testing import wait_until
from tests.capture.capture_servers import Upstream
from tests.capture.capture_support import (
    ProxyProcess,
    start_capture,
    start_mitmdump,
    wait_for_exchanges,
)

pytestmark = pytest.mark.capture


def _tagged(capture: ProxyProcess, label: str) -> httpx.Client:
    return httpx.Client(
        proxy=proxy_url(capture.host, capture.port, label),
        verify=capture.tls_context(),
        timeout=10,
    )


def _stored_headers(db_path: Path, prefix: str) -> list[str]:
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute(
            "SELECT p.request_headers FROM exchanges e JOIN exchange_payloads p "
            "ON p.exchange_id = e.id WHERE e.path LIKE ?",
            (prefix + "%",),
        ).fetchall()
    finally:
        conn.close()
    return [name.lower() for (text,) in rows for name, _ in json.loads(text)]


def _on_disk(db_path: Path) -> bytes:
    return b"".join(
        Path(f"{db_path}{suffix}").read_bytes()
        for suffix in ("", "-wal")
        if Path(f"{db_path}{suffix}").exists()
    )


def test_plain_http_requests_are_tagged_and_the_credentials_go_nowhere(
    capture: ProxyProcess, upstream: Upstream, prefix: str
) -> None:
    with _tagged(capture, "curl-1a2b") as http:
        seen = http.get(upstream.url(f"{prefix}/headers")).json()
        http.get(upstream.url(f"{prefix}/json"))

    stored = wait_for_exchanges(capture.db_path, prefix, 2)
    assert [exchange.source for exchange in stored] == ["curl-1a2b", "curl-1a2b"]
    assert "proxy-authorization" not in seen["header_names"]
    assert "proxy-authorization" not in _stored_headers(capture.db_path, prefix)
    credential = base64.b64encode(b"src-curl-1a2b:x")
    assert credential not in _on_disk(capture.db_path)


def test_every_request_in_an_https_tunnel_carries_the_connect_tag(
    capture: ProxyProcess, tls_server: Upstream, prefix: str
) -> None:
    # The credentials travel once, on the CONNECT; the requests inside the tunnel have none.
    with _tagged(capture, "pytest-77aa") as http:
        answers = [http.get(tls_server.url(f"{prefix}/headers")).json() for _ in range(3)]

    stored = wait_for_exchanges(capture.db_path, prefix, 3)
    assert {exchange.source for exchange in stored} == {"pytest-77aa"}
    assert {exchange.scheme for exchange in stored} == {"https"}
    assert all("proxy-authorization" not in answer["header_names"] for answer in answers)
    assert "proxy-authorization" not in _stored_headers(capture.db_path, prefix)


def test_clients_on_separate_connections_keep_their_own_tags(
    capture: ProxyProcess, tls_server: Upstream, upstream: Upstream, prefix: str
) -> None:
    with _tagged(capture, "first-0001") as first, _tagged(capture, "second-0002") as second:
        for _ in range(2):
            first.get(tls_server.url(f"{prefix}/a/json"))
            second.get(tls_server.url(f"{prefix}/b/json"))
            second.get(upstream.url(f"{prefix}/c/json"))
    with httpx.Client(proxy=capture.url, timeout=10) as untagged:
        untagged.get(upstream.url(f"{prefix}/d/json"))

    stored = wait_for_exchanges(capture.db_path, prefix, 7)
    by_path = {(exchange.path.rsplit("/", 2)[1], exchange.source) for exchange in stored}
    assert by_path == {("a", "first-0001"), ("b", "second-0002"), ("c", "second-0002"), ("d", "")}


def test_other_proxy_credentials_are_not_taken_for_a_tag(
    capture: ProxyProcess, upstream: Upstream, prefix: str
) -> None:
    with httpx.Client(proxy=f"http://alice:secret@{capture.host}:{capture.port}") as http:
        http.get(upstream.url(f"{prefix}/json"))
    (stored,) = wait_for_exchanges(capture.db_path, prefix)
    assert stored.source == ""


def test_your_own_mitmdump_with_the_addon_answers_the_probe_and_tags(
    tmp_path: Path, upstream: Upstream, prefix: str
) -> None:
    proxy = start_mitmdump(tmp_path, tmp_path / "own.db")
    try:
        info = probe_capture(proxy.host, proxy.port)
        with _tagged(proxy, "mine-0042") as http:
            http.get(upstream.url(f"{prefix}/json"))
        (stored,) = wait_for_exchanges(proxy.db_path, prefix)
    finally:
        proxy.stop()
    assert info is not None and info.db_path == (tmp_path / "own.db").resolve()
    assert stored.source == "mine-0042"


def test_a_capture_for_one_program_tags_everything_it_sees(
    tmp_path: Path, upstream: Upstream, prefix: str
) -> None:
    proxy = start_capture(tmp_path, "--set", "inspector_source=chromium-5e5e")
    try:
        with httpx.Client(proxy=proxy.url) as http:
            http.get(upstream.url(f"{prefix}/plain/json"))
        with _tagged(proxy, "curl-9999") as http:
            http.get(upstream.url(f"{prefix}/tagged/json"))
        stored = wait_for_exchanges(proxy.db_path, prefix, 2)
    finally:
        assert proxy.stop() == 0, proxy.text()
    assert [exchange.source for exchange in stored] == ["chromium-5e5e", "curl-9999"]


def test_curl_sends_the_tag_on_connect_and_on_plain_requests(
    capture: ProxyProcess, tls_server: Upstream, upstream: Upstream, prefix: str
) -> None:
    proxy = proxy_url(capture.host, capture.port, "curl-c0c0")
    for url in (upstream.url(f"{prefix}/plain/json"), tls_server.url(f"{prefix}/tls/json")):
        subprocess.run(
            ["curl", "-sSf", "-o", "/dev/null", "--proxy", proxy, "--cacert",
             str(capture.ca_cert), url],
            check=True, timeout=30,
        )  # fmt: skip
    stored = wait_for_exchanges(capture.db_path, prefix, 2)
    assert {(exchange.scheme, exchange.source) for exchange in stored} == {
        ("http", "curl-c0c0"),
        ("https", "curl-c0c0"),
    }
    wait_until(lambda: base64.b64encode(b"src-curl-c0c0:x") not in _on_disk(capture.db_path))


@pytest.mark.parametrize(
    ("header", "label"),
    [
        ("Basic " + base64.b64encode(b"src-npm-test-07bc:x").decode(), "npm-test-07bc"),
        ("basic   " + base64.b64encode(b"src-a:").decode(), "a"),
        ("Basic " + base64.b64encode(b"src-a").decode(), "a"),  # no password at all
        ("Basic " + base64.b64encode(b"alice:secret").decode(), None),
        ("Basic " + base64.b64encode(b"src-:x").decode(), None),  # an empty label
        ("Basic " + base64.b64encode(b"src-a b:x").decode(), None),  # not URL-safe
        ("Basic " + base64.b64encode("src-é:x".encode()).decode(), None),
        ("Basic " + base64.b64encode(b"src-" + b"a" * 81 + b":x").decode(), None),
        ("Bearer " + base64.b64encode(b"src-a:x").decode(), None),
        ("Basic !!!notbase64", None),
        ("Basic " + base64.b64encode(b"\xff\xfe:x").decode(), None),
        ("", None),
    ],
)
def test_only_well_formed_source_credentials_count(header: str, label: str | None) -> None:
    assert source_of_credentials(header) == label
