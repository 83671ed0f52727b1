"""Stacked bars on hand-made data: each series stacked on the ones before it, a legend entry per
series that has any requests, and room above the tallest bar for the legend."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from inspector.gui.charts.stacked import StackedBarsChart
from tests.gui.charts.chart_data import START, chart_data, ints

pytestmark = pytest.mark.gui

COLOURS = {"2xx": "#2da44e", "4xx": "#d4a72c", "5xx": "#cf222e"}


@pytest.fixture
def chart(qtbot: QtBot) -> StackedBarsChart:
    widget = StackedBarsChart("Status codes")
    qtbot.addWidget(widget)
    widget.resize(600, 300)
    widget.show()
    return widget


def _legend(chart: StackedBarsChart) -> list[str]:
    return [label.text for _sample, label in chart.legend.items]


def test_series_stack_in_order_and_empty_ones_are_left_out(chart: StackedBarsChart) -> None:
    series = {"2xx": ints(5, 0, 3, 1), "4xx": ints(0, 0, 0, 0), "5xx": ints(1, 2, 0, 4)}
    chart.set_series(chart_data(total=16), series, COLOURS, keep_view=False)
    assert _legend(chart) == ["2xx", "5xx"]
    ok, failed = chart._bars
    assert list(ok.opts["y0"]) == [0, 0, 0, 0] and list(ok.opts["height"]) == [5, 0, 3, 1]
    assert list(failed.opts["y0"]) == [5, 0, 3, 1] and list(failed.opts["height"]) == [1, 2, 0, 4]
    assert list(ok.opts["x"]) == [START + 30 + 60 * i for i in range(4)]  # bucket centres
    assert ok.opts["width"] == pytest.approx(51)
    (x_min, x_max), (y_min, y_max) = chart.plot.getPlotItem().getViewBox().viewRange()
    assert x_min <= START and x_max >= START + 240
    assert y_min == 0 and y_max > 6  # the tallest stack is 6: the legend gets the room above


def test_new_data_replaces_the_bars_and_legend_and_a_kept_view_stays(
    chart: StackedBarsChart,
) -> None:
    chart.set_series(chart_data(total=3), {"2xx": ints(1, 1, 1, 0)}, COLOURS, keep_view=False)
    view = chart.plot.getPlotItem().getViewBox()
    view.setXRange(START + 60, START + 120, padding=0)
    before = view.viewRange()[0]
    chart.set_series(chart_data(total=2), {"5xx": ints(0, 2, 0, 0)}, COLOURS, keep_view=True)
    assert _legend(chart) == ["5xx"] and len(chart._bars) == 1
    assert view.viewRange()[0] == pytest.approx(before)
    chart.set_series(chart_data(), {"2xx": ints(0, 0, 0, 0)}, COLOURS, keep_view=False)
    assert _legend(chart) == [] and chart._bars == []
