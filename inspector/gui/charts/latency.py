"""Response times over time: every exchange as a point, with p50 and p95 lines per bucket."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from inspector.gui.charts.style import (
    P50_COLOUR,
    P95_COLOUR,
    POINT_COLOUR,
    add_legend,
    make_plot,
)
from inspector.store.series import ChartData


class LatencyChart(QWidget):
    """Points are hoverable (tool tip describes the request) and clickable (selects it)."""

    exchange_clicked = Signal(int)
    range_dragged = Signal(float, float)

    def __init__(
        self, parent: QWidget | None = None, describe: Callable[[int], str] | None = None
    ) -> None:
        super().__init__(parent)
        self._describe = describe or (lambda row_id: f"request #{row_id}")
        self.plot = make_plot(self, "Response time (ms)", time_axis=True)
        item = self.plot.getPlotItem()
        item.setClipToView(True)
        add_legend(self.plot, self)
        self.points = pg.ScatterPlotItem(
            size=5,
            pen=None,
            brush=pg.mkBrush(POINT_COLOUR),
            hoverable=True,
            hoverSize=9,
            hoverBrush=pg.mkBrush(POINT_COLOUR.darker(150)),
            tip=self._tip,
        )
        self.points.sigClicked.connect(self._on_clicked)
        item.addItem(self.points)
        # Markers as well as lines: with sparse traffic a bucket often stands alone between empty
        # ones, and a line needs two neighbours to show at all.
        # p95 under p50 with a larger marker: for a single request they are the same point.
        self.p95 = _percentile_line(item, P95_COLOUR, "p95", size=9)
        self.p50 = _percentile_line(item, P50_COLOUR, "p50", size=6)
        # Dragging a rectangle zooms; the zoomed span becomes the time range of every chart.
        item.getViewBox().setMouseMode(pg.ViewBox.RectMode)
        item.getViewBox().sigRangeChangedManually.connect(self._on_manual_range)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def set_log_scale(self, enabled: bool) -> None:
        self.plot.getPlotItem().setLogMode(y=enabled)

    def set_data(self, data: ChartData, *, keep_view: bool) -> None:
        self.points.setData(
            x=data.point_times, y=data.point_durations, data=data.point_ids.tolist()
        )
        centres = data.bucket_starts + data.bucket_seconds / 2
        self.p50.setData(x=centres, y=data.p50_by_bucket)
        self.p95.setData(x=centres, y=data.p95_by_bucket)
        view = self.plot.getPlotItem().getViewBox()
        if not keep_view and data.total:
            view.setXRange(*data.view_span(), padding=0.01)
            view.enableAutoRange(axis=pg.ViewBox.YAxis)

    def _tip(self, x: float, y: float, data: object) -> str:
        return self._describe(int(data)) if isinstance(data, int) else f"{y:.1f} ms"

    def _on_clicked(self, _item: object, points: list[pg.SpotItem], _event: object) -> None:
        if len(points):
            self.exchange_clicked.emit(int(points[0].data()))

    def _on_manual_range(self, _mask: object) -> None:
        (start, end), _ = self.plot.getPlotItem().getViewBox().viewRange()
        if np.isfinite(start) and np.isfinite(end) and end > start:
            self.range_dragged.emit(float(start), float(end))


def _percentile_line(item: pg.PlotItem, colour: str, name: str, size: int) -> pg.PlotDataItem:
    return item.plot(pen=pg.mkPen(colour, width=2), name=name, connect="finite", symbol="o",
                     symbolSize=size, symbolBrush=colour, symbolPen=None)  # fmt: skip
