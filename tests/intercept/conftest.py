"""The probe's and the capture child's tests talk to a real `inspector capture`: the capture
tests' fixtures, defined once in tests/capture/conftest.py."""

from __future__ import annotations

from tests.capture.conftest import capture, capture_config, prefix, upstream

__all__ = ["capture", "capture_config", "prefix", "upstream"]
