"""Fixtures for the tests that send traffic through a real proxy (capture, cli, intercept):
upstream servers, one `inspector capture` for the whole session, proxied clients.

A plugin of the root conftest (`pytest_plugins`), not a folder's conftest: imported into three
folders' conftests, each session fixture ran once per folder, three proxies where one does."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.capture.capture_servers import Upstream, plain_upstream, tls_upstream
from tests.capture.capture_support import MAX_BODY_BYTES, ProxyProcess, start_capture


@pytest.fixture(scope="session")
def upstream() -> Iterator[Upstream]:
    """HTTP/1.1 on 127.0.0.1: JSON, echo, encodings, chunked, large, WebSocket routes."""
    yield from plain_upstream()


@pytest.fixture(scope="session")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Upstream]:
    """HTTPS on 127.0.0.1 with HTTP/2 and HTTP/1.1, self-signed (the proxy runs ssl_insecure)."""
    yield from tls_upstream(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def capture_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("config") / "config.toml"
    path.write_text(f"schema_version = 1\n\n[capture]\nmax_body_bytes = {MAX_BODY_BYTES}\n")
    return path


@pytest.fixture(scope="session")
def capture(
    tmp_path_factory: pytest.TempPathFactory, capture_config: Path
) -> Iterator[ProxyProcess]:
    """One `inspector capture` shared by the tests that only send traffic through it."""
    proxy = start_capture(tmp_path_factory.mktemp("capture"), config=capture_config)
    yield proxy
    code = proxy.stop()
    assert code == 0, proxy.text("stderr")


@pytest.fixture
def prefix() -> str:
    """A path prefix unique to the test, to find its rows in the shared database."""
    return f"/t{uuid.uuid4().hex[:12]}"


@pytest.fixture
def client(capture: ProxyProcess) -> Iterator[httpx.Client]:
    """An httpx client using the shared proxy, trusting its CA."""
    with httpx.Client(proxy=capture.url, verify=capture.tls_context(), timeout=10) as http:
        yield http
