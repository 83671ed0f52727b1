"""Fixtures for the reliability suite: the capture helpers of tests/capture, a local upstream."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.capture.capture_servers import Upstream, plain_upstream


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    """HTTP/1.1 on 127.0.0.1 with the capture suite's routes (json, echo, large, chunked, ...)."""
    yield from plain_upstream()
