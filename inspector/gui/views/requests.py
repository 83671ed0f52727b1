"""The requests table view: fixed-height rows, j/k navigation and quick-filter context menu."""

from __future__ import annotations

import html
from collections.abc import Iterator

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QMenu, QTableView, QWidget

from inspector.gui.models import requests as columns
from inspector.gui.models.requests import RequestRow, RequestTableModel
from inspector.store.filter_syntax import quote_value
from inspector.store.filters import MATCH_ALL

# What an empty table says, and the next step: a blank grid tells a newcomer nothing.
NO_TRAFFIC = (
    "<p style='font-size:large'><b>No requests yet</b></p>"
    "<p>Send a client's traffic through the proxy: <a href='connect'>Connect a client</a>,"
    "<br>or run a command with its traffic captured:"
    " <code>inspector run -- curl http://localhost:8000/</code></p>"
)
# A proxy that failed to start, with the way out; {reason} is escaped text.
PROXY_FAILED = (
    "<p style='font-size:large'><b>The proxy is not running</b></p>"
    "<p>{reason}</p>"
    "<p><a href='listen'>Change the Listen address</a> &nbsp;·&nbsp; "
    "<a href='start'>Try again</a></p>"
)
NO_MATCH = (
    "<p style='font-size:large'><b>No request matches</b></p>"
    "<p>Nothing captured fits the filter and the chosen consumer."
    "<br><a href='clear'>Clear the filter</a> to see everything.</p>"
)

# Widths that fit typical content at the default font; Path takes what is left.
_WIDTHS = {
    columns.TIME: 96, columns.CONSUMER: 124, columns.METHOD: 62, columns.HOST: 128,
    columns.STATUS: 54, columns.DURATION: 70, columns.SIZE: 66,
}  # fmt: skip


class RequestsView(QTableView):
    """Emits `exchange_selected(row id or None)`; quick filters come out as filter terms."""

    exchange_selected = Signal(object)
    quick_filter = Signal(str)  # a term to add to the filter bar
    consumer_chosen = Signal(object)  # a consumer row id to select in the consumers list
    connect_requested = Signal()  # the empty state's "Connect a client"
    clear_filter_requested = Signal()  # the no-match state's "Clear the filter"
    listen_requested = Signal()  # the failed proxy's "Change the Listen address"
    start_requested = Signal()  # the failed proxy's "Try again"

    def __init__(self, model: RequestTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setObjectName("requestsTable")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Many rows: the export dialog can send "the selected requests"; details follow the
        # current row.
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSortingEnabled(True)
        self.horizontalHeader().setSortIndicator(columns.TIME, Qt.SortOrder.DescendingOrder)
        self.setWordWrap(False)
        self.setShowGrid(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        # Fixed-height rows: the view never measures rows it does not show.
        vertical = self.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        for column, width in _WIDTHS.items():
            self.setColumnWidth(column, width)
        header.setSectionResizeMode(columns.PATH, QHeaderView.ResizeMode.Stretch)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.selectionModel().currentRowChanged.connect(self._current_changed)
        # A reload (a new sort, a renamed consumer, the first page arriving twice) resets the
        # model; the rows the user picked stay picked when they are still loaded.
        self._kept_ids: list[int] = []
        self._kept_current: int | None = None
        model.modelAboutToBeReset.connect(self._remember_selection)
        model.modelReset.connect(self._restore_selection)
        model.modelReset.connect(lambda: self.exchange_selected.emit(self.current_id()))
        self.empty_state = QLabel(self.viewport())
        self.empty_state.setObjectName("emptyState")
        self.empty_state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_state.setWordWrap(True)
        self.empty_state.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.empty_state.linkActivated.connect(self._empty_link)
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            signal.connect(self._update_empty_state)
        model.counts_changed.connect(self._update_empty_state)
        self._proxy_problem: str | None = None
        self._update_empty_state()

    def set_proxy_problem(self, reason: str | None) -> None:
        """Why the proxy is not running (None once it is): what an empty table then says."""
        self._proxy_problem = reason
        self._update_empty_state()

    def _empty_link(self, target: str) -> None:
        signals = {
            "connect": self.connect_requested,
            "clear": self.clear_filter_requested,
            "listen": self.listen_requested,
            "start": self.start_requested,
        }
        signals[target].emit()

    def _update_empty_state(self, *_: object) -> None:
        model = self.request_model()
        empty = model.rowCount() == 0 and model.total_count is not None
        if empty:
            if model.sql_filter != MATCH_ALL:
                text = NO_MATCH
            elif self._proxy_problem is not None:
                text = PROXY_FAILED.format(reason=html.escape(self._proxy_problem))
            else:
                text = NO_TRAFFIC
            self.empty_state.setText(text)
            self.empty_state.resize(self.viewport().size())
        self.empty_state.setVisible(empty)

    def resizeEvent(self, event: QResizeEvent) -> None:
        # The path is what people read: on a narrow table the host and size give way first.
        width = self.viewport().width()
        self.setColumnHidden(columns.HOST, width < 820)
        self.setColumnHidden(columns.SIZE, width < 640)
        super().resizeEvent(event)
        self.empty_state.resize(self.viewport().size())

    def request_model(self) -> RequestTableModel:
        model = self.model()
        assert isinstance(model, RequestTableModel)
        return model

    def current_id(self) -> int | None:
        row = self.request_model().row_at(self.currentIndex().row())
        return row.id if row is not None else None

    def forget_selection(self) -> None:
        """No row picked, none kept for the next reload to pick again."""
        self.selectionModel().clear()
        self._kept_ids, self._kept_current = [], None

    def _remember_selection(self) -> None:
        model = self.request_model()
        rows = (model.row_at(index.row()) for index in self.selectionModel().selectedRows())
        self._kept_ids = [row.id for row in rows if row is not None]
        self._kept_current = self.current_id()

    def _restore_selection(self) -> None:
        if not self._kept_ids and self._kept_current is None:
            return
        model, selection_model = self.request_model(), self.selectionModel()
        found = model.rows_of_ids(self._kept_ids)
        selection = QItemSelection()
        for first, last in _runs(sorted(found.values())):
            selection.select(model.index(first, 0), model.index(last, model.columnCount() - 1))
        selection_model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        current = found.get(self._kept_current) if self._kept_current is not None else None
        if current is not None:
            flag = QItemSelectionModel.SelectionFlag.NoUpdate
            selection_model.setCurrentIndex(model.index(current, 0), flag)
        self._kept_ids, self._kept_current = [], None

    def select_row(self, row: int) -> None:
        """Make `row` the one selected row and the current one. Not QTableView.selectRow, which
        reads the keyboard: with Shift held (or left held by a synthetic key event) it extends
        the selection instead."""
        if 0 <= row < self.request_model().rowCount():
            index = self.model().index(row, 0)
            flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
                     | QItemSelectionModel.SelectionFlag.Rows)  # fmt: skip
            self.selectionModel().setCurrentIndex(index, flags)
            self.scrollTo(index)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_J, Qt.Key.Key_K) and not event.modifiers():
            current = self.currentIndex().row()
            step = 1 if key == Qt.Key.Key_J else -1
            self.select_row(0 if current < 0 else current + step)
            return
        super().keyPressEvent(event)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.request_model().row_at(current.row())
        self.exchange_selected.emit(row.id if row is not None else None)

    def _context_menu(self, position: QPoint) -> None:
        row = self.request_model().row_at(self.indexAt(position).row())
        if row is None:
            return
        menu = self.build_menu(row)
        menu.exec(self.viewport().mapToGlobal(position))

    def build_menu(self, row: RequestRow) -> QMenu:
        """Quick filters for the row under the mouse (public so tests can drive it)."""
        menu = QMenu(self)
        if row.consumer_row_id is not None:
            menu.addAction(
                f"Only this consumer ({row.consumer})",
                lambda: self.consumer_chosen.emit(row.consumer_row_id),
            )
        endpoint = f"endpoint:{quote_value(row.endpoint)}"
        menu.addAction(
            f"Only this endpoint ({row.method} {row.endpoint})",
            lambda: self.quick_filter.emit(f"method:{row.method} {endpoint}"),
        )
        status = "has:error" if row.status is None else f"status:{row.status}"
        menu.addAction(f"Only this status ({status.partition(':')[2]})",
                       lambda: self.quick_filter.emit(status))  # fmt: skip
        menu.addAction(f"Only this host ({row.host})",
                       lambda: self.quick_filter.emit(f"host:{quote_value(row.host)}"))  # fmt: skip
        menu.addSeparator()
        menu.addAction(f"Hide this endpoint ({row.endpoint})",
                       lambda: self.quick_filter.emit(f"-{endpoint}"))  # fmt: skip
        return menu


def _runs(rows: list[int]) -> Iterator[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs: one selection range per run, not per row."""
    start = previous = None
    for row in rows:
        if previous is not None and row == previous + 1:
            previous = row
            continue
        if start is not None and previous is not None:
            yield start, previous
        start = previous = row
    if start is not None and previous is not None:
        yield start, previous
