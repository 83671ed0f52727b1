"""The charts tab draws what the database holds, follows filters, and keeps the user's zoom."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QTableWidget
from pytestqt.qtbot import QtBot

from inspector.gui.charts import ChartsPanel
from inspector.gui.workers import QueryRunner
from inspector.model import Exchange
from inspector.store import write_batch
from inspector.store.filters import compile_filter
from inspector.testing import make_exchange

NOW = 1_795_000_020.0


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    assert item is not None, (row, column)
    return item.text()


def _traffic(count: int = 60) -> list[Exchange]:
    return [
        make_exchange(
            started_at=NOW - 3000 + i * 45,
            duration_ms=float(10 + i),
            status=500 if i % 6 == 0 else 200,
        )
        for i in range(count)
    ]


@pytest.fixture
def runner(db_path: Path, db: sqlite3.Connection) -> QueryRunner:
    return QueryRunner(db_path)


@pytest.fixture
def panel(qtbot: QtBot) -> ChartsPanel:
    widget = ChartsPanel(refresh_ms=60_000, clock=lambda: NOW)
    widget.resize(1200, 700)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def _load(qtbot: QtBot, panel: ChartsPanel, action: object) -> None:
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        action()  # type: ignore[operator]


def test_draws_every_exchange_of_the_range(
    qtbot: QtBot, panel: ChartsPanel, db: sqlite3.Connection, runner: QueryRunner
) -> None:
    write_batch(db, _traffic())
    _load(qtbot, panel, lambda: panel.set_runner(runner))
    assert panel.data is not None and panel.data.total == 60
    _x, y = panel.latency.points.getData()
    assert sorted(y) == [float(10 + i) for i in range(60)]
    stacked = sum(float(np.sum(bar.opts["height"])) for bar in panel.status._bars)
    assert stacked == 60
    codes = {_cell(panel.codes, r, 0): _cell(panel.codes, r, 1) for r in range(2)}
    assert codes == {"200": "50", "500": "10"}
    assert "60 requests" in panel.summary.text()
    assert panel.histogram.markers["p95"].isVisible()


def test_filter_changes_every_chart(
    qtbot: QtBot, panel: ChartsPanel, db: sqlite3.Connection, runner: QueryRunner
) -> None:
    write_batch(db, _traffic())
    _load(qtbot, panel, lambda: panel.set_runner(runner))
    _load(qtbot, panel, lambda: panel.set_filter(compile_filter("status:5xx")))
    assert panel.data is not None and panel.data.total == 10
    assert panel.codes.rowCount() == 1 and _cell(panel.codes, 0, 0) == "500"
    assert len(panel.latency.points.getData()[1]) == 10


def test_live_range_follows_the_clock(
    qtbot: QtBot, panel: ChartsPanel, db: sqlite3.Connection, runner: QueryRunner
) -> None:
    recent = [make_exchange(started_at=NOW - s, duration_ms=7.0) for s in (30, 90, 200)]
    write_batch(db, [*_traffic(), *recent])  # _traffic() ends 345 s before NOW
    _load(qtbot, panel, lambda: panel.set_runner(runner))
    _load(qtbot, panel, lambda: panel.range_box.setCurrentIndex(0))  # last 5 minutes
    assert panel.data is not None and panel.data.total == 3
    assert panel.data.start == NOW - 300


def test_clicking_a_point_selects_its_exchange(
    qtbot: QtBot, panel: ChartsPanel, db: sqlite3.Connection, runner: QueryRunner
) -> None:
    (row_id,) = write_batch(db, [make_exchange(started_at=NOW - 100, duration_ms=50.0)])
    _load(qtbot, panel, lambda: panel.set_runner(runner))
    plot = panel.latency.plot
    view = plot.getPlotItem().getViewBox()
    scene_pos = view.mapViewToScene(QPointF(NOW - 100, 50.0))
    widget_pos = plot.mapFromScene(scene_pos)
    with qtbot.waitSignal(panel.exchange_selected, timeout=5000) as blocker:
        qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=widget_pos)
    assert blocker.args == [row_id]


def test_a_dragged_range_survives_live_refresh(
    qtbot: QtBot, panel: ChartsPanel, db: sqlite3.Connection, runner: QueryRunner
) -> None:
    write_batch(db, _traffic())
    _load(qtbot, panel, lambda: panel.set_runner(runner))
    view = panel.latency.plot.getPlotItem().getViewBox()
    view.setXRange(NOW - 2000, NOW - 1000, padding=0)
    _load(qtbot, panel, lambda: panel.latency.range_dragged.emit(NOW - 2000, NOW - 1000))
    before = view.viewRange()[0]
    write_batch(db, [make_exchange(started_at=NOW - 1500, duration_ms=5.0)])
    _load(qtbot, panel, panel.refresh)
    assert panel.range_box.currentText() == "Dragged range"
    assert view.viewRange()[0] == pytest.approx(before)
    assert panel.data is not None and 5.0 in panel.data.point_durations


def test_empty_and_single_exchange_states(
    qtbot: QtBot, panel: ChartsPanel, db: sqlite3.Connection, runner: QueryRunner
) -> None:
    _load(qtbot, panel, lambda: panel.set_runner(runner))
    assert panel.summary.text() == "No requests in this range yet."
    assert not panel.histogram.markers["p50"].isVisible()
    write_batch(db, [make_exchange(started_at=NOW - 60, duration_ms=42.0)])
    _load(qtbot, panel, panel.refresh)
    assert panel.summary.text().startswith("1 request ·")
    assert panel.histogram.markers["p50"].value() == 42.0


def test_export_png_and_svg(
    qtbot: QtBot, panel: ChartsPanel, db: sqlite3.Connection, runner: QueryRunner, tmp_path: Path
) -> None:
    write_batch(db, _traffic())
    _load(qtbot, panel, lambda: panel.set_runner(runner))
    png = panel.export_chart("Response time", tmp_path / "latency.png")
    svg = panel.export_chart("Status codes", tmp_path / "status.svg")
    assert png is not None and png.read_bytes().startswith(b"\x89PNG")
    assert svg is not None
    text = svg.read_text()
    assert "<svg" in text and "<path" in text and "<image" not in text


def test_wide_latencies_use_a_log_axis_with_markers_labelled_in_ms(
    qtbot: QtBot, panel: ChartsPanel, db: sqlite3.Connection, runner: QueryRunner
) -> None:
    write_batch(db, [make_exchange(started_at=NOW - 100 + i, duration_ms=float(d))
                     for i, d in enumerate([2, 3, 5, 8, 13, 900, 1500])])  # fmt: skip
    _load(qtbot, panel, lambda: panel.set_runner(runner))
    assert panel.histogram.log_axis
    p50 = panel.histogram.markers["p50"]
    assert p50.value() == pytest.approx(np.log10(8.0))
    assert p50.label.format == "p50 8 ms"


def _pixels_of(widget: object, colour: str) -> int:
    from PySide6.QtGui import QColor

    image = widget.grab().toImage()  # type: ignore[attr-defined]
    wanted = QColor(colour).rgb()
    return sum(
        1 for y in range(image.height()) for x in range(image.width())
        if image.pixel(x, y) == wanted
    )  # fmt: skip


def test_sparse_traffic_still_shows_percentiles_and_whole_counts(
    qtbot: QtBot, panel: ChartsPanel, db: sqlite3.Connection, runner: QueryRunner
) -> None:
    from inspector.gui.charts.style import P50_COLOUR

    # Three requests minutes apart: every bucket stands alone between empty ones.
    write_batch(db, [make_exchange(started_at=NOW - 2400 + i * 900, duration_ms=30.0 + i)
                     for i in range(3)])  # fmt: skip
    _load(qtbot, panel, lambda: panel.set_runner(runner))
    qtbot.wait(50)  # one paint
    # The p50 series must draw something itself (its legend swatch stays either way).
    shown = _pixels_of(panel.latency.plot, P50_COLOUR)
    panel.latency.p50.setVisible(False)
    qtbot.wait(50)
    drawn = shown - _pixels_of(panel.latency.plot, P50_COLOUR)
    # Markers: about 80 pixels here; a line with no neighbouring bucket drew about 40 (dots).
    assert drawn >= 60
    for plot in (panel.status.plot, panel.histogram.plot):
        ticks = plot.getPlotItem().getAxis("left").tickValues(0, 1.2, 200)
        assert all(float(value).is_integer() for _spacing, values in ticks for value in values)
