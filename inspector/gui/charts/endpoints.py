"""The endpoints table: requests, error rate, latency percentiles and sizes per endpoint, and,
with an OpenAPI spec configured, where each endpoint's traffic leaves it."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import ClassVar

from PySide6.QtCore import (
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from inspector.contract.drift import Finding, check
from inspector.gui import theme
from inspector.gui.models.table import RIGHT, Index, TableModel
from inspector.gui.workers import QueryRunner
from inspector.openapi import OpenApiSpec
from inspector.store.answers import EndpointStats
from inspector.store.filters import MATCH_ALL, SqlFilter
from inspector.store.queries import endpoint_stats
from inspector.store.selection import Selection
from inspector.units import duration_text, size_text

SORT_ROLE = Qt.ItemDataRole.UserRole

# A row of the table: the store's figures; an operation of the spec never called has 0 requests.
EndpointRow = EndpointStats
# Drift findings per (method, endpoint) row.
SpecDrift = dict[tuple[str, str], list[Finding]]
# Bodies validated per endpoint and status on each refresh: enough to see a schema mismatch,
# few enough that a live refresh stays quick on a large capture.
_DRIFT_SAMPLES = 20
_SPEC_COLUMN = 9


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


def load_spec_drift(conn: sqlite3.Connection, selection: Selection, spec: OpenApiSpec) -> SpecDrift:
    """Where each endpoint's traffic leaves the spec (inspector drift, on a small body sample)."""
    drift: SpecDrift = {}
    for finding in check(conn, selection, spec, samples=_DRIFT_SAMPLES).findings:
        drift.setdefault((finding.method, finding.endpoint), []).append(finding)
    return drift


def spec_text(findings: list[Finding]) -> str:
    """One short cell: `matches`, `not in spec`, or the first difference (`404 undocumented`).
    The column has about 120 pixels at 1280 wide; its tooltip lists every difference."""
    if not findings:
        return "matches"
    if any(f.kind == "undocumented-operation" for f in findings):
        path_unknown = any(f.detail.startswith("path") for f in findings)
        return "not in spec" if path_unknown else "method not in spec"
    first = findings[0]  # statuses first, then schema mismatches, then extra fields
    return {
        "undocumented-status": f"{first.detail} undocumented",
        "invalid-response": "schema mismatch",
        "undocumented-field": "extra field",
    }[first.kind]


def _spec_tooltip(findings: list[Finding]) -> str:
    if not findings:
        return "Every status and sampled body of this endpoint matches the OpenAPI spec"
    lines = []
    for finding in findings[:12]:
        who = ", ".join(name for name, _ in finding.consumers.most_common(3))
        lines.append(f"{finding.kind}: {finding.detail}" + (f" ({who})" if who else ""))
    if len(findings) > 12:
        lines.append(f"… and {len(findings) - 12} more (inspector drift --spec lists them all)")
    return "\n".join(lines)


def endpoint_filter_text(method: str, endpoint: str) -> str:
    """The filter-bar text that selects one endpoint."""
    value = f'"{endpoint}"' if " " in endpoint else endpoint
    return f"method:{method} endpoint:{value}"


class EndpointsTableModel(TableModel):
    # Short size headers leave the Spec column room at 1280 pixels; tooltips say them in full.
    headers = ("Method", "Endpoint", "Requests", "Errors", "p50", "p95", "p99", "Avg req",
               "Avg resp", "Spec")  # fmt: skip
    right_aligned = range(2, _SPEC_COLUMN)
    header_tips: ClassVar[Mapping[int, str]] = {
        7: "Average request body size",
        8: "Average response body size",
        9: "How this endpoint's traffic matches the OpenAPI spec ([capture] openapi)",
    }

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[EndpointRow] = []
        self.drift: SpecDrift | None = None  # None: no spec to hold the traffic against

    def set_rows(self, rows: list[EndpointRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def set_drift(self, drift: SpecDrift | None) -> None:
        self.drift = drift
        if self.rows:
            column = (
                self.index(0, len(self.headers) - 1),
                self.index(len(self.rows) - 1, len(self.headers) - 1),
            )
            self.dataChanged.emit(*column)

    def findings(self, row: EndpointRow) -> list[Finding]:
        return (self.drift or {}).get((row.method, row.endpoint), [])

    def row_count(self) -> int:
        return len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == SORT_ROLE:
            return self._sort_key(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.right_aligned:
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.never_called:
                return QPalette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
            if column == 3 and (row.error_rate or 0) >= 0.05:
                return QColor("#cf222e")
            if column == _SPEC_COLUMN and self.findings(row):
                return theme.color("worse")
        if role == Qt.ItemDataRole.ToolTipRole:
            if row.never_called:
                return "In the OpenAPI spec, never called in this capture"
            if column == _SPEC_COLUMN and self.drift is not None:
                return _spec_tooltip(self.findings(row))
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
        if column == _SPEC_COLUMN:
            return "" if self.drift is None else spec_text(self.findings(row))
        return size_text(row.avg_request_bytes if column == 7 else row.avg_response_bytes)

    def _sort_key(self, row: EndpointRow, column: int) -> object:
        keys: tuple[object, ...] = (
            row.method, row.endpoint, row.requests, row.error_rate or 0.0, row.p50_ms or 0.0,
            row.p95_ms or 0.0, row.p99_ms or 0.0, row.avg_request_bytes, row.avg_response_bytes,
            len(self.findings(row)),
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
        self._drift_asked: tuple[SqlFilter, int] | None = None  # the filter and spec last checked
        self._show_spec_column(False)

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
        self._show_spec_column(spec is not None)
        self._runner.submit(
            "endpoints",
            lambda conn: load_endpoint_rows(conn, selection, spec),
            self.source.set_rows,
        )
        if spec is None:
            self.source.set_drift(None)
            return
        # Drift reads every exchange (seconds at a million): on its own channel, so the figures
        # never wait for it, and while live only once the last check is done, or a refresh every
        # two seconds would cancel every check before it finished. A new filter or spec restarts it.
        asked = (self._filter, id(spec))
        if asked != self._drift_asked or not self._runner.is_busy("endpoint-drift"):
            self._drift_asked = asked
            self._runner.submit(
                "endpoint-drift",
                lambda conn: load_spec_drift(conn, selection, spec),
                self.source.set_drift,
            )

    def _show_spec_column(self, shown: bool) -> None:
        """The spare width goes to the Spec column when there is one: its sentences are longer
        than any template, and a template cut short is worse than a finding (its tooltip)."""
        header = self.horizontalHeader()
        self.setColumnHidden(_SPEC_COLUMN, not shown)
        stretched = _SPEC_COLUMN if shown else 1
        for column in (1, _SPEC_COLUMN):
            mode = QHeaderView.ResizeMode.Stretch if column == stretched else (
                QHeaderView.ResizeMode.ResizeToContents)  # fmt: skip
            header.setSectionResizeMode(column, mode)

    def _on_activated(self, index: QModelIndex) -> None:
        row = self.source.rows[self.proxy.mapToSource(index).row()]
        self.endpoint_chosen.emit(row.method, row.endpoint)
