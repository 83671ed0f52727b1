"""Fixtures for the service exporter tests: a scripted local HTTP server, the HTTP transport."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from inspector.exporters.transport import HttpxTransport
from tests.exporters.service_support import ScriptedServer, running


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    yield from running(ScriptedServer())


@pytest.fixture
def transport() -> Iterator[HttpxTransport]:
    transport = HttpxTransport()
    yield transport
    transport.close()
