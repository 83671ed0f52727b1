"""Chart series read from the rollups are the charts the rows give: counts per bucket, status
class, status code and consumer exactly, percentiles within the sketch's error, points that keep
each bucket's slowest exchange; and filters or spans the rollups cannot answer are left to rows."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from inspector.store import percentiles, rollup_answers, rollup_charts
from inspector.store.filters import compile_filter
from inspector.store.selection import ANONYMOUS, Selection
from inspector.store.series import ChartData, load_chart_data
from tests.store.rollup_support import T0

SIZES = {"target_buckets": 60, "max_points": 500, "histogram_bins": 40, "top_consumers": 2}


@pytest.fixture
def rollups_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Selections past 1,000 exchanges read from the rollups, not only past 50,000: the busy
    capture's 6,000 then take the rollup path, without writing fifty thousand rows per test."""
    monkeypatch.setattr(rollup_answers, "EXACT_LIMIT", 1_000)


def _both(conn: sqlite3.Connection, selection: Selection) -> tuple[ChartData, ChartData]:
    fast = rollup_charts.chart_data(conn, selection, **SIZES)
    assert fast is not None, selection
    exact = load_chart_data(conn, Selection(selection.filter, selection.consumer).where(),
                            start=selection.start, end=selection.end, **SIZES)  # fmt: skip
    return fast, exact


def _close(fast: float | None, exact: float | None) -> bool:
    if fast is None or exact is None:
        return fast is exact
    return abs(fast - exact) <= percentiles.RELATIVE_ERROR * exact + 1e-3


@pytest.mark.parametrize(
    "selection",
    [
        Selection(start=T0, end=T0 + 3 * 3600),
        Selection(compile_filter("status:5xx OR method:POST"), start=T0 + 65.5, end=T0 + 9000),
        Selection(compile_filter("consumer:acme"), start=T0 - 3600, end=T0 + 4 * 3600),
        Selection(consumer=ANONYMOUS),  # no range given: the data's own
    ],
    ids=str,
)
def test_the_rollups_draw_the_charts_the_rows_draw(
    busy: sqlite3.Connection, rollups_answer: None, selection: Selection
) -> None:
    fast, exact = _both(busy, selection)
    assert (fast.start, fast.bucket_seconds, fast.total) == (
        exact.start, exact.bucket_seconds, exact.total)  # fmt: skip
    assert fast.end == pytest.approx(exact.end)
    assert np.array_equal(fast.bucket_starts, exact.bucket_starts)
    assert fast.status_codes == exact.status_codes
    for series in ("status_by_bucket", "consumers_by_bucket"):
        mine, theirs = getattr(fast, series), getattr(exact, series)
        assert mine.keys() == theirs.keys(), series
        for name in theirs:
            assert mine[name].tolist() == theirs[name].tolist(), (series, name)
    for p in ("p50_ms", "p95_ms", "p99_ms"):
        assert _close(getattr(fast, p), getattr(exact, p)), p
    for mine_line, their_line in ((fast.p50_by_bucket, exact.p50_by_bucket),
                                  (fast.p95_by_bucket, exact.p95_by_bucket)):  # fmt: skip
        assert np.array_equal(np.isnan(mine_line), np.isnan(their_line))
        for a, b in zip(mine_line, their_line, strict=True):
            assert np.isnan(b) or _close(float(a), float(b))
    assert int(fast.histogram_counts.sum()) == int(exact.histogram_counts.sum())
    # Points: never more than asked for (plus the slowest per bucket), every one in the selection
    # and no spike lost: the slowest exchange of the selection is among them.
    assert 0 < fast.point_ids.size <= SIZES["max_points"] + fast.bucket_starts.size
    assert set(fast.point_ids.tolist()) <= _ids(busy, selection)
    assert float(np.max(fast.point_durations)) == float(np.nanmax(exact.point_durations))


def _ids(conn: sqlite3.Connection, selection: Selection) -> set[int]:
    flt = selection.where()
    rows = conn.execute(
        f"SELECT e.id FROM exchanges e LEFT JOIN consumers c ON c.id = e.consumer_id "
        f"WHERE ({flt.where})",
        flt.params,
    )
    return {row[0] for row in rows}


def test_a_selection_the_rows_answer_quickly_is_left_to_them(busy: sqlite3.Connection) -> None:
    # 6,000 exchanges: the exact path is fast enough, and its percentiles are exact.
    assert rollup_charts.chart_data(busy, Selection(), **SIZES) is None


def test_what_the_rollups_cannot_answer_is_left_to_the_rows(
    busy: sqlite3.Connection, rollups_answer: None
) -> None:
    assert rollup_charts.chart_data(busy, Selection(), **SIZES) is not None

    def answer(selection: Selection) -> ChartData | None:
        return rollup_charts.chart_data(busy, selection, **SIZES)

    assert answer(Selection(compile_filter("duration:>100"))) is None  # needs each row
    assert answer(Selection(compile_filter("path:/users"))) is None
    # Ten minutes in 60 buckets: 10 s buckets, finer than a minute's rollup.
    assert answer(Selection(start=T0, end=T0 + 600)) is None
    assert answer(Selection(compile_filter("status:418"))) is None  # nothing selected at all
    busy.execute(
        "INSERT INTO exchanges (uid, started_at, method, scheme, host, port, path, endpoint) "
        "VALUES ('behind-their-back', ?, 'GET', 'http', 'h', 80, '/x', '/x')",
        (T0 + 5,),
    )
    assert answer(Selection(start=T0, end=T0 + 3 * 3600)) is None  # rollups no longer current


def test_an_empty_database_has_no_rollup_charts(db: sqlite3.Connection) -> None:
    assert rollup_charts.chart_data(db, Selection(), **SIZES) is None
