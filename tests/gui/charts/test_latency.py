"""The response-time chart on hand-made data: a point per exchange carrying its id, p50 and p95
per bucket with gaps where a bucket is empty, the view on the data's range, and a drag reported."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from inspector.gui.charts.latency import LatencyChart
from tests.gui.charts.chart_data import START, chart_data, floats, ints

pytestmark = pytest.mark.gui


@pytest.fixture
def chart(qtbot: QtBot) -> LatencyChart:
    widget = LatencyChart(describe=lambda row_id: f"GET /users/{row_id}")
    qtbot.addWidget(widget)
    widget.resize(600, 300)
    widget.show()
    return widget


def test_points_carry_their_exchange_and_lines_skip_empty_buckets(chart: LatencyChart) -> None:
    data = chart_data(
        total=3, point_ids=ints(7, 8, 9), point_times=floats(START + 5, START + 70, START + 200),
        point_durations=floats(12.0, 40.0, 3.5),
        p50_by_bucket=floats(12.0, 40.0, math.nan, 3.5), p95_by_bucket=floats(12.0, 40.0,
                                                                               math.nan, 3.5),
    )  # fmt: skip
    chart.set_data(data, keep_view=False)
    x, y = chart.points.getData()
    assert list(x) == [START + 5, START + 70, START + 200]
    assert list(y) == [12.0, 40.0, 3.5]
    assert [point.data() for point in chart.points.points()] == [7, 8, 9]
    assert chart._tip(0, 40.0, 8) == "GET /users/8"
    centres, p50 = chart.p50.getData()
    assert list(centres) == [START + 30, START + 90, START + 150, START + 210]
    assert np.isnan(p50[2]) and chart.p50.opts["connect"] == "finite"
    (x_min, x_max), _ = chart.plot.getPlotItem().getViewBox().viewRange()
    assert x_min <= START and x_max >= START + 240


def test_a_single_exchange_gets_a_minute_wide_view(chart: LatencyChart) -> None:
    # A range of one second: not a zero-width view, but a minute around it.
    one = chart_data(buckets=1, bucket_seconds=1, total=1, point_ids=ints(1),
                     point_times=floats(START), point_durations=floats(5.0))  # fmt: skip
    chart.set_data(one, keep_view=False)
    (x_min, x_max), _ = chart.plot.getPlotItem().getViewBox().viewRange()
    assert x_max - x_min >= 60 and x_min < START < x_max


def test_a_manual_zoom_reports_its_span(qtbot: QtBot, chart: LatencyChart) -> None:
    chart.set_data(chart_data(total=1, point_ids=ints(1), point_times=floats(START + 10),
                              point_durations=floats(5.0)), keep_view=False)  # fmt: skip
    view = chart.plot.getPlotItem().getViewBox()
    with qtbot.waitSignal(chart.range_dragged, timeout=2000) as blocker:
        view.setXRange(START + 60, START + 120, padding=0)
        view.sigRangeChangedManually.emit([True, False])  # what a drag with the mouse emits
    start, end = blocker.args
    assert (start, end) == pytest.approx((START + 60, START + 120))
