"""How values read in the app."""

from __future__ import annotations

from datetime import datetime

from inspector.gui import formatting


def test_times_show_the_date_only_when_not_today() -> None:
    now = datetime(2026, 11, 23, 15, 0).timestamp()
    assert formatting.clock_time(datetime(2026, 11, 23, 14, 3, 7, 123000).timestamp(), now) == (
        "14:03:07.123"
    )
    assert formatting.clock_time(datetime(2026, 11, 22, 9, 0, 1).timestamp(), now) == (
        "Nov 22 09:00:01"
    )
    assert formatting.relative_time(now - 90, now) == "2 min ago"


def test_percent() -> None:
    assert formatting.percent(1, 6) == "17 %"
    assert formatting.percent(1, 30) == "3.3 %"
    assert formatting.percent(0, 0) == ""
