"""Fixtures for the service exporter tests: a scripted local HTTP server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from service_support import ScriptedServer, running


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    yield from running(ScriptedServer())
