"""Colours and plot set-up shared by every chart, following the application palette."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

# Status classes keep the same colours everywhere (table rows use the same meaning).
STATUS_COLOURS = {
    "2xx": "#2da44e",
    "3xx": "#0969da",
    "4xx": "#d4a72c",
    "5xx": "#cf222e",
    "failed": "#8250df",
}
SERIES_COLOURS = ("#0969da", "#2da44e", "#d4a72c", "#cf222e", "#8250df", "#bf3989", "#57606a")
P50_COLOUR = "#2da44e"
P95_COLOUR = "#cf222e"
POINT_COLOUR = QColor(9, 105, 218, 90)


def make_plot(parent: QWidget, title: str, *, time_axis: bool) -> pg.PlotWidget:
    """A PlotWidget themed from the widget palette, with a local-time axis when asked."""
    axis = {"bottom": pg.DateAxisItem(orientation="bottom")} if time_axis else {}
    plot = pg.PlotWidget(parent=parent, axisItems=axis)
    palette = parent.palette()
    background = palette.color(QPalette.ColorRole.Base)
    foreground = palette.color(QPalette.ColorRole.Text)
    plot.setBackground(background)
    item = plot.getPlotItem()
    item.setTitle(title, color=foreground.name(), size="10pt")
    for name in ("left", "bottom"):
        axis_item = item.getAxis(name)
        axis_item.setPen(pg.mkPen(foreground))
        axis_item.setTextPen(pg.mkPen(foreground))
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setMenuEnabled(False)
    return plot


def add_legend(plot: pg.PlotWidget, parent: QWidget, columns: int = 1) -> pg.LegendItem:
    """A legend on an opaque panel in the palette's colours, so bars never show through it."""
    palette = parent.palette()
    base = QColor(palette.color(QPalette.ColorRole.Base))
    base.setAlpha(230)
    return plot.getPlotItem().addLegend(
        offset=(-10, 10),
        colCount=columns,
        brush=pg.mkBrush(base),
        pen=pg.mkPen(palette.color(QPalette.ColorRole.Mid)),
        labelTextColor=palette.color(QPalette.ColorRole.Text),
    )


def count_ticks(plot: pg.PlotWidget, top: float) -> None:
    """Whole-number ticks on a count axis: with a handful of requests pyqtgraph would tick at
    0.1, and nobody sends a tenth of a request."""
    axis = plot.getPlotItem().getAxis("left")
    if top > 50:
        axis.setTickSpacing()  # back to pyqtgraph's own, which are whole numbers there
        return
    step = max(1, math.ceil(top / 5))
    axis.setTickSpacing(step, step)
