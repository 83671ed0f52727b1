"""Durations and sizes read the same in the command line and the app."""

from __future__ import annotations

import pytest

from inspector.config.settings import parse_duration_seconds
from inspector.units import duration_text, period_text, size_text


def test_durations_read_naturally() -> None:
    values = (None, 4.25, 38.44, 250.4, 1534.0)
    assert [duration_text(v) for v in values] == ["", "4.2 ms", "38.4 ms", "250 ms", "1.53 s"]
    assert duration_text(None, missing="-") == "-"


def test_sizes_use_binary_multiples_like_the_filter_language() -> None:
    values = (0, 1023, 1536, 5 * 2**20, 3 * 2**40)
    assert [size_text(v) for v in values] == ["0 B", "1023 B", "1.5 KB", "5.0 MB", "3.0 TB"]
    assert size_text(None, missing="-") == "-"


@pytest.mark.parametrize(("seconds", "short", "spaced"), [
    (604_800, "7d", "7 d"), (86_400, "1d", "1 d"), (5_400, "90m", "90 min"),
    (7_200, "2h", "2 h"), (60, "1m", "1 min"), (45, "45s", "45 s"), (0, "0s", "0 s"),
    (90_061, "90061s", "90061 s"),  # no unit divides it: seconds, never a rounded 1d
])  # fmt: skip
def test_periods_read_as_the_configuration_writes_them(
    seconds: int, short: str, spaced: str
) -> None:
    # config check, the retention log line and the charts' bucket size all use this.
    assert period_text(seconds) == short
    assert period_text(seconds, spaced=True) == spaced
    assert parse_duration_seconds(short) == seconds
