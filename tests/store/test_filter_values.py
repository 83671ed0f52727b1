"""Values of filter terms: comparisons, units, status classes and instants."""

from __future__ import annotations

import datetime as dt

import pytest

from inspector.store.filter_values import (
    BadValue,
    parse_bytes,
    parse_comparison,
    parse_duration_ms,
    parse_instant,
    parse_status,
)

NOW = 1_795_000_000.0


@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        (">5", (5.0, None, True, False)),
        (">=5", (5.0, None, False, False)),
        ("<5", (None, 5.0, False, True)),
        ("<=5", (None, 5.0, False, False)),
        ("=5", (5.0, 5.0, False, False)),
        ("5", (5.0, 5.0, False, False)),
        ("2-5", (2.0, 5.0, False, False)),
        ("2..5", (2.0, 5.0, False, False)),
        ("2.5..7", (2.5, 7.0, False, False)),
    ],
)
def test_comparisons(text: str, bounds: tuple[object, ...]) -> None:
    assert parse_comparison(text, float) == bounds


def test_a_backwards_range_is_refused() -> None:
    with pytest.raises(BadValue, match="starts above its end"):
        parse_comparison("9-2", float)


@pytest.mark.parametrize(
    ("text", "ms"),
    [("500", 500), ("200ms", 200), ("1.5s", 1500), ("2m", 120_000), (".5s", 500), ("3 s", 3000)],
)
def test_durations_in_ms(text: str, ms: float) -> None:
    assert parse_duration_ms(text) == ms


@pytest.mark.parametrize(
    ("text", "size"),
    [("512", 512), ("10k", 10_240), ("10KB", 10_240), ("1.5m", 1.5 * 1024**2), ("1g", 1024**3)],
)
def test_sizes_in_bytes(text: str, size: float) -> None:
    assert parse_bytes(text) == size


@pytest.mark.parametrize("text", ["", "ten", "5 parsecs", "-1", "1e3"])
def test_bad_numbers(text: str) -> None:
    with pytest.raises(BadValue):
        parse_duration_ms(text)
    with pytest.raises(BadValue):
        parse_bytes(text)


def test_status_classes_and_codes() -> None:
    assert parse_status("4xx") == (400, 499, False, False)
    assert parse_status("5XX") == (500, 599, False, False)
    assert parse_status("404") == (404, 404, False, False)
    with pytest.raises(BadValue):
        parse_status("6xx")
    with pytest.raises(BadValue):
        parse_status("4044")


def test_relative_instants_count_back_from_now() -> None:
    assert parse_instant("15m", NOW) == NOW - 900
    assert parse_instant("2h30m", NOW) == NOW - 9000
    assert parse_instant("1w", NOW) == NOW - 7 * 86400
    assert parse_instant("now", NOW) == NOW


def test_absolute_instants_use_local_time_unless_an_offset_is_given() -> None:
    utc = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC).timestamp()
    assert parse_instant("2026-11-22T10:00Z", NOW) == utc
    assert parse_instant("2026-11-22T12:00+02:00", NOW) == utc
    local = dt.datetime(2026, 11, 22, 10, 0).timestamp()  # naive: this machine's local time
    assert parse_instant("2026-11-22T10:00", NOW) == local
    assert parse_instant("2026-11-22 10:00", NOW) == local


def test_whole_days_start_at_local_midnight_and_can_mean_their_end() -> None:
    midnight = dt.datetime(2026, 11, 22).timestamp()
    next_midnight = dt.datetime(2026, 11, 23).timestamp()
    assert parse_instant("2026-11-22", NOW) == midnight
    assert parse_instant("2026-11-22", NOW, end_of_day=True) == next_midnight
    today = dt.datetime.fromtimestamp(NOW).date()
    assert parse_instant("today", NOW) == dt.datetime.combine(today, dt.time()).timestamp()
    assert parse_instant("9:05", NOW) == dt.datetime.combine(today, dt.time(9, 5)).timestamp()


@pytest.mark.parametrize("text", ["soon", "2026-02-30", "24:00", "15x"])
def test_bad_instants(text: str) -> None:
    with pytest.raises(BadValue):
        parse_instant(text, NOW)


def test_the_last_day_of_the_calendar_has_no_end() -> None:
    with pytest.raises(BadValue, match="out of range"):
        parse_instant("9999-12-31", NOW, end_of_day=True)
