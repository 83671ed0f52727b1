"""The endpoints table: requests, error rate, latency percentiles and sizes per endpoint."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from inspector.gui.workers import QueryRunner
from inspector.openapi import OpenApiSpec
from inspector.store.answers import EndpointStats
from inspector.store.filters import MATCH_ALL, SqlFilter
from inspector.store.queries import endpoint_stats
from inspector.store.selection import Selection
from inspector.units import duration_text, size_text

SORT_ROLE = Qt.ItemDataRole.UserRole
ModelIndex = QModelIndex | QPersistentModelIndex


# A row of the table: the store's figures; an operation of the spec never called has 0 requests.
EndpointRow = EndpointStats


def load_endpoint_rows(
    conn: sqlite3.Connection, selection: Selection, spec: OpenApiSpec | None
) -> list[EndpointRow]:
    """Endpoint statistics of the selection, plus the spec's operations nobody called."""
    rows = list(endpoint_stats(conn, selection))
    if spec is not None:
        called = {(row.method, row.endpoint) for row in rows}
        rows.extend(
            EndpointStats(op.method, op.template, 0, 0, None, None, None, None, 0.0, 0.0)
            for op in spec.uncalled(called)
        )
    return rows


def endpoint_filter_text(method: str, endpoint: str) -> str:
    """The filter-bar text that selects one endpoint."""
    value = f'"{endpoint}"' if " " in endpoint else endpoint
    return f"method:{method} endpoint:{value}"


class EndpointsTableModel(QAbstractTableModel):
    HEADERS = ("Method", "Endpoint", "Requests", "Errors", "p50", "p95", "p99", "Avg request",
               "Avg response")  # fmt: skip

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[EndpointRow] = []

    def set_rows(self, rows: list[EndpointRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == SORT_ROLE:
            return self._sort_key(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.never_called:
                return QPalette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
            if column == 3 and (row.error_rate or 0) >= 0.05:
                return QColor("#cf222e")
        if role == Qt.ItemDataRole.ToolTipRole and row.never_called:
            return "In the OpenAPI spec, never called in this capture"
        return None

    def _display(self, row: EndpointRow, column: int) -> str:
        if column == 0:
            return row.method
        if column == 1:
            return row.endpoint
        if column == 2:
            return "never called" if row.never_called else f"{row.requests:,}"
        if column == 3:
            rate = row.error_rate
            return "" if rate is None else f"{100 * rate:.1f} %"
        if column in (4, 5, 6):
            return duration_text((row.p50_ms, row.p95_ms, row.p99_ms)[column - 4])
        if row.never_called:
            return ""
        return size_text(row.avg_request_bytes if column == 7 else row.avg_response_bytes)

    def _sort_key(self, row: EndpointRow, column: int) -> object:
        keys: tuple[object, ...] = (
            row.method, row.endpoint, row.requests, row.error_rate or 0.0, row.p50_ms or 0.0,
            row.p95_ms or 0.0, row.p99_ms or 0.0, row.avg_request_bytes, row.avg_response_bytes,
        )  # fmt: skip
        return keys[column]


class EndpointsView(QTableView):
    """Sortable endpoint table; choosing a row asks the window to filter to that endpoint."""

    endpoint_chosen = Signal(str, str)  # method, endpoint template

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = EndpointsTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.source)
        self.proxy.setSortRole(SORT_ROLE)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(2, Qt.SortOrder.DescendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.activated.connect(self._on_activated)
        self.setToolTip("Double-click an endpoint (or press Enter) to filter every view to it.")
        self._runner: QueryRunner | None = None
        self._filter = MATCH_ALL
        self.spec: OpenApiSpec | None = None

    def set_runner(self, runner: QueryRunner | None) -> None:
        self._runner = runner
        self.refresh()

    def set_filter(self, flt: SqlFilter) -> None:
        self._filter = flt
        self.refresh()

    def refresh(self) -> None:
        if self._runner is None:
            self.source.set_rows([])
            return
        selection, spec = Selection(self._filter), self.spec
        self._runner.submit(
            "endpoints",
            lambda conn: load_endpoint_rows(conn, selection, spec),
            self.source.set_rows,
        )

    def _on_activated(self, index: QModelIndex) -> None:
        row = self.source.rows[self.proxy.mapToSource(index).row()]
        self.endpoint_chosen.emit(row.method, row.endpoint)
