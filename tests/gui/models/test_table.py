"""The header and counts every table of the app shares (TableModel)."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester

from inspector.gui.charts.endpoints import EndpointsTableModel
from inspector.gui.models.compare import ChangeTableModel
from inspector.gui.models.table import RIGHT, Index, TableModel

pytestmark = pytest.mark.gui
Display, Align, Tip = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.TextAlignmentRole,
                       Qt.ItemDataRole.ToolTipRole)  # fmt: skip
Horizontal, Vertical = Qt.Orientation.Horizontal, Qt.Orientation.Vertical


class Fruit(TableModel):
    headers = ("Name", "Count")
    right_aligned = (1,)
    header_tips: ClassVar[dict[int, str]] = {1: "How many are left"}

    def __init__(self, rows: list[tuple[str, int]]) -> None:
        super().__init__()
        self.rows = rows

    def row_count(self) -> int:
        return len(self.rows)

    def data(self, index: Index, role: int = Display) -> Any:
        if role == Display and index.isValid() and index.row() < len(self.rows):
            return self.rows[index.row()][index.column()]
        return None


def test_counts_are_of_the_rows_and_the_headers(qtmodeltester: ModelTester) -> None:
    model = Fruit([("pear", 3), ("quince", 12)])
    assert (model.rowCount(), model.columnCount()) == (2, 2)
    # A flat table: an item has no children.
    assert (model.rowCount(model.index(0, 0)), model.columnCount(model.index(0, 0))) == (0, 0)
    qtmodeltester.check(model)
    assert Fruit([]).rowCount(QModelIndex()) == 0


def test_the_header_titles_aligns_and_explains_its_columns() -> None:
    model = Fruit([])
    assert [model.headerData(n, Horizontal, Display) for n in range(2)] == ["Name", "Count"]
    assert model.headerData(1, Horizontal, Align) == RIGHT
    assert model.headerData(0, Horizontal, Align) is None
    assert model.headerData(1, Horizontal, Tip) == "How many are left"
    assert model.headerData(0, Horizontal, Tip) is None
    # Outside the columns, or the row header: nothing, never an IndexError from Qt's calls.
    assert model.headerData(2, Horizontal, Display) is None
    assert model.headerData(-1, Horizontal, Display) is None
    assert model.headerData(0, Vertical, Display) is None


def test_the_app_tables_right_align_the_titles_of_their_number_columns() -> None:
    endpoints = EndpointsTableModel()
    assert endpoints.headerData(2, Horizontal, Display) == "Requests"
    assert endpoints.headerData(2, Horizontal, Align) == RIGHT
    assert endpoints.headerData(1, Horizontal, Align) is None  # the endpoint's path
    assert endpoints.headerData(9, Horizontal, Align) is None  # the Spec verdict is words
    changes = ChangeTableModel("Consumer")
    assert changes.headerData(0, Horizontal, Display) == "Consumer"
    assert changes.headerData(1, Horizontal, Align) == RIGHT
