"""The consumers list: who made the filtered requests, with counts, error rate and latency."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from inspector import units
from inspector.gui import formatting, theme
from inspector.gui.workers import QueryRunner
from inspector.store.filters import MATCH_ALL, SqlFilter, consumer_filter

Index = QModelIndex | QPersistentModelIndex

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
        if not parts and self.identifier and self.identifier != self.name:
            parts.append(self.identifier)
        return " · ".join(parts)

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


_SCAN_BATCH = 65536


@dataclass
class _Columns:
    """The matching exchanges, one numpy array per column; consumer -1 means none."""

    consumer: npt.NDArray[np.int64]
    duration_ms: npt.NDArray[np.float64]  # NaN when the exchange failed
    is_error: npt.NDArray[np.float64]
    started_at: npt.NDArray[np.float64]


def _scan(conn: sqlite3.Connection, flt: SqlFilter) -> _Columns:
    # One streamed pass and numpy: on a million rows several times faster than GROUP BY plus
    # window functions (SQLite's sorter), and the same numbers as `inspector stats`.
    join = " LEFT JOIN consumers c ON c.id = e.consumer_id" if "c." in flt.where else ""
    cursor = conn.execute(
        "SELECT coalesce(e.consumer_id, -1), coalesce(e.duration_ms, -1.0),"
        " e.status IS NULL OR e.status >= 400, e.started_at"
        f" FROM exchanges e{join} WHERE ({flt.where})",
        flt.params,
    )
    parts: list[list[tuple[object, ...]]] = []
    while rows := cursor.fetchmany(_SCAN_BATCH):
        parts.append(list(zip(*rows, strict=True)))
    if not parts:
        empty = np.zeros(0)
        return _Columns(np.zeros(0, dtype=np.int64), empty, empty, empty)
    consumer = np.concatenate([np.array(part[0], dtype=np.int64) for part in parts])
    duration = np.concatenate([np.array(part[1], dtype=np.float64) for part in parts])
    duration[duration < 0] = np.nan
    is_error = np.concatenate([np.array(part[2], dtype=np.float64) for part in parts])
    started = np.concatenate([np.array(part[3], dtype=np.float64) for part in parts])
    return _Columns(consumer, duration, is_error, started)


def _p95(durations: npt.NDArray[np.float64]) -> float | None:
    known = durations[~np.isnan(durations)]
    return float(np.percentile(known, 95)) if known.size else None


def read_consumers(conn: sqlite3.Connection, flt: SqlFilter) -> list[ConsumerRow]:
    """Every consumer with traffic matching `flt`, busiest first; ALL on top.

    p95 interpolates linearly between the closest ranks, like `inspector stats`.
    """
    conn.execute("BEGIN")
    try:
        columns = _scan(conn, flt)
        people = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT id, identifier, label, email, consumer_group FROM consumers"
            )
        }
    finally:
        conn.execute("COMMIT")
    keys, codes = np.unique(columns.consumer, return_inverse=True)
    requests = np.bincount(codes, minlength=len(keys))
    errors = np.bincount(codes, weights=columns.is_error, minlength=len(keys))
    last_seen = np.full(len(keys), -np.inf)
    np.maximum.at(last_seen, codes, columns.started_at)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(keys) + 1))
    rows: list[ConsumerRow] = []
    for code, key in enumerate(keys.tolist()):
        members = order[bounds[code] : bounds[code + 1]]
        numbers = (int(requests[code]), int(errors[code]),
                   _p95(columns.duration_ms[members]), float(last_seen[code]))  # fmt: skip
        if key < 0:
            rows.append(ConsumerRow(ANONYMOUS, "(no consumer)", "", "", "", *numbers))
            continue
        identifier, label, email, group = people.get(key, (str(key), "", "", ""))
        rows.append(ConsumerRow(key, label or identifier, identifier, email, group, *numbers))
    rows.sort(key=lambda r: (-r.requests, r.name.lower()))
    everyone = ConsumerRow(
        ALL, "All consumers", requests=int(requests.sum()), errors=int(errors.sum()),
        p95_ms=_p95(columns.duration_ms),
        last_seen=float(np.max(columns.started_at)) if columns.started_at.size else None,
    )  # fmt: skip
    return [everyone, *rows]


COLUMNS = ("Consumer", "Requests", "Errors", "p95", "Last seen")
NAME, REQUESTS, ERRORS, P95, LAST_SEEN = range(len(COLUMNS))
SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 1


class ConsumerListModel(QAbstractTableModel):
    """Consumers of the filtered traffic, refreshed off the GUI thread.

    A refresh keeps rows whose key survives, so the selection stays on the same consumer while
    the numbers move.
    """

    refreshed = Signal()
    query_failed = Signal(str)

    def __init__(self, runner: QueryRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._rows: list[ConsumerRow] = [ConsumerRow(ALL, "All consumers")]
        self._filter = MATCH_ALL
        self.last_query_s = 0.0
        self._started = 0.0

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole and section in (REQUESTS, ERRORS, P95):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

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
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (REQUESTS, ERRORS, P95):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
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
