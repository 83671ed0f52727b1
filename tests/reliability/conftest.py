"""Fixtures for the reliability suite: the capture helpers of tests/capture, a local upstream."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The capture suite's helpers (start_capture, wait_until, the upstream servers) are plain modules
# in tests/capture; reuse them rather than keep a second copy in step.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))

from capture_servers import Upstream, plain_upstream


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    """HTTP/1.1 on 127.0.0.1 with the capture suite's routes (json, echo, large, chunked, ...)."""
    yield from plain_upstream()
