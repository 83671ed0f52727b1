"""Durations and sizes read the same in the command line and the app."""

from __future__ import annotations

from inspector.units import duration_text, size_text


def test_durations_read_naturally() -> None:
    values = (None, 4.25, 38.44, 250.4, 1534.0)
    assert [duration_text(v) for v in values] == ["", "4.2 ms", "38.4 ms", "250 ms", "1.53 s"]
    assert duration_text(None, missing="-") == "-"


def test_sizes_use_binary_multiples_like_the_filter_language() -> None:
    values = (0, 1023, 1536, 5 * 2**20, 3 * 2**40)
    assert [size_text(v) for v in values] == ["0 B", "1023 B", "1.5 KB", "5.0 MB", "3.0 TB"]
    assert size_text(None, missing="-") == "-"
