"""The Compare table's model on hand-made changes: cells as `inspector compare` prints them,
red and green on exactly the figures that moved, sorting by the change and p-values on hover."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush
from pytestqt.modeltest import ModelTester

from inspector.compare.report import Change, Figures
from inspector.gui import theme
from inspector.gui.models.compare import (
    BASE_REQUESTS,
    ERRORS,
    HEAD_REQUESTS,
    NAME,
    P50,
    P95,
    SIGNIFICANT,
    SORT_ROLE,
    ChangeTableModel,
)

pytestmark = pytest.mark.gui

# p95 went 20 ms -> 80 ms (significantly slower there and at p99), errors 10% -> 1% (fewer).
MIXED = Change(
    "GET /users/{id}",
    base=Figures(1_234, 123, 10.0, 20.0, 30.0),
    head=Figures(1_000, 10, 10.0, 80.0, 90.0),
    error_p=0.0001, latency_p=0.0001, slower_p=(None, 0.0001, 0.0001),
)  # fmt: skip
STEADY = Change(
    "GET /health",
    base=Figures(50, 0, 5.0, 6.0, 7.0),
    head=Figures(50, 0, 5.0, 6.0, 7.0),
    error_p=0.9, latency_p=0.8, slower_p=(0.7, 0.7, 0.7),
)  # fmt: skip
FEW = Change("GET /rare", Figures(2, 0, 9.0, 9.0, 9.0), Figures(3, 0, 900.0, 900.0, 900.0))
NEW = Change("GET /v2/items", base=None, head=Figures(7, 0, 3.0, 4.0, 5.0))
GONE = Change("GET /legacy", base=Figures(5, 1, 3.0, 4.0, 5.0), head=None)


def _model(*changes: Change) -> ChangeTableModel:
    model = ChangeTableModel("Endpoint")
    model.set_changes(list(changes))
    return model


def _text(model: ChangeTableModel, row: int, column: int) -> object:
    return model.index(row, column).data()


def _colour(model: ChangeTableModel, row: int, column: int) -> str | None:
    brush = model.index(row, column).data(Qt.ItemDataRole.ForegroundRole)
    return brush.color().name() if isinstance(brush, QBrush) else None


def test_the_model_passes_qt_checks(qtmodeltester: ModelTester) -> None:
    qtmodeltester.check(ChangeTableModel("Endpoint"))
    qtmodeltester.check(_model(MIXED, STEADY, FEW, NEW, GONE))


def test_cells_read_as_the_command_line_prints_them() -> None:
    model = _model(MIXED, NEW, GONE)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["Endpoint", "Base requests", "Head requests", "Error rate", "p50", "p95",
                       "p99", "Significant"]  # fmt: skip
    assert [_text(model, 0, c) for c in range(model.columnCount())] == [
        "GET /users/{id}", "1,234", "1,000", "10.0% → 1.0% (-9.0 pp)", "10.0 ms → 10.0 ms",
        "20.0 ms → 80.0 ms (+300%)", "30.0 ms → 90.0 ms (+200%)", "slower p95, p99, fewer errors",
    ]  # fmt: skip
    # A side that is absent counts 0 requests and has no figures.
    assert [_text(model, 1, c) for c in (BASE_REQUESTS, ERRORS, P95, SIGNIFICANT)] == [
        "0", "- → 0.0%", "- → 4.0 ms", "new"]  # fmt: skip
    assert [_text(model, 2, c) for c in (HEAD_REQUESTS, SIGNIFICANT)] == ["0", "gone"]
    alignment = model.index(0, BASE_REQUESTS).data(Qt.ItemDataRole.TextAlignmentRole)
    assert alignment & int(Qt.AlignmentFlag.AlignRight)


def test_red_and_green_fall_on_the_figures_that_moved() -> None:
    model = _model(MIXED, STEADY, FEW)
    red, green = theme.color("worse").name(), theme.color("better").name()
    # Slower with fewer errors: the row's name and verdict read as the regression.
    assert [_colour(model, 0, c) for c in (NAME, SIGNIFICANT, P95, ERRORS, P50)] == [
        red, red, red, green, None]  # fmt: skip
    assert _text(model, 1, SIGNIFICANT) == "not significant"
    assert {_colour(model, 1, c) for c in range(model.columnCount())} == {None}
    # 100x slower on 2 and 3 requests is no evidence: no colour, and it says why.
    assert _text(model, 2, SIGNIFICANT) == "too few to tell"
    assert {_colour(model, 2, c) for c in range(model.columnCount())} == {None}


def test_sorting_uses_the_change_and_puts_regressions_first() -> None:
    model = _model(STEADY, NEW, MIXED, GONE, FEW)
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)

    def names() -> list[str]:
        return [proxy.index(row, NAME).data() for row in range(proxy.rowCount())]

    proxy.sort(P95, Qt.SortOrder.DescendingOrder)
    # +9900% (on too few requests, yet a change), +300%, 0%; a side without a p95 (new, gone)
    # sorts below every real change.
    assert names()[:3] == ["GET /rare", "GET /users/{id}", "GET /health"]
    assert set(names()[3:]) == {"GET /v2/items", "GET /legacy"}
    proxy.sort(BASE_REQUESTS, Qt.SortOrder.DescendingOrder)  # 1,234 > 50 as numbers, not text
    assert names() == ["GET /users/{id}", "GET /health", "GET /legacy", "GET /rare",
                       "GET /v2/items"]  # fmt: skip
    proxy.sort(SIGNIFICANT, Qt.SortOrder.DescendingOrder)
    assert names()[:3] == ["GET /users/{id}", "GET /v2/items", "GET /legacy"]


def test_the_verdict_tooltip_gives_the_p_values_or_why_there_are_none() -> None:
    model = _model(MIXED, FEW)
    tip = model.index(0, SIGNIFICANT).data(Qt.ItemDataRole.ToolTipRole)
    assert "Error rate: p = 0.0001 (two-proportion z-test)" in tip
    assert "Latency: p = 0.0001 (Mann-Whitney U)" in tip
    assert tip.endswith("Significant below p = 0.01")
    few = model.index(1, SIGNIFICANT).data(Qt.ItemDataRole.ToolTipRole)
    assert few.count("too few requests to test") == 2
    assert model.index(0, P95).data(Qt.ItemDataRole.ToolTipRole) is None
