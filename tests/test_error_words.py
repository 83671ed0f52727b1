"""Failure messages in words, not errno codes."""

from __future__ import annotations

import pytest

from inspector.error_words import error_words


@pytest.mark.parametrize(("raw", "expected"), [
    ("[Errno -2] Name or service not known", "DNS lookup failed for api.test"),
    ("[Errno -3] Temporary failure in name resolution", "DNS lookup failed for api.test"),
    ("[Errno 111] Connection refused", "Connection refused by api.test"),
    ("Connection timed out", "api.test did not answer in time"),
    ("Certificate verify failed: unable to get local issuer certificate", "not trusted"),
])  # fmt: skip
def test_known_failures_read_as_words(raw: str, expected: str) -> None:
    assert expected in error_words(raw, "api.test")
    assert "Errno" not in error_words(raw, "api.test")


def test_an_unknown_message_is_kept_as_it_is() -> None:
    assert error_words("HTTP/2 protocol error: frame too large") == (
        "HTTP/2 protocol error: frame too large"
    )
