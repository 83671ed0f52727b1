"""The consumers list: who made the filtered requests, with counts, error rate and latency."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    Qt,
    Signal,
)

from inspector import units
from inspector.config import is_fingerprint
from inspector.gui import formatting, theme
from inspector.gui.models.table import RIGHT, Index, TableModel
from inspector.gui.workers import QueryRunner
from inspector.store.filters import MATCH_ALL, SqlFilter, consumer_filter
from inspector.store.queries import consumer_list
from inspector.store.selection import Selection

ALL = "all"
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class ConsumerRow:
    """One line of the list. `key` is ALL, ANONYMOUS or the consumer's row id."""

    key: int | str
    name: str
    identifier: str = ""
    email: str = ""
    group: str = ""
    requests: int = 0
    errors: int = 0
    p95_ms: float | None = None
    last_seen: float | None = None

    @property
    def selection_filter(self) -> SqlFilter:
        if self.key == ANONYMOUS:
            return SqlFilter("e.consumer_id IS NULL")
        if isinstance(self.key, int):
            return consumer_filter(self.key)
        return MATCH_ALL

    @property
    def subtitle(self) -> str:
        """The second line under the name: e-mail and group, or the id behind a label."""
        parts = [part for part in (self.email, self.group) if part]
        if (not parts and self.identifier and self.identifier != self.name
                and not is_fingerprint(self.identifier)):  # fmt: skip
            parts.append(self.identifier)
        return " · ".join(parts)

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


def read_consumers(conn: sqlite3.Connection, flt: SqlFilter) -> list[ConsumerRow]:
    """Every consumer with traffic matching `flt`, busiest first; ALL on top.

    The figures are the query layer's (the same as `inspector stats`); this only shapes rows.
    """
    answer = consumer_list(conn, Selection(flt))
    rows = [
        ConsumerRow(
            c.row_id, c.name, c.id, c.email, c.group, c.requests, c.errors, c.p95_ms, c.last_seen
        )
        for c in answer.consumers
    ]
    anonymous = answer.anonymous
    if anonymous.requests:
        rows.append(
            ConsumerRow(
                ANONYMOUS,
                "(no consumer)",
                "",
                "",
                "",
                anonymous.requests,
                anonymous.errors,
                anonymous.p95_ms,
                anonymous.last_seen,
            )
        )
    rows.sort(key=lambda r: (-r.requests, r.name.lower()))
    everyone = answer.everyone
    total = ConsumerRow(ALL, "All consumers", requests=everyone.requests, errors=everyone.errors,
                        p95_ms=everyone.p95_ms, last_seen=everyone.last_seen)  # fmt: skip
    return [total, *rows]


COLUMNS = ("Consumer", "Requests", "Errors", "p95", "Last seen")
NAME, REQUESTS, ERRORS, P95, LAST_SEEN = range(len(COLUMNS))
SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 1


class ConsumerListModel(TableModel):
    """Consumers of the filtered traffic, refreshed off the GUI thread.

    A refresh keeps rows whose key survives, so the selection stays on the same consumer while
    the numbers move.
    """

    refreshed = Signal()
    query_failed = Signal(str)
    headers = COLUMNS
    right_aligned = (REQUESTS, ERRORS, P95)

    def __init__(self, runner: QueryRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._rows: list[ConsumerRow] = [ConsumerRow(ALL, "All consumers")]
        self._filter = MATCH_ALL
        self.last_query_s = 0.0
        self._started = 0.0

    def row_count(self) -> int:
        return len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = [row.name]
            if row.identifier and row.identifier != row.name:
                parts.append(f"id: {row.identifier}")
            parts += [text for text in (row.email, row.group) if text]
            return "\n".join(parts)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.right_aligned:
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and column == ERRORS and row.errors:
            return theme.status_foreground(500 if row.error_rate >= 0.1 else 400)
        if role == Qt.ItemDataRole.FontRole and row.key == ALL and column == NAME:
            from PySide6.QtGui import QFont

            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.UserRole:
            return row.key
        if role == SUBTITLE_ROLE and column == NAME:
            return row.subtitle
        return None

    def row_at(self, row: int) -> ConsumerRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of_key(self, key: int | str) -> int | None:
        for number, row in enumerate(self._rows):
            if row.key == key:
                return number
        return None

    def set_filter(self, flt: SqlFilter) -> None:
        self._filter = flt
        self.refresh()

    def refresh(self) -> None:
        flt = self._filter
        self._started = time.monotonic()
        self._runner.submit(
            "consumers", lambda conn: read_consumers(conn, flt), self._apply,
            self.query_failed.emit,
        )  # fmt: skip

    def is_refreshing(self) -> bool:
        return self._runner.is_busy("consumers")

    def _apply(self, rows: list[ConsumerRow]) -> None:
        self.last_query_s = time.monotonic() - self._started
        old_keys = [row.key for row in self._rows]
        new_keys = [row.key for row in rows]
        if old_keys == new_keys:
            self._rows = rows
            self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(COLUMNS) - 1))
        else:
            # Keep persistent indexes (the selection) on the same consumers.
            self.layoutAboutToBeChanged.emit()
            persistent = self.persistentIndexList()
            keys = [self._rows[index.row()].key for index in persistent]
            self._rows = rows
            position = {row.key: number for number, row in enumerate(rows)}
            self.changePersistentIndexList(
                persistent,
                [
                    self.index(position[key], index.column()) if key in position else QModelIndex()
                    for key, index in zip(keys, persistent, strict=True)
                ],
            )
            self.layoutChanged.emit()
        self.refreshed.emit()


def _display(row: ConsumerRow, column: int) -> str:
    if column == NAME:
        return row.name
    if column == REQUESTS:
        return f"{row.requests:,}"
    if column == ERRORS:
        return formatting.percent(row.errors, row.requests) if row.errors else "0 %"
    if column == P95:
        return units.duration_text(row.p95_ms)
    return formatting.relative_time(row.last_seen)
