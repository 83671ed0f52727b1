"""The charts tab: time range control, four charts and a status-code breakdown, kept live."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.gui.charts.histogram import LatencyHistogram
from inspector.gui.charts.latency import LatencyChart
from inspector.gui.charts.stacked import StackedBarsChart
from inspector.gui.charts.style import SERIES_COLOURS, STATUS_COLOURS
from inspector.gui.workers import QueryRunner
from inspector.store.filters import MATCH_ALL, SqlFilter
from inspector.store.queries import chart_data
from inspector.store.selection import Selection
from inspector.store.series import NO_CONSUMER, OTHER_CONSUMERS, ChartData
from inspector.units import period_text

# (label, seconds back from now, live). None seconds: the whole capture.
RANGES: tuple[tuple[str, float | None, bool], ...] = (
    ("Last 5 minutes", 300.0, True),
    ("Last hour", 3600.0, True),
    ("Last 24 hours", 86400.0, True),
    ("All", None, True),
)
CUSTOM_RANGE = "Dragged range"


class ChartsPanel(QWidget):
    """Follows the filter it is given; refreshes every `refresh_ms` while live.

    Queries run on the main window's QueryRunner (channel "charts"), never on the GUI thread.
    """

    exchange_selected = Signal(int)
    loaded = Signal()  # after the charts show new data

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        refresh_ms: int = 2000,
        clock: Callable[[], float] = time.time,
        describe: Callable[[int], str] | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._runner: QueryRunner | None = None
        self._filter = MATCH_ALL
        # Pacing: a refresh that took T seconds waits 4 T before the next, so a chart over a
        # million rows does not recompute back to back and starve the window.
        self._submitted_at = 0.0
        self._last_load_s = 0.0
        self._loaded_at = 0.0
        self._custom: tuple[float, float] | None = None
        self._user_zoomed = False
        self.data: ChartData | None = None

        self.range_box = QComboBox()
        self.range_box.addItems([label for label, _, _ in RANGES])
        # "All": a fresh capture fills the charts instead of hugging the right edge of an hour.
        self.range_box.setCurrentIndex(len(RANGES) - 1)
        self.range_box.currentIndexChanged.connect(self._on_range_chosen)
        self.log_scale = QCheckBox("Log scale")
        self.export_button = QPushButton("Export chart…")
        self.export_button.setMenu(self._export_menu())
        self.summary = QLabel()
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.latency = LatencyChart(self, describe=describe)
        self.histogram = LatencyHistogram(self)
        self.status = StackedBarsChart("Status codes over time", self)
        self.consumers = StackedBarsChart("Requests per consumer", self)
        self.codes = QTableWidget(0, 3)
        self.codes.setHorizontalHeaderLabels(["Status", "Requests", "Share"])
        self.codes.verticalHeader().setVisible(False)
        self.codes.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.codes.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.log_scale.toggled.connect(self.latency.set_log_scale)
        self.latency.exchange_clicked.connect(self.exchange_selected)
        self.latency.range_dragged.connect(self._on_range_dragged)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Time range:"))
        controls.addWidget(self.range_box)
        controls.addWidget(self.log_scale)
        controls.addStretch(1)
        controls.addWidget(self.summary)
        controls.addWidget(self.export_button)
        grid = QGridLayout()
        grid.addWidget(self.latency, 0, 0, 1, 2)
        grid.addWidget(self.histogram, 0, 2)
        grid.addWidget(self.status, 1, 0)
        grid.addWidget(self.consumers, 1, 1)
        grid.addWidget(self.codes, 1, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addLayout(grid, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(self._on_tick)

    # -- what the main window calls ------------------------------------------------------------
    def set_runner(self, runner: QueryRunner | None) -> None:
        """The database to chart, through its query runner; None shows nothing."""
        self._runner = runner
        self.refresh()
        if runner is not None:
            self.timer.start()
        else:
            self.timer.stop()

    def set_filter(self, flt: SqlFilter) -> None:
        """The compiled filter (and consumer selection) every other view shows."""
        self._filter = flt
        self.refresh()

    def time_range(self) -> tuple[float | None, float | None]:
        if self._custom is not None:
            return self._custom
        _, seconds, _ = RANGES[self.range_box.currentIndex()]
        if seconds is None:
            return None, None
        now = self._clock()
        return now - seconds, now

    def refresh(self) -> None:
        if self._runner is None:
            return
        start, end = self.time_range()
        selection = Selection(self._filter, start=start, end=end)
        self._submitted_at = time.monotonic()
        self._runner.submit(
            "charts",
            lambda conn: chart_data(conn, selection),
            self._on_loaded,
            self._on_failed,
        )

    # -- internals -----------------------------------------------------------------------------
    def _on_tick(self) -> None:
        # Live ranges slide with the clock; a dragged range is fixed and only needs new rows.
        if self._runner is None or self._runner.is_busy("charts") or not self.isVisible():
            return
        if time.monotonic() - self._loaded_at < 4 * self._last_load_s:
            return
        self.refresh()

    def _on_range_chosen(self, index: int) -> None:
        if index < len(RANGES):
            self._custom = None
            self._user_zoomed = False
            if self.range_box.count() > len(RANGES):
                self.range_box.removeItem(len(RANGES))
            self.refresh()

    def _on_range_dragged(self, start: float, end: float) -> None:
        self._custom = (start, end)
        self._user_zoomed = True
        # The time charts show the same span. (setXLink would align them by screen position,
        # which is wrong for charts of different widths side by side.)
        for chart in (self.status, self.consumers):
            chart.plot.getPlotItem().getViewBox().setXRange(start, end, padding=0)
        if self.range_box.count() == len(RANGES):
            self.range_box.addItem(CUSTOM_RANGE)
        self.range_box.blockSignals(True)
        self.range_box.setCurrentIndex(len(RANGES))
        self.range_box.blockSignals(False)
        self.refresh()

    def _on_loaded(self, data: ChartData) -> None:
        self._loaded_at = time.monotonic()
        self._last_load_s = self._loaded_at - self._submitted_at
        self.data = data
        keep = self._user_zoomed
        self.latency.set_data(data, keep_view=keep)
        self.histogram.set_data(data)
        self.status.set_series(data, data.status_by_bucket, STATUS_COLOURS, keep_view=keep)
        colours = {
            name: SERIES_COLOURS[i % len(SERIES_COLOURS)]
            for i, name in enumerate(data.consumers_by_bucket)
        }
        colours[OTHER_CONSUMERS] = "#8c959f"
        colours[NO_CONSUMER] = "#d0d7de"
        self.consumers.set_series(data, data.consumers_by_bucket, colours, keep_view=keep)
        self._show_codes(data)
        self.loaded.emit()
        if data.is_empty:
            self.summary.setText("No requests in this range yet.")
        else:
            self.summary.setText(
                f"{data.total:,} request{'' if data.total == 1 else 's'} · "
                f"p50 {data.p50_ms or 0:.0f} ms · "
                f"p95 {data.p95_ms or 0:.0f} ms · p99 {data.p99_ms or 0:.0f} ms · "
                f"{period_text(data.bucket_seconds, spaced=True)} buckets"
            )

    def _on_failed(self, message: str) -> None:
        self.summary.setText(f"Charts could not be computed: {message}")

    def _show_codes(self, data: ChartData) -> None:
        ordered = sorted(data.status_codes.items(), key=lambda item: (-item[1], item[0]))
        self.codes.setRowCount(len(ordered))
        for row, (code, count) in enumerate(ordered):
            cls = "failed" if code == "failed" else f"{code[0]}xx"
            status = QTableWidgetItem(code)
            status.setForeground(QColor(STATUS_COLOURS.get(cls, "#57606a")))
            self.codes.setItem(row, 0, status)
            self.codes.setItem(row, 1, QTableWidgetItem(f"{count:,}"))
            self.codes.setItem(row, 2, QTableWidgetItem(f"{100 * count / data.total:.1f} %"))

    def _export_menu(self) -> QMenu:
        menu = QMenu(self)
        for name in ("Response time", "Latency distribution", "Status codes", "Consumers"):
            menu.addAction(name, lambda n=name: self.export_chart(n))
        return menu

    def chart_plot(self, name: str) -> pg.PlotWidget:
        return {
            "Response time": self.latency.plot,
            "Latency distribution": self.histogram.plot,
            "Status codes": self.status.plot,
            "Consumers": self.consumers.plot,
        }[name]

    def export_chart(self, name: str, path: Path | None = None) -> Path | None:
        """Write one chart as PNG or SVG (by the file's suffix); asks for a file when none given."""
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self, f"Export {name}", f"{name.lower().replace(' ', '-')}.png",
                "PNG image (*.png);;SVG image (*.svg)",
            )  # fmt: skip
            if not chosen:
                return None
            path = Path(chosen)
        plot = self.chart_plot(name)
        if path.suffix.lower() == ".svg":
            # pyqtgraph's SVGExporter fails on the closed paths Qt 6 draws for bars
            # (pyqtgraph issue #3495); Qt's own SVG generator renders the same scene as vectors.
            generator = QSvgGenerator()
            generator.setFileName(str(path))
            generator.setSize(plot.size())
            generator.setViewBox(plot.rect())
            generator.setTitle(name)
            painter = QPainter(generator)
            try:
                plot.render(painter)
            finally:
                painter.end()
        else:
            pyqtgraph.exporters.ImageExporter(plot.getPlotItem()).export(str(path))
        return path
