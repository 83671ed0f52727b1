"""What every chart shares: plots in the widget's palette, an opaque legend, whole-number ticks."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from inspector.gui.charts.style import add_legend, count_ticks, make_plot

pytestmark = pytest.mark.gui


@pytest.fixture
def dark(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.Base, QColor("#101418"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#e6edf3"))
    widget.setPalette(palette)
    qtbot.addWidget(widget)
    return widget


def test_a_plot_takes_the_palette_and_a_time_axis_only_when_asked(dark: QWidget) -> None:
    plot = make_plot(dark, "Response time (ms)", time_axis=True)
    assert plot.backgroundBrush().color().name() == "#101418"
    item = plot.getPlotItem()
    assert item.getAxis("left").textPen().color().name() == "#e6edf3"
    assert "Response time (ms)" in item.titleLabel.text
    assert type(item.getAxis("bottom")).__name__ == "DateAxisItem"
    plain = make_plot(dark, "Latency distribution (ms)", time_axis=False)
    assert type(plain.getPlotItem().getAxis("bottom")).__name__ == "AxisItem"


def test_the_legend_is_opaque_enough_to_hide_bars_behind_it(dark: QWidget) -> None:
    legend = add_legend(make_plot(dark, "t", time_axis=True), dark, columns=2)
    brush = legend.opts["brush"].color()
    assert brush.name() == "#101418" and brush.alpha() >= 200
    assert legend.columnCount == 2


@pytest.mark.parametrize("top", [0.0, 0.4, 1.0, 3.0, 7.0, 23.0, 50.0])
def test_small_counts_tick_at_whole_numbers_only(dark: QWidget, top: float) -> None:
    plot = make_plot(dark, "t", time_axis=False)
    count_ticks(plot, top)
    ticks = plot.getPlotItem().getAxis("left").tickValues(0, max(top, 1.0) * 1.2, 200)
    values = [value for _spacing, level in ticks for value in level]
    assert values and all(float(value).is_integer() for value in values)
    assert len([v for v in values if 0 <= v <= top]) <= 6 + 1  # about five steps, not fifty


def test_large_counts_go_back_to_pyqtgraphs_own_ticks(dark: QWidget) -> None:
    plot = make_plot(dark, "t", time_axis=False)
    count_ticks(plot, 3.0)
    count_ticks(plot, 5000.0)
    assert plot.getPlotItem().getAxis("left")._tickSpacing is None
