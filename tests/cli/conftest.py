"""The commands that drive a live proxy (`inspector run`, `capture`) use the capture tests'
upstream servers and shared `inspector capture`, defined once in tests/capture/conftest.py."""

from __future__ import annotations

from tests.capture.conftest import capture, capture_config, client, prefix, tls_server, upstream

__all__ = ["capture", "capture_config", "client", "prefix", "tls_server", "upstream"]
