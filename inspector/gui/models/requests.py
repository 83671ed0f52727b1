"""The live requests table: a windowed model over SQL, paged by keyset, appended by polling."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
)

from inspector import units
from inspector.error_words import error_words
from inspector.gui import formatting, theme
from inspector.gui.models.table import RIGHT, Index, TableModel
from inspector.gui.workers import QueryRunner
from inspector.model import authority
from inspector.store.filters import MATCH_ALL, SqlFilter
from inspector.store.queries import count_requests
from inspector.store.query_base import time_walk
from inspector.store.selection import Selection

FIRST_PAGE_ROWS = 200
PAGE_ROWS = 500
# One poll never pulls more than this; a burst larger than that arrives over a few ticks.
MAX_ROWS_PER_POLL = 5000


class RequestRow(NamedTuple):
    """What one table row shows; payloads stay in the database until a row is opened."""

    id: int
    started_at: float
    consumer: str
    method: str
    scheme: str
    host: str
    port: int
    path: str
    query: str
    status: int | None
    duration_ms: float | None
    response_bytes: int
    error: str | None
    endpoint: str
    consumer_row_id: int | None


_SELECT_FROM = """
    SELECT e.id, e.started_at, coalesce(nullif(c.label, ''), c.identifier, ''), e.method,
           e.scheme, e.host, e.port, e.path, e.query, e.status, e.duration_ms, e.response_bytes,
           e.error, e.endpoint, e.consumer_id
    FROM exchanges e {hint} LEFT JOIN consumers c ON c.id = e.consumer_id
"""
_SELECT = _SELECT_FROM.format(hint="")


@dataclass(frozen=True)
class Column:
    title: str
    sort_sql: str  # plain indexed columns where possible, so a page is an index range scan
    align_right: bool = False
    # NULL sorts first ascending and last descending in SQLite; row-value comparisons with NULL
    # are never true, so paging past NULLs needs its own conditions (see _after).
    nullable: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("Time", "e.started_at"),
    Column("Consumer", "coalesce(nullif(c.label, ''), c.identifier, '')"),
    Column("Method", "e.method"),
    Column("Host", "e.host"),
    Column("Path", "e.path"),
    Column("Status", "e.status", align_right=True, nullable=True),
    Column("Duration", "e.duration_ms", align_right=True, nullable=True),
    Column("Size", "e.response_bytes", align_right=True),
)
TIME, CONSUMER, METHOD, HOST, PATH, STATUS, DURATION, SIZE = range(len(COLUMNS))
_ROW_KEYS: dict[int, Callable[[RequestRow], object]] = {
    TIME: lambda r: r.started_at,
    CONSUMER: lambda r: r.consumer,
    METHOD: lambda r: r.method,
    HOST: lambda r: r.host,
    PATH: lambda r: r.path,
    STATUS: lambda r: r.status,
    DURATION: lambda r: r.duration_ms,
    SIZE: lambda r: r.response_bytes,
}


@dataclass(frozen=True)
class _Page:
    rows: list[RequestRow]
    exhausted: bool
    newest_id: int  # the highest exchange id when the page was read: polling starts past it
    total: int | None = None


@dataclass(frozen=True)
class _Poll:
    rows: list[RequestRow]
    newest_id: int
    new_total: int


def _rows(cursor: sqlite3.Cursor) -> list[RequestRow]:
    return [RequestRow(*row) for row in cursor.fetchall()]


def _after(column: int, descending: bool, row: RequestRow) -> tuple[str, tuple[object, ...]]:
    """The keyset condition for rows that come after `row` in this order."""
    key = COLUMNS[column].sort_sql
    value = _ROW_KEYS[column](row)
    op = "<" if descending else ">"
    if value is None:
        if descending:  # NULLs come last: only NULL rows remain
            return f"({key} IS NULL AND e.id < ?)", (row.id,)
        return f"(({key} IS NULL AND e.id > ?) OR {key} IS NOT NULL)", (row.id,)
    condition = f"({key}, e.id) {op} (?, ?)"
    if descending and COLUMNS[column].nullable:
        return f"({condition} OR {key} IS NULL)", (value, row.id)
    return condition, (value, row.id)


def _page_query(
    flt: SqlFilter, column: int, descending: bool, after: RequestRow | None, limit: int
) -> tuple[str, tuple[object, ...]]:
    key = COLUMNS[column].sort_sql
    direction = "DESC" if descending else "ASC"
    where, params = f"({flt.where})", tuple(flt.params)
    if after is not None:
        condition, values = _after(column, descending, after)
        where += f" AND {condition}"
        params += values
    select = _SELECT_FROM.format(hint=time_walk(flt) if key == "e.started_at" else "")
    sql = f"{select} WHERE {where} ORDER BY {key} {direction}, e.id {direction} LIMIT ?"
    return sql, (*params, limit)


def _read_page(
    conn: sqlite3.Connection,
    flt: SqlFilter,
    column: int,
    descending: bool,
    after: RequestRow | None,
    limit: int,
    with_total: bool,
) -> _Page:
    # One read transaction: the page and the id polling resumes from see the same snapshot,
    # so no exchange is shown twice or missed between them.
    conn.execute("BEGIN")
    try:
        newest_id = conn.execute("SELECT coalesce(max(id), 0) FROM exchanges").fetchone()[0]
        # One row more than asked tells whether another page exists.
        sql, params = _page_query(flt, column, descending, after, limit + 1)
        rows = _rows(conn.execute(sql, params))
        total = None
        if with_total:
            total = count_requests(conn, Selection())
    finally:
        conn.execute("COMMIT")
    return _Page(rows[:limit], len(rows) <= limit, newest_id, total)


def _read_new(conn: sqlite3.Connection, flt: SqlFilter, since_id: int) -> _Poll:
    conn.execute("BEGIN")
    try:
        top = conn.execute("SELECT coalesce(max(id), 0) FROM exchanges").fetchone()[0]
        if top <= since_id:
            return _Poll([], since_id, 0)
        rows = _rows(
            conn.execute(
                f"{_SELECT} WHERE e.id > ? AND e.id <= ? AND ({flt.where}) ORDER BY e.id LIMIT ?",
                (since_id, top, *flt.params, MAX_ROWS_PER_POLL),
            )
        )
        newest = rows[-1].id if len(rows) == MAX_ROWS_PER_POLL else top
        new_total = conn.execute(
            "SELECT count(*) FROM exchanges WHERE id > ? AND id <= ?", (since_id, newest)
        ).fetchone()[0]
    finally:
        conn.execute("COMMIT")
    return _Poll(rows, newest, new_total)


def _count(conn: sqlite3.Connection, flt: SqlFilter) -> int:
    return count_requests(conn, Selection(flt))


class RequestTableModel(TableModel):
    """Exchanges matching a filter, in SQL order, loaded a page at a time as the view scrolls.

    Only loaded rows live in memory (a small tuple each, no payloads). Every query runs on the
    runner's threads; new exchanges are polled for by id and inserted in one batch per tick.
    """

    reloaded = Signal()
    rows_appended = Signal(int)  # rows inserted by one poll
    counts_changed = Signal()
    query_failed = Signal(str)
    headers = tuple(column.title for column in COLUMNS)
    right_aligned = frozenset(n for n, column in enumerate(COLUMNS) if column.align_right)

    def __init__(
        self, runner: QueryRunner, parent: QObject | None = None, poll_interval_ms: int = 300
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._rows: list[RequestRow] = []
        self._filter: SqlFilter = MATCH_ALL
        self._sort_column = TIME
        self._descending = True
        self._exhausted = True
        self._loaded_once = False
        self._newest_id = 0
        self.total_count: int | None = None
        self.shown_count: int | None = None
        # Exchanges that arrived while sorted by something else than time (not inserted).
        self.unsorted_new = 0
        self._arrivals: list[tuple[float, int]] = []
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(poll_interval_ms)
        self._poll_timer.timeout.connect(self.poll)

    # --- Qt model interface ---------------------------------------------------------------

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
            return _tooltip(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.right_aligned:
            return RIGHT
        if role == Qt.ItemDataRole.BackgroundRole:
            return theme.row_background(row.status)
        if role == Qt.ItemDataRole.ForegroundRole and column in (STATUS, DURATION):
            if column == STATUS:
                return theme.status_foreground(row.status)
            return theme.duration_foreground(row.duration_ms)
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self._runner.is_busy("page")

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        flt, column, descending = self._filter, self._sort_column, self._descending
        after = self._rows[-1] if self._rows else None
        self._runner.submit(
            "page",
            lambda conn: _read_page(conn, flt, column, descending, after, PAGE_ROWS, False),
            self._append_page,
            self.query_failed.emit,
        )

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (column, descending) == (self._sort_column, self._descending) and self._loaded_once:
            return
        self._sort_column, self._descending = column, descending
        self.reload()

    # --- Our interface --------------------------------------------------------------------

    @property
    def sql_filter(self) -> SqlFilter:
        return self._filter

    @property
    def sort_order(self) -> tuple[int, bool]:
        return self._sort_column, self._descending

    def row_at(self, row: int) -> RequestRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of_id(self, exchange_id: int) -> int | None:
        return self.rows_of_ids([exchange_id]).get(exchange_id)

    def rows_of_ids(self, exchange_ids: Iterable[int]) -> dict[int, int]:
        """Exchange id -> row number, for those of `exchange_ids` that are loaded."""
        wanted = set(exchange_ids)
        return {row.id: number for number, row in enumerate(self._rows) if row.id in wanted}

    def set_filter(self, flt: SqlFilter) -> None:
        self._filter = flt
        self.reload()

    def set_live(self, live: bool) -> None:
        """Poll for new exchanges (the default once started) or stop polling."""
        if live:
            self._poll_timer.start()
        else:
            self._poll_timer.stop()

    def reload(self) -> None:
        """Re-read the first page for the current filter and sort; counts follow separately."""
        flt, column, descending = self._filter, self._sort_column, self._descending
        self._runner.cancel("poll")
        self._runner.submit(
            "page",
            lambda conn: _read_page(conn, flt, column, descending, None, FIRST_PAGE_ROWS, True),
            self._replace_rows,
            self._fail,
        )
        self.shown_count = None
        self.counts_changed.emit()
        # The count starts once the rows are shown: it must not slow down what the user awaits.
        self._runner.cancel("count")

    def poll(self) -> None:
        if self._runner.is_busy("poll") or self._runner.is_busy("page"):
            return
        if not self._loaded_once:
            # The first read failed (a file still being created, say): try again.
            self.reload()
            return
        flt, since = self._filter, self._newest_id
        self._runner.submit("poll", lambda conn: _read_new(conn, flt, since), self._insert_new)

    def arrival_rate(self, window_s: float = 5.0) -> float:
        """Exchanges captured per second over the last few seconds (all of them, unfiltered)."""
        now = time.monotonic()
        self._arrivals = [(t, n) for t, n in self._arrivals if now - t <= window_s]
        return sum(n for _, n in self._arrivals) / window_s

    # --- Results ---------------------------------------------------------------------------

    def _fail(self, message: str) -> None:
        self._exhausted = True
        self.query_failed.emit(message)

    def _replace_rows(self, page: _Page) -> None:
        self.beginResetModel()
        self._rows = page.rows
        self._exhausted = page.exhausted
        self.endResetModel()
        self._newest_id = page.newest_id
        self._loaded_once = True
        self.unsorted_new = 0
        self.total_count = page.total
        self.counts_changed.emit()
        self.reloaded.emit()
        flt = self._filter
        self._runner.submit("count", lambda conn: _count(conn, flt), self._set_shown_count)

    def _append_page(self, page: _Page) -> None:
        # Rows polled in meanwhile (ascending time order) may already hold some of these.
        known = {row.id for row in self._rows[-len(page.rows) - MAX_ROWS_PER_POLL :]}
        rows = [row for row in page.rows if row.id not in known]
        self._exhausted = page.exhausted
        if rows:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    def _set_shown_count(self, count: int) -> None:
        self.shown_count = count
        self.counts_changed.emit()

    def _insert_new(self, poll: _Poll) -> None:
        self._newest_id = poll.newest_id
        if poll.new_total:
            self._arrivals.append((time.monotonic(), poll.new_total))
            if self.total_count is not None:
                self.total_count += poll.new_total
        # Arrival (id) order is completion order; within a batch, show them by start time.
        # A slow exchange that started before rows already shown still lands on top: live
        # insertion never moves rows the user may be reading.
        rows = sorted(poll.rows, key=lambda row: (row.started_at, row.id))
        if rows and self.shown_count is not None:
            self.shown_count += len(rows)
        if rows and self._sort_column == TIME:
            if self._descending:
                rows = rows[::-1]
                self.beginInsertRows(QModelIndex(), 0, len(rows) - 1)
                self._rows[0:0] = rows
                self.endInsertRows()
            elif self._exhausted:
                start = len(self._rows)
                self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
                self._rows.extend(rows)
                self.endInsertRows()
            # Otherwise later pages reach them: keyset paging continues past the loaded rows.
            self.rows_appended.emit(len(rows))
        elif rows:
            self.unsorted_new += len(rows)
        if poll.new_total:
            self.counts_changed.emit()


def _display(row: RequestRow, column: int) -> str:
    if column == TIME:
        return formatting.clock_time(row.started_at)
    if column == CONSUMER:
        return row.consumer
    if column == METHOD:
        return row.method
    if column == HOST:
        return authority(row.scheme, row.host, row.port)
    if column == PATH:
        return f"{row.path}?{row.query}" if row.query else row.path
    if column == STATUS:
        return "failed" if row.status is None else str(row.status)
    if column == DURATION:
        return units.duration_text(row.duration_ms)
    return units.size_text(row.response_bytes)


def _tooltip(row: RequestRow, column: int) -> str | None:
    if column == TIME:
        return formatting.full_time(row.started_at)
    if column == STATUS and row.error:
        words = error_words(row.error, row.host)
        return words if words == row.error else f"{words}\n({row.error})"
    if column == PATH:
        return (
            f"{row.path}?{row.query}\nEndpoint: {row.endpoint}"
            if row.query
            else (f"{row.path}\nEndpoint: {row.endpoint}")
        )
    if column == SIZE:
        return f"{row.response_bytes:,} bytes"
    return None
