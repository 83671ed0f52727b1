"""Stacked bars per time bucket: status classes, or requests per consumer."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from inspector.gui.charts.style import add_legend, count_ticks, make_plot
from inspector.store.series import ChartData, IntArray


class StackedBarsChart(QWidget):
    """One bar per bucket, stacked by series, with a legend naming each series."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot(self, title, time_axis=True)
        self.legend = add_legend(self.plot, self, columns=2)
        self._bars: list[pg.BarGraphItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def set_series(
        self,
        data: ChartData,
        series: dict[str, IntArray],
        colours: dict[str, str],
        *,
        keep_view: bool,
    ) -> None:
        for bar in self._bars:
            self.plot.removeItem(bar)
        self._bars.clear()
        self.legend.clear()
        x = data.bucket_starts + data.bucket_seconds / 2
        bottom = np.zeros(x.size)
        width = data.bucket_seconds * 0.85
        for name, counts in series.items():
            if not counts.any():
                continue
            bar = pg.BarGraphItem(
                x=x, y0=bottom.copy(), height=counts, width=width, brush=colours[name], pen=None
            )
            self.plot.addItem(bar)
            self.legend.addItem(bar, name)
            self._bars.append(bar)
            bottom = bottom + counts
        if not keep_view and data.total:
            view = self.plot.getPlotItem().getViewBox()
            view.setXRange(*data.view_span(), padding=0.01)
            # Leave the legend's share of the plot's height free above the tallest bar, so the
            # legend never covers data at any window size.
            view_height = max(1.0, view.height())
            legend_share = min(0.6, (self.legend.boundingRect().height() + 16) / view_height)
            top = max(1.0, float(np.max(bottom))) / (1.0 - legend_share)
            view.setYRange(0, top, padding=0)
            count_ticks(self.plot, top)
