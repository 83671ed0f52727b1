"""The Compare window: the capture shown (head) against another file or between two windows of
itself, as `inspector compare` does, in sortable tables."""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.compare.marks import significant_count
from inspector.compare.render import NO_DETAILS, detail_lines
from inspector.compare.report import Report
from inspector.gui import theme
from inspector.gui.compare_jobs import CompareRequest, run_comparison
from inspector.gui.models.compare import SIGNIFICANT, SORT_ROLE, ChangeTableModel
from inspector.gui.views.filter_bar import FilterLineEdit, syntax_hint
from inspector.gui.workers import QueryRunner
from inspector.store.filters import FilterError, compile_filter

DEFAULT_BASE_WINDOW = "since:2h until:1h"
DEFAULT_HEAD_WINDOW = "since:1h"
IDLE_TEXT = "Pick a capture file or two windows of this one, then press Compare."


class ChangeTable(QTableView):
    """A sortable table of changes; regressions first until the user sorts otherwise."""

    def __init__(self, name_title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = ChangeTableModel(name_title, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.source)
        self.proxy.setSortRole(SORT_ROLE)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(SIGNIFICANT, Qt.SortOrder.DescendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

    def displayed(self, row: int, column: int) -> str:
        """The text at a row as sorted on screen."""
        return str(self.proxy.index(row, column).data())


class CompareDialog(QDialog):
    """Non-modal: it stays open beside the main window and compares what that window shows.

    `head_db` and `app_filter` are asked at each Compare: the main window may have opened
    another file or changed its filter since the dialog opened.
    """

    endpoint_chosen = Signal(str, str)  # method, endpoint template: filter the main window to it

    def __init__(
        self,
        head_db: Callable[[], Path],
        app_filter: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare")
        self.setObjectName("compareDialog")
        self.resize(1240, 640)
        self._head_db = head_db
        self._app_filter = app_filter
        # Its own pool of one: a comparison reads every matching row of both sides and must
        # neither wait behind nor hold up the main window's queries.
        self.runner = QueryRunner(head_db(), self, threads=1)
        self._cancelled = threading.Event()
        self.state = "idle"  # idle, running, error, done
        self.report: Report | None = None

        self.file_choice = QRadioButton("Another capture file (base):", self)
        self.file_edit = QLineEdit(self)
        self.file_edit.setPlaceholderText("a capture database, e.g. baseline.db")
        self.browse_button = QPushButton("Browse…", self)
        self.windows_choice = QRadioButton("Two windows of this capture:", self)
        self.base_edit = FilterLineEdit(self)
        self.base_edit.setText(DEFAULT_BASE_WINDOW)
        self.head_edit = FilterLineEdit(self)
        self.head_edit.setText(DEFAULT_HEAD_WINDOW)
        for edit in (self.base_edit, self.head_edit):
            edit.setToolTip(syntax_hint())
            edit.escape_pressed.connect(self.reject)  # it keeps Escape from the dialog
        self.scope = QLabel(self)
        self.scope.setWordWrap(True)
        self.compare_button = QPushButton("Compare", self)
        self.compare_button.setDefault(True)
        self.state_label = QLabel(IDLE_TEXT, self)
        self.state_label.setObjectName("compareState")
        self.state_label.setWordWrap(True)
        self.state_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.endpoints = ChangeTable("Endpoint", self)
        self.endpoints.setToolTip("Double-click an endpoint to filter the main window to it.")
        self.consumers = ChangeTable("Consumer", self)
        self.changes = QListWidget(self)
        self.changes.setSpacing(2)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.endpoints, "Endpoints")
        self.tabs.addTab(self.consumers, "Consumers")
        self.tabs.addTab(self.changes, "Changes")
        self._build_layout()

        self.file_choice.setChecked(True)
        self.file_choice.toggled.connect(self._mode_changed)
        self.windows_choice.toggled.connect(self._mode_changed)
        self.browse_button.clicked.connect(self.browse)
        self.compare_button.clicked.connect(self.start)
        for line in (self.file_edit, self.base_edit, self.head_edit):
            line.returnPressed.connect(self.start)
        self.endpoints.doubleClicked.connect(self._endpoint_activated)
        self._mode_changed()
        self.show_scope()

    def _build_layout(self) -> None:
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.addWidget(self.file_choice, 0, 0)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.browse_button)
        grid.addLayout(file_row, 0, 1, 1, 2)
        grid.addWidget(self.windows_choice, 1, 0)
        windows = QHBoxLayout()
        windows.addWidget(QLabel("Base:", self))
        windows.addWidget(self.base_edit, 1)
        windows.addWidget(QLabel("Head:", self))
        windows.addWidget(self.head_edit, 1)
        grid.addLayout(windows, 1, 1, 1, 2)
        actions = QHBoxLayout()
        actions.addWidget(self.state_label, 1)
        actions.addWidget(self.compare_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.scope)
        layout.addLayout(actions)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(close)

    # --- Choosing ----------------------------------------------------------------------------

    @property
    def comparing_files(self) -> bool:
        return self.file_choice.isChecked()

    def _mode_changed(self) -> None:
        files = self.comparing_files
        self.file_edit.setEnabled(files)
        self.browse_button.setEnabled(files)
        self.base_edit.setEnabled(not files)
        self.head_edit.setEnabled(not files)

    def browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Compare with a capture database", str(self._head_db().parent),
            "Capture databases (*.db *.sqlite *.sqlite3);;All files (*)",
        )  # fmt: skip
        if name:
            self.file_edit.setText(name)
            self.file_choice.setChecked(True)

    def show_scope(self, *_changed: object) -> None:
        """Name the head and the app's filter (again after the main window changed either)."""
        text = self._app_filter().strip()
        both = f"only requests matching the app's filter <b>{html.escape(text)}</b>" if text else (
            "every request (the app's filter is empty)")  # fmt: skip
        self.scope.setText(f"Head: <b>{html.escape(self._head_db().name)}</b>, the capture the app "
                           f"shows. Both sides: {both}.")  # fmt: skip

    # --- Running -----------------------------------------------------------------------------

    def request(self) -> CompareRequest:
        path = self.file_edit.text().strip()
        return CompareRequest(
            head_db=self._head_db(),
            base_db=Path(path).expanduser() if self.comparing_files else None,
            app_filter=self._app_filter(),
            base_filter="" if self.comparing_files else self.base_edit.text().strip(),
            head_filter="" if self.comparing_files else self.head_edit.text().strip(),
        )  # fmt: skip

    def start(self) -> None:
        """Compile the filters here (errors show at once), then load and compare in the pool."""
        self.show_scope()
        for edit in (self.base_edit, self.head_edit):
            edit.mark_span(None)
        if self.comparing_files and not self.file_edit.text().strip():
            self._fail("Choose the capture file to compare with (Browse…).")
            return
        request = self.request()
        if not self._filters_compile(request):
            return
        selections = request.selections()
        self._cancelled.set()  # a comparison still reading the old base file stops
        cancelled = self._cancelled = threading.Event()
        self.runner.set_database(request.head_db)
        self._set_state("running", "Comparing…")
        self.runner.submit(
            "compare",
            lambda conn: run_comparison(conn, request, selections, cancelled),
            self._show_report,
            self._fail,
        )

    def _filters_compile(self, request: CompareRequest) -> bool:
        """False, with the message and the bad term marked, when a filter does not compile."""
        for name, text, edit in (("The app's filter", request.app_filter, None),
                                 ("Base window", request.base_filter, self.base_edit),
                                 ("Head window", request.head_filter, self.head_edit)):  # fmt: skip
            try:
                compile_filter(text)
            except FilterError as exc:
                if edit is not None:
                    edit.mark_span(exc.position, exc.length)
                self._fail(f"{name}: {exc}")
                return False
        return True

    def _set_state(self, state: str, text: str) -> None:
        self.state = state
        self.state_label.setText(text)
        color = theme.color("error").name() if state == "error" else None
        self.state_label.setStyleSheet(f"color: {color};" if color else "")

    def _fail(self, message: str) -> None:
        self.report = None
        self._show_tables(None)
        self._set_state("error", message)

    def _show_report(self, report: Report) -> None:
        self.report = report
        self._show_tables(report)
        count = significant_count(report)
        self._set_state("done", f"base: {report.base_requests:,} requests · head: "
                        f"{report.head_requests:,} requests · {count} significant "
                        f"change{'' if count == 1 else 's'}")  # fmt: skip

    def _show_tables(self, report: Report | None) -> None:
        self.endpoints.source.set_changes(report.endpoints if report else [])
        self.consumers.source.set_changes(report.consumers if report else [])
        self.changes.clear()
        if report is not None:
            lines = detail_lines(report)
            self.changes.addItems(lines or [NO_DETAILS])
            self.tabs.setTabText(2, f"Changes ({len(lines)})")
        else:
            self.tabs.setTabText(2, "Changes")

    def _endpoint_activated(self, index: QModelIndex) -> None:
        change = self.endpoints.source.changes[self.endpoints.proxy.mapToSource(index).row()]
        method, _, endpoint = change.name.partition(" ")
        if endpoint:
            self.endpoint_chosen.emit(method, endpoint)

    # --- Closing -----------------------------------------------------------------------------

    def stop_and_wait(self) -> None:
        """Stop a comparison under way (both files' reads) and wait for the pool to let go."""
        self._cancelled.set()
        self.runner.cancel("compare")
        self.runner.wait_idle(5000)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop_and_wait()
        super().closeEvent(event)
