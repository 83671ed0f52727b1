"""Fixtures for the reliability suite: the capture helpers of tests/capture, a local upstream,
the hostile upstream and one capture per module that must survive its tests."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from tests.capture.capture_servers import Upstream, plain_upstream
from tests.capture.capture_support import ProxyProcess, start_capture
from tests.reliability.hostile_servers import hostile_upstream


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    """HTTP/1.1 on 127.0.0.1 with the capture suite's routes (json, echo, large, chunked, ...)."""
    yield from plain_upstream()


@pytest.fixture(scope="module")
def hostile_port() -> Iterator[int]:
    """The port of the upstream that misbehaves on purpose (see hostile_servers)."""
    yield from hostile_upstream()


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxyProcess]:
    """One capture for the whole module: after its tests it must still stop cleanly (exit 0),
    without a traceback, whatever they threw at it."""
    process = start_capture(tmp_path_factory.mktemp("capture"))
    try:
        yield process
    finally:
        code = process.stop()
        if process.process.poll() is None:
            process.stop(signal.SIGKILL)
        assert code == 0, process.text("stderr")
        assert "Traceback" not in process.text("stderr"), process.text("stderr")
