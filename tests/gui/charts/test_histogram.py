"""The latency histogram on hand-made data: one bar per bin, p50/p95/p99 lines where the
percentiles are and labelled in ms, nothing drawn for an empty range, whole-number count ticks."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from inspector.gui.charts.histogram import LatencyHistogram
from tests.gui.charts.chart_data import chart_data, floats, ints

pytestmark = pytest.mark.gui


@pytest.fixture
def histogram(qtbot: QtBot) -> LatencyHistogram:
    widget = LatencyHistogram()
    qtbot.addWidget(widget)
    widget.resize(500, 300)
    widget.show()
    return widget


def test_bars_follow_the_bins_and_markers_the_percentiles(histogram: LatencyHistogram) -> None:
    histogram.set_data(chart_data(
        total=9, histogram_edges=floats(0, 10, 20, 30), histogram_counts=ints(2, 6, 1),
        p50_ms=14.4, p95_ms=27.6, p99_ms=29.5,
    ))  # fmt: skip
    bars = histogram.bars.opts
    assert list(bars["x0"]) == [0, 10, 20] and list(bars["x1"]) == [10, 20, 30]
    assert list(bars["height"]) == [2, 6, 1]
    assert not histogram.log_axis
    shown = {name: (line.value(), line.label.format) for name, line in histogram.markers.items()}
    assert shown == {"p50": (14.4, "p50 14 ms"), "p95": (27.6, "p95 28 ms"),
                     "p99": (29.5, "p99 30 ms")}  # fmt: skip
    assert all(line.isVisible() for line in histogram.markers.values())
    # A count axis of at most 6 ticks at whole numbers.
    ticks = histogram.plot.getPlotItem().getAxis("left").tickValues(0, 6.5, 200)
    assert all(float(value).is_integer() for _spacing, values in ticks for value in values)


def test_a_missing_percentile_hides_its_line_and_an_empty_range_draws_nothing(
    histogram: LatencyHistogram,
) -> None:
    histogram.set_data(chart_data(total=3, histogram_edges=floats(0, 5), histogram_counts=ints(3),
                                  p50_ms=2.0, p95_ms=4.0, p99_ms=None))  # fmt: skip
    assert [name for name, line in histogram.markers.items() if line.isVisible()] == ["p50", "p95"]
    histogram.set_data(chart_data())
    assert len(histogram.bars.opts["height"]) == 0
    assert not any(line.isVisible() for line in histogram.markers.values())


def test_log_spaced_bins_go_in_as_powers_of_ten(histogram: LatencyHistogram) -> None:
    histogram.set_data(chart_data(
        total=4, histogram_edges=floats(1, 10, 100, 1000), histogram_counts=ints(1, 2, 1),
        histogram_log=True, p50_ms=20.0, p95_ms=100.0, p99_ms=900.0,
    ))  # fmt: skip
    assert histogram.log_axis
    assert list(histogram.bars.opts["x0"]) == pytest.approx([0, 1, 2])
    assert histogram.markers["p99"].value() == pytest.approx(2.9542425)
    assert histogram.markers["p95"].value() == pytest.approx(2.0)
    assert histogram.markers["p95"].label.format == "p95 100 ms"  # labelled in ms, not log10
    histogram.set_data(chart_data(total=1, histogram_edges=floats(0, 5), histogram_counts=ints(1)))
    assert not histogram.log_axis  # back to linear for the next range
