"""Latency histogram with p50, p95 and p99 marked."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from inspector.gui.charts.style import P50_COLOUR, P95_COLOUR, count_ticks, make_plot
from inspector.store.series import ChartData

# Labels sit at different heights so that close percentiles never print over each other.
_MARKERS = (("p50", P50_COLOUR, 0.95), ("p95", P95_COLOUR, 0.83), ("p99", "#8250df", 0.71))


class LatencyHistogram(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot(self, "Latency distribution (ms)", time_axis=False)
        self.bars = pg.BarGraphItem(x0=[], x1=[], height=[], brush="#0969da", pen=None)
        self.plot.addItem(self.bars)
        self.markers: dict[str, pg.InfiniteLine] = {}
        for name, colour, height in _MARKERS:
            line = pg.InfiniteLine(
                angle=90,
                pen=pg.mkPen(colour, width=2, style=pg.QtCore.Qt.PenStyle.DashLine),
                label=name,
                labelOpts={"position": height, "color": colour, "fill": (255, 255, 255, 200)},
            )
            line.setVisible(False)
            self.plot.addItem(line)
            self.markers[name] = line
        self.log_axis = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def set_data(self, data: ChartData) -> None:
        # Log-spaced bins are drawn on a log axis: pyqtgraph's log mode does not transform bar
        # items, so positions go in as log10 and the axis labels them as powers of ten.
        log = data.histogram_log
        self.log_axis = log
        self.plot.getPlotItem().getAxis("bottom").setLogMode(log)
        edges = np.log10(data.histogram_edges) if log else data.histogram_edges
        if edges.size:
            self.bars.setOpts(x0=edges[:-1], x1=edges[1:], height=data.histogram_counts)
        else:
            self.bars.setOpts(x0=[], x1=[], height=[])
        for name, value in (("p50", data.p50_ms), ("p95", data.p95_ms), ("p99", data.p99_ms)):
            line = self.markers[name]
            line.setVisible(value is not None)
            if value is not None:
                line.setValue(math.log10(value) if log and value > 0 else value)
                line.label.setFormat(f"{name} {value:.0f} ms")
        self.plot.getPlotItem().getViewBox().autoRange()
        counts = data.histogram_counts
        count_ticks(self.plot, float(np.max(counts)) if counts.size else 1.0)
