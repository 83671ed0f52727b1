"""The Compare window's table: an endpoint (or consumer) on both sides a row, sorted by number."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QBrush

from inspector.compare.marks import Mark, marks, verdict
from inspector.compare.render import errors_cell, latency_cell
from inspector.compare.report import Change
from inspector.compare.significance import ALPHA
from inspector.gui import theme
from inspector.gui.models.table import RIGHT, Index, TableModel

SORT_ROLE = Qt.ItemDataRole.UserRole
NAME, BASE_REQUESTS, HEAD_REQUESTS, ERRORS, P50, P95, P99, SIGNIFICANT = range(8)
_PERCENTILE = {P50: 50, P95: 95, P99: 99}
# A change one side cannot have (a new or gone endpoint) sorts below every real one.
_NO_CHANGE = float("-inf")
# Significant column order: regressions first when sorted descending.
_RANK = {"worse": 4, "new": 3, "gone": 2, "better": 1, "unknown": 0}


class ChangeTableModel(TableModel):
    """Rows of `Change`; the display reads as `inspector compare` prints, sorting uses numbers."""

    right_aligned = (BASE_REQUESTS, HEAD_REQUESTS)

    def __init__(self, name_title: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.headers = (name_title, "Base requests", "Head requests", "Error rate", "p50", "p95",
                        "p99", "Significant")  # fmt: skip
        self.changes: list[Change] = []
        self._marks: list[list[Mark]] = []

    def set_changes(self, changes: list[Change]) -> None:
        self.beginResetModel()
        self.changes = changes
        self._marks = [marks(change) for change in changes]
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.changes)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.changes):
            return None
        change, found = self.changes[index.row()], self._marks[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(change, found, column)
        if role == SORT_ROLE:
            return self._sort_key(change, found, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            return _foreground(found, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.right_aligned:
            return RIGHT
        if role == Qt.ItemDataRole.ToolTipRole and column == SIGNIFICANT:
            return _p_values(change)
        return None

    def _display(self, change: Change, found: list[Mark], column: int) -> str:
        if column == NAME:
            return change.name
        if column in (BASE_REQUESTS, HEAD_REQUESTS):
            side = change.base if column == BASE_REQUESTS else change.head
            return f"{side.requests:,}" if side else "0"
        if column == ERRORS:
            return errors_cell(change)
        if column in _PERCENTILE:
            return latency_cell(change, _PERCENTILE[column])
        return verdict(found)

    def _sort_key(self, change: Change, found: list[Mark], column: int) -> object:
        if column == NAME:
            return change.name
        if column in (BASE_REQUESTS, HEAD_REQUESTS):
            side = change.base if column == BASE_REQUESTS else change.head
            return side.requests if side else 0
        if column == ERRORS:
            moved = change.error_change_pp()
            return _NO_CHANGE if moved is None else moved
        if column in _PERCENTILE:
            latency = change.latency_change(_PERCENTILE[column])
            return _NO_CHANGE if latency is None else latency[1]  # the change in %
        return max((_RANK[mark.kind] for mark in found), default=0) * 10 + len(found)


def _foreground(found: list[Mark], column: int) -> QBrush | None:
    """Red for a regression, green for an improvement: on the name, the verdict and the figure
    that moved. A row both slower and with fewer errors reads red where it names it."""
    if column in (NAME, SIGNIFICANT):
        kinds = {mark.kind for mark in found}
        tone = "worse" if "worse" in kinds else "better" if "better" in kinds else None
    else:
        metric = "errors" if column == ERRORS else f"p{_PERCENTILE.get(column, 0)}"
        tones = [mark.kind for mark in found if metric in mark.metrics]
        tone = tones[0] if tones else None
    if tone is None:
        return None
    return QBrush(theme.color(tone))


def _p_values(change: Change) -> str:
    def shown(p: float | None) -> str:
        return "too few requests to test" if p is None else f"p = {p:.3g}"

    return (f"Error rate: {shown(change.error_p)} (two-proportion z-test)\n"
            f"Latency: {shown(change.latency_p)} (Mann-Whitney U)\n"
            f"Significant below p = {ALPHA}")  # fmt: skip
