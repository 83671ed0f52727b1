"""Durations and sizes of `[capture] retention`."""

from __future__ import annotations

import pytest

from inspector.config.settings import parse_duration_seconds, parse_size_mb


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("90s", 90), ("15m", 900), ("12h", 43200), ("7d", 604800), ("2w", 1209600),
     ("1.5h", 5400), (" 7D ", 604800)],
)  # fmt: skip
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration_seconds(text) == seconds


@pytest.mark.parametrize(
    ("text", "mb"),
    [("512", 512), ("512MB", 512), ("2GB", 2048), ("2 GiB", 2048), ("1TB", 1048576),
     ("1024KB", 1)],
)  # fmt: skip
def test_sizes(text: str, mb: int) -> None:
    assert parse_size_mb(text) == mb


@pytest.mark.parametrize("text", ["", "7 days", "d", "-1d", "1y"])
def test_bad_durations_say_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError, match="duration such as"):
        parse_duration_seconds(text)


def test_bad_sizes_say_what_is_expected() -> None:
    with pytest.raises(ValueError, match="size such as"):
        parse_size_mb("lots")
