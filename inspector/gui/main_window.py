"""The main window: wires the filter, consumers, requests, details, capture and status together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.consumer_names import display_name
from inspector.gui.capture_process import CaptureProcess, CaptureState
from inspector.gui.charts import ChartsPanel, EndpointsView
from inspector.gui.intercept import Interceptor
from inspector.gui.models.consumers import ALL, ConsumerListModel, ConsumerRow
from inspector.gui.models.requests import RequestTableModel
from inspector.gui.session import Session
from inspector.gui.views.capture_bar import CaptureBar
from inspector.gui.views.compare import CompareDialog
from inspector.gui.views.connect import ConnectDialog
from inspector.gui.views.consumers import ConsumersView
from inspector.gui.views.details import DetailsView
from inspector.gui.views.export_dialog import ExportDialog, ExportScope, selected_ids
from inspector.gui.views.filter_bar import FilterBar
from inspector.gui.views.forwarding import ForwardingControl, config_path_of, load_exports
from inspector.gui.views.intercept import add_intercept_menu
from inspector.gui.views.menus import add_menus, add_toolbar, set_icons
from inspector.gui.views.requests import RequestsView
from inspector.gui.views.status_bar import InspectorStatusBar
from inspector.gui.workers import QueryRunner
from inspector.model import Exchange
from inspector.proxy_modes import DEFAULT_LISTEN, DEFAULT_MODE
from inspector.store import DatabaseError, load_exchange
from inspector.store.filter_syntax import quote_value
from inspector.store.filters import MATCH_ALL, SqlFilter
from inspector.store.naming import ConsumerNameError

DEFAULT_SIZE = (1280, 800)
FIRST_RUN_KEY = "connect/first_run_done"


@dataclass(frozen=True)
class Intervals:
    """Timers in milliseconds; tests shorten them instead of sleeping."""

    poll_ms: int = 300
    debounce_ms: int = 250
    status_ms: int = 1000
    consumers_ms: int = 2000
    forwarding_ms: int = 2000


_ENDPOINTS_REFRESH_MS = 2000


class MainWindow(QMainWindow):
    """API Inspector's window. `capture` is None when browsing without a proxy."""

    def __init__(
        self,
        db_path: Path,
        settings: QSettings,
        capture: CaptureProcess | None = None,
        intervals: Intervals | None = None,
        show_connect_on_first_run: bool = True,
    ) -> None:
        super().__init__()
        intervals = intervals or Intervals()
        self.settings = settings
        # Which database, filter and consumer, and the proxy: the state the views follow.
        self.session = Session(db_path, capture, self)
        # Run first when the window shuts down (the demo stops its traffic before the proxy).
        self.before_shutdown: list[Callable[[], None]] = []
        self._layout_done = False
        self.connect_dialog: ConnectDialog | None = None
        self.compare_dialog: CompareDialog | None = None
        self._pending_consumer_filter: SqlFilter | None = None
        # What the charts and endpoints last showed: (filter, database) per view.
        self._side_filters: dict[int, tuple[SqlFilter, Path] | None] = {}
        self._consumers_dirty = False
        self._consumers_interval_ms = intervals.consumers_ms
        self.setWindowTitle("API Inspector")
        self.resize(*DEFAULT_SIZE)

        self.request_model = RequestTableModel(self.runner, self, intervals.poll_ms)
        self.consumer_model = ConsumerListModel(self.runner, self)
        self.filter_bar = FilterBar(self, intervals.debounce_ms, settings)
        self.consumers_view = ConsumersView(self.consumer_model, self)
        self.requests_view = RequestsView(self.request_model, self)
        self.details = DetailsView(self)
        self.charts = ChartsPanel(self)
        self.endpoints = EndpointsView(self)
        self.endpoints.spec = self.session.openapi_spec()
        self.status = InspectorStatusBar(self)
        self.setStatusBar(self.status)
        self.forwarding = ForwardingControl(
            self, capture, self.runner, settings, self.status.forwarding,
            lambda: self.session.showing_capture, intervals.forwarding_ms,
        )  # fmt: skip
        self._build_layout()
        self._build_actions()
        self._connect_signals()
        self.interceptor = Interceptor(
            self.session.capture, self
        )  # what it launched closes when we do
        add_intercept_menu(
            self, self.interceptor, self.filter_bar.set_text, self.status.showMessage
        )
        self.before_shutdown.append(self.interceptor.close)
        self.before_shutdown.append(self._stop_compare)

        self._status_timer = QTimer(self)
        self._status_timer.setInterval(intervals.status_ms)
        self._status_timer.timeout.connect(self._refresh_status)
        self._status_timer.start()
        self._consumers_timer = QTimer(self)
        self._consumers_timer.setSingleShot(True)
        self._consumers_timer.timeout.connect(self._refresh_consumers_if_needed)
        # New rows refresh the endpoints table at most this often while it is shown; when it is
        # hidden, it refreshes on being shown again (it used to keep its first answer for ever).
        self._endpoints_stale = False
        self._endpoints_timer = QTimer(self)
        self._endpoints_timer.setSingleShot(True)
        self._endpoints_timer.setInterval(_ENDPOINTS_REFRESH_MS)
        self._endpoints_timer.timeout.connect(self._refresh_endpoints_if_shown)

        self._restore_state()
        self._update_capture_state()
        self.request_model.reload()
        self.request_model.set_live(True)
        self.consumer_model.refresh()
        if show_connect_on_first_run and not settings.value(FIRST_RUN_KEY, False, type=bool):
            QTimer.singleShot(0, lambda: self.show_connect(first_run=True))

    # --- Building ----------------------------------------------------------------------------

    def _build_layout(self) -> None:
        self.right_splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.right_splitter.addWidget(self.requests_view)
        self.right_splitter.addWidget(self.details)
        self.right_splitter.setStretchFactor(0, 3)
        self.right_splitter.setStretchFactor(1, 2)
        self.right_splitter.setSizes([400, 340])
        self.views = QTabWidget(self)
        self.views.setObjectName("viewTabs")
        self.views.setDocumentMode(True)
        self.views.addTab(self.right_splitter, "Requests")
        self.views.addTab(self.charts, "Charts")
        self.views.addTab(self.endpoints, "Endpoints")
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.main_splitter.addWidget(self.consumers_view)
        self.main_splitter.addWidget(self.views)
        self.main_splitter.setStretchFactor(0, 0)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([390, 890])
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.main_splitter, 1)
        self.setCentralWidget(central)

    def _action(self, text: str, slot: object,
                shortcut: str | QKeySequence | QKeySequence.StandardKey | None = None,
                tip: str = "") -> QAction:  # fmt: skip
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.start_action = self._action("Start", self.start_capture, None, "Start the proxy")
        self.stop_action = self._action("Stop", self.stop_capture, None, "Stop the proxy")
        self.restart_action = self._action(
            "Restart", self.restart_capture, None, "Restart the proxy with the address and mode"
        )
        self.connect_action = self._action(
            "Connect a client", lambda: self.show_connect(), None,
            "How to send a client's traffic through the proxy",
        )  # fmt: skip
        # triggered(bool) would land in `confirm`: Clear must always ask.
        self.clear_action = self._action(
            "Clear…", lambda: self.clear_capture(), None,
            "Delete every captured request and start a new, empty capture database (asks first)",
        )  # fmt: skip
        self.open_action = self._action(
            "Open database…", self.open_database_dialog, QKeySequence.StandardKey.Open,
            "Browse another capture database, read-only",
        )  # fmt: skip
        self.live_action = self._action(
            "Back to live capture", self.show_live_capture, None,
            "Show the database the app's proxy writes to",
        )  # fmt: skip
        self.follow_action = self._action(
            "Follow newest", self._follow_toggled, None, "Keep the newest request in view"
        )
        self.follow_action.setCheckable(True)
        self.follow_action.setChecked(True)
        self.find_action = self._action(
            "Filter…", self.filter_bar.focus, QKeySequence.StandardKey.Find
        )
        self.copy_curl_action = self._action(
            "Copy as cURL", self.details.copy_as_curl, "Ctrl+Shift+C"
        )
        self.quit_action = self._action("Quit", self.close, QKeySequence.StandardKey.Quit)
        self.export_action = self._action(
            "Export…", self.show_export, "Ctrl+E", "Send requests to a service or write a file"
        )
        self.compare_action = self._action(
            "Compare…", self.show_compare, "Ctrl+Shift+D",
            "What changed against another capture file, or between two windows of this one",
        )  # fmt: skip

        self.capture_bar = CaptureBar(
            self.capture.settings.listen_address if self.capture else DEFAULT_LISTEN,
            self.capture.settings.proxy_mode if self.capture else DEFAULT_MODE,
            self,
        )
        self.capture_bar.apply_requested.connect(self.apply_capture_settings)
        add_toolbar(self, self.capture_bar, [
            self.start_action, self.stop_action, self.restart_action, None,
            self.connect_action, self.follow_action, self.open_action,
        ], apart=[self.clear_action])  # fmt: skip
        pixmap = QStyle.StandardPixmap
        set_icons(self, [
            (self.start_action, pixmap.SP_MediaPlay), (self.stop_action, pixmap.SP_MediaStop),
            (self.restart_action, pixmap.SP_BrowserReload),
            (self.connect_action, pixmap.SP_DriveNetIcon),
            (self.follow_action, pixmap.SP_ArrowUp),  # the newest rows are at the top
            (self.open_action, pixmap.SP_DialogOpenButton),
            (self.clear_action, pixmap.SP_TrashIcon),
        ])  # fmt: skip
        add_menus(self, [
            ("&File", [self.open_action, self.live_action, self.export_action,
                       self.compare_action, self.clear_action, None, self.quit_action]),
            ("&Capture", [self.start_action, self.stop_action, self.restart_action,
                          self.connect_action, None, self.forwarding.menu.menuAction()]),
            ("&View", [self.find_action, self.follow_action, self.copy_curl_action]),
        ])  # fmt: skip

    def _connect_signals(self) -> None:
        self.filter_bar.filter_changed.connect(self._filters_changed)
        self.consumers_view.consumer_selected.connect(self._consumer_selected)
        self.consumers_view.quick_filter.connect(self.filter_bar.add_term)
        self.consumers_view.rename_requested.connect(self._ask_consumer_name)
        self.consumers_view.naming_allowed = not self.read_only_view
        self.requests_view.exchange_selected.connect(self._load_details)
        self.requests_view.quick_filter.connect(self.filter_bar.add_term)
        self.requests_view.consumer_chosen.connect(self.consumers_view.select_key)
        self.requests_view.connect_requested.connect(lambda: self.show_connect())
        self.requests_view.clear_filter_requested.connect(self._clear_filters)
        self.requests_view.listen_requested.connect(self._edit_listen)
        self.requests_view.start_requested.connect(self.restart_capture)
        self.request_model.counts_changed.connect(self._update_counts)
        self.request_model.rows_appended.connect(self._rows_appended)
        self.request_model.reloaded.connect(self._requests_reloaded)
        self.request_model.query_failed.connect(self._query_failed)
        self.consumer_model.refreshed.connect(self._schedule_consumers)
        self.consumer_model.query_failed.connect(self._consumers_failed)
        self.views.currentChanged.connect(lambda _index: self._sync_side_views())
        self.charts.exchange_selected.connect(self._show_exchange)
        self.endpoints.endpoint_chosen.connect(self._filter_endpoint)
        self.details.copied.connect(lambda what: self.status.showMessage(f"Copied {what}", 3000))
        self.session.capture_changed.connect(self._update_capture_state)
        self.session.selection_changed.connect(self._selection_changed)
        self.session.database_changed.connect(self._database_changed)

    # The session's state, under the names the views and tests use.

    @property
    def capture(self) -> CaptureProcess | None:
        return self.session.capture

    @property
    def capture_db(self) -> Path:
        return self.session.capture_db

    @property
    def db_path(self) -> Path:
        return self.session.db_path

    @property
    def read_only_view(self) -> bool:
        return self.session.read_only_view

    @property
    def runner(self) -> QueryRunner:
        return self.session.runner

    # --- Filters and selection ---------------------------------------------------------------

    def _filters_changed(self, _flt: SqlFilter | None = None) -> None:
        text_filter = self.filter_bar.current
        # The consumers' statistics scan every matching row: they start once the requests
        # are shown, not in competition with them.
        self._pending_consumer_filter = text_filter
        if text_filter == self.session.text_filter:
            self._selection_changed(self.session.selection)  # the same text entered again
        else:
            self.session.set_text_filter(text_filter)

    def _selection_changed(self, selection: SqlFilter) -> None:
        self.request_model.set_filter(selection)
        self._sync_side_views()

    def _sync_side_views(self) -> None:
        """Charts and endpoints follow the filter, but only query while they are shown."""
        flt = self.session.selection
        shown = self.views.currentWidget()
        for view in (self.charts, self.endpoints):
            if view is not shown:
                continue
            if self._side_filters.get(id(view)) is None:
                view.set_runner(self.runner)
            if self._side_filters.get(id(view)) != (flt, self.db_path):
                self._side_filters[id(view)] = (flt, self.db_path)
                view.set_filter(flt)
                if view is self.endpoints:
                    self._endpoints_stale = False
            elif view is self.endpoints and self._endpoints_stale:
                self._endpoints_stale = False
                self.endpoints.refresh()

    # --- Naming consumers --------------------------------------------------------------------

    def _ask_consumer_name(self, row: ConsumerRow) -> None:
        generated = display_name(row.identifier)
        text, ok = QInputDialog.getText(
            self,
            "Name this consumer",
            f"A name for {generated}, shown in this capture's lists and exports.\n"
            "Leave it empty to go back to the configuration's name, or the generated one.\n\n"
            "To name it in every capture, add it to the configuration file:\n\n"
            f'[[consumer]]\nid = "{row.identifier}"\nlabel = "…"',
            text="" if row.name == generated else row.name,
        )
        if ok:
            self.name_consumer(row, text)

    def name_consumer(self, row: ConsumerRow, text: str) -> bool:
        """Store `text` as the consumer's label and show it everywhere; False if refused."""
        assert isinstance(row.key, int)
        try:
            label = self.session.name_consumer(row.key, text)
        except ConsumerNameError as exc:
            QMessageBox.warning(self, "Cannot name this consumer", str(exc))
            return False
        self._consumers_dirty = True
        self.consumer_model.refresh()
        self.request_model.reload()
        shown = label or display_name(row.identifier)
        self.status.showMessage(f"{row.name} is now {shown} in {self.db_path.name}.", 8000)
        return True

    def _clear_filters(self) -> None:
        self.filter_bar.clear()
        self.consumers_view.select_key(ALL)

    def _show_exchange(self, exchange_id: int) -> None:
        """A point picked on a chart: its details, on the requests tab."""
        self.views.setCurrentWidget(self.right_splitter)
        row = self.request_model.row_of_id(exchange_id)
        if row is not None:
            self.requests_view.select_row(row)
        else:
            self._load_details(exchange_id)

    def _filter_endpoint(self, method: str, endpoint: str) -> None:
        self.views.setCurrentWidget(self.right_splitter)
        self.filter_bar.add_term(f"method:{method} endpoint:{quote_value(endpoint)}")

    def _requests_reloaded(self) -> None:
        self._select_first_row_if_none()
        pending, self._pending_consumer_filter = self._pending_consumer_filter, None
        if pending is not None:
            self.consumer_model.set_filter(pending)

    def _consumer_selected(self, row: ConsumerRow | None) -> None:
        self.session.set_consumer_filter(row.selection_filter if row is not None else MATCH_ALL)

    def _load_details(self, exchange_id: int | None) -> None:
        if exchange_id is None:
            self.runner.cancel("details")
            self.details.show_exchange(None)
            return

        def shown(exchange: Exchange | None) -> None:
            self.details.show_exchange(exchange, exchange_id)

        self.runner.submit(
            "details", lambda conn: load_exchange(conn, exchange_id), shown, self._query_failed
        )

    def _select_first_row_if_none(self) -> None:
        if self.requests_view.currentIndex().row() < 0 and self.request_model.rowCount() > 0:
            self.requests_view.select_row(0)

    def _refresh_endpoints_if_shown(self) -> None:
        if self.views.currentWidget() is self.endpoints and self._endpoints_stale:
            self._endpoints_stale = False
            self.endpoints.refresh()

    def _rows_appended(self, count: int) -> None:
        self._consumers_dirty = True
        self._endpoints_stale = True
        if self.views.currentWidget() is self.endpoints and not self._endpoints_timer.isActive():
            self._endpoints_timer.start()
        view = self.requests_view
        column, descending = self.request_model.sort_order
        if column != 0:
            return
        if not descending:  # oldest first: the newest arrive at the bottom
            if self.follow_action.isChecked():
                view.scrollToBottom()
            return
        scroll = view.verticalScrollBar()
        if self.follow_action.isChecked():
            scroll.setValue(0)
        else:
            # Rows were inserted above what the user reads: keep reading the same rows.
            scroll.setValue(scroll.value() + count)
        if view.currentIndex().row() < 0:
            view.select_row(0)

    def _follow_toggled(self) -> None:
        if self.follow_action.isChecked():
            self.requests_view.scrollToTop()

    # --- Consumers refresh -------------------------------------------------------------------

    def _schedule_consumers(self) -> None:
        # A slow consumers query (a million rows) runs less often, never back to back.
        delay = max(self._consumers_interval_ms, int(self.consumer_model.last_query_s * 4000))
        self._consumers_timer.start(delay)

    def _refresh_consumers_if_needed(self) -> None:
        if self._consumers_dirty and not self.consumer_model.is_refreshing():
            self._consumers_dirty = False
            self.consumer_model.refresh()
        else:
            self._schedule_consumers()

    # --- Status ------------------------------------------------------------------------------

    def _consumers_failed(self, message: str) -> None:
        self._consumers_dirty = True
        self._schedule_consumers()
        self._query_failed(message)

    def _update_counts(self) -> None:
        # Counts move when exchanges arrive (in any sort order): the consumers are stale too.
        self._consumers_dirty = True
        self.status.set_counts(self.request_model.shown_count, self.request_model.total_count)

    def _refresh_status(self) -> None:
        if self.session.follow_replaced():
            self.status.showMessage(f"{self.db_path} was replaced: showing the new file", 10000)
        self.status.set_rate(self.request_model.arrival_rate())
        self.status.set_database(
            self.db_path, self.read_only_view or self.db_path != self.capture_db
        )

    def _query_failed(self, message: str) -> None:
        self.status.showMessage(f"Query failed: {message}", 10000)

    def _update_capture_state(self) -> None:
        capture = self.capture
        if capture is None:
            self.status.set_capture(CaptureState.STOPPED, "Browsing without a proxy")
            for action in (
                self.start_action,
                self.stop_action,
                self.restart_action,
                self.clear_action,
                self.live_action,
            ):
                action.setEnabled(False)  # fmt: skip
            self.capture_bar.setEnabled(False)
            self.capture_bar.set_badge("Browsing a file", "badge_idle", "No proxy in this window")
            return
        state = capture.state
        self.status.set_capture(state, capture.describe())
        running = state in (CaptureState.STARTING, CaptureState.LISTENING)
        self.start_action.setEnabled(state in (CaptureState.STOPPED, CaptureState.FAILED))
        self.stop_action.setEnabled(running)
        self.restart_action.setEnabled(state != CaptureState.STOPPING)
        self.clear_action.setEnabled(self.session.showing_capture)
        self.live_action.setEnabled(not self.session.showing_capture)
        self.capture_bar.set_state(state, capture.describe())
        listen = self.capture_bar.listen
        if state == CaptureState.LISTENING and capture.address and listen.text().endswith(":0"):
            listen.setText(capture.address)  # the port the proxy got, which clients need
        if state == CaptureState.FAILED:
            reason = capture.describe()
            if "in use" in reason.lower():
                # Point at the field to change, not at a command-line flag.
                reason = (
                    f"{listen.text()} is already in use: type another address in the Listen "
                    "field (127.0.0.1:0 picks a free port) and press Enter."
                )
                listen.setFocus()
                listen.selectAll()
            self.status.showMessage(reason, 15000)
            self.requests_view.set_proxy_problem(reason)
        else:
            self.requests_view.set_proxy_problem(None)
        if self.connect_dialog is not None:
            # The first-run panel opens before the proxy has bound its port.
            self.connect_dialog.set_address(*self.session.proxy_address())

    # --- Capture control ---------------------------------------------------------------------

    def _edit_listen(self) -> None:
        listen = self.capture_bar.listen
        listen.setFocus()
        listen.selectAll()
        self.status.showMessage(
            "Type an address (127.0.0.1:0 picks a free port) and press Enter.", 10000
        )

    def start_capture(self) -> None:
        self.session.start_capture()

    def stop_capture(self) -> None:
        self.session.stop_capture()

    def restart_capture(self) -> None:
        listen = self.capture_bar.listen.text().strip()
        mode = self.capture_bar.mode.currentText().strip()
        self.apply_capture_settings(listen, mode)

    def apply_capture_settings(self, listen: str, mode: str) -> None:
        problem = self.session.apply_capture_settings(listen, mode)
        if problem is not None:
            QMessageBox.warning(self, "Proxy mode", problem)

    def show_export(self) -> ExportDialog:
        scope = ExportScope(selected_ids(self.requests_view), self.request_model.sql_filter,
                            self.request_model.shown_count)  # fmt: skip
        exports = load_exports(config_path_of(self.capture))
        dialog = ExportDialog(self.db_path, scope, exports, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # The dialog stays open while the capture goes on: its "N shown" follows the table.
        dialog.filter_count_source = lambda: self.request_model.shown_count
        self.request_model.counts_changed.connect(dialog.refresh_filter_count)
        self.before_shutdown.append(dialog.running.stop_and_wait)
        dialog.show()
        return dialog

    def show_compare(self) -> CompareDialog:
        """The Compare window (one per main window): HEAD is what this window shows."""
        if self.compare_dialog is not None:
            self.compare_dialog.raise_()
            self.compare_dialog.activateWindow()
            return self.compare_dialog
        dialog = CompareDialog(lambda: self.db_path, lambda: self.filter_bar.text, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.endpoint_chosen.connect(self._filter_endpoint)
        # Its line naming the head and the filter follows the window while it stays open.
        self.session.selection_changed.connect(dialog.show_scope)
        self.session.database_changed.connect(dialog.show_scope)
        dialog.destroyed.connect(self._compare_dialog_closed)
        dialog.show()
        self.compare_dialog = dialog
        return dialog

    def _compare_dialog_closed(self) -> None:
        self.compare_dialog = None

    def _stop_compare(self) -> None:
        if self.compare_dialog is not None:
            self.compare_dialog.stop_and_wait()

    def _connect_dialog_closed(self) -> None:
        self.connect_dialog = None

    def show_connect(self, first_run: bool = False) -> ConnectDialog:
        dialog = ConnectDialog(*self.session.proxy_address(), self, first_run=first_run)
        if first_run:
            self.settings.setValue(FIRST_RUN_KEY, True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(self._connect_dialog_closed)
        dialog.show()
        self.connect_dialog = dialog
        return dialog

    # --- Databases ---------------------------------------------------------------------------

    def open_database_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Open a capture database", str(self.db_path.parent),
            "Capture databases (*.db *.sqlite *.sqlite3);;All files (*)",
        )  # fmt: skip
        if name:
            self.open_database(Path(name))

    def open_database(self, path: Path) -> bool:
        """Browse `path` read-only; the proxy keeps writing to its own file meanwhile."""
        try:
            self.session.open(path)
        except DatabaseError as exc:
            QMessageBox.warning(self, "Cannot open the database", str(exc))
            return False
        return True

    def show_live_capture(self) -> None:
        self.session.show_live_capture()

    def _database_changed(self, path: Path) -> None:
        """Another file on screen (opened, replaced behind us, or cleared): read it all again."""
        self.setWindowTitle("API Inspector" if self.session.showing_capture else
                            f"API Inspector — {path.name} (read-only)")  # fmt: skip
        self.details.show_exchange(None)
        # Row ids mean other exchanges in another file (a cleared capture starts again at 1):
        # the rows picked in the old one must not be picked again by id.
        self.requests_view.forget_selection()
        self.request_model.reload()
        self.consumer_model.refresh()
        self._side_filters = {key: None for key in self._side_filters}
        self._sync_side_views()
        self._update_capture_state()
        self._refresh_status()

    def clear_capture(self, confirm: bool = True) -> bool:
        """Replace the capture database by a new, empty file (instant at any size)."""
        if self.capture is None or not self.session.showing_capture:
            return False
        if confirm:
            answer = QMessageBox.question(
                self, "Clear the capture?",
                f"Delete every captured request in {self.capture_db}? This cannot be undone.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )  # fmt: skip
            if answer != QMessageBox.StandardButton.Yes:
                return False
        try:
            cleared = self.session.clear()
        except (OSError, DatabaseError) as exc:
            QMessageBox.critical(self, "Clear failed", str(exc))
            return False
        if cleared:
            self.status.showMessage("Capture cleared", 3000)
        return cleared

    # --- Window state ------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._layout_done:
            self._layout_done = True
            if self.settings.value("window/main_splitter") is None:
                # First run: the consumers take a share of the width, the requests the rest.
                width = self.main_splitter.width()
                left = min(390, max(240, int(width * 0.3)))
                self.main_splitter.setSizes([left, width - left])
            if self.settings.value("window/right_splitter") is None:
                # The request's headers and body get a little more than the table: at 800 px
                # high they used to show two header rows and five body lines.
                height = self.right_splitter.height()
                table = max(160, int(height * 0.42))
                self.right_splitter.setSizes([table, height - table])

    def _restore_state(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(QByteArray(geometry))
        for name, splitter in (("main", self.main_splitter), ("right", self.right_splitter)):
            state = self.settings.value(f"window/{name}_splitter")
            if isinstance(state, QByteArray | bytes):
                splitter.restoreState(QByteArray(state))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/main_splitter", self.main_splitter.saveState())
        self.settings.setValue("window/right_splitter", self.right_splitter.saveState())
        self.settings.sync()
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop polling and the proxy (SIGTERM: it commits what it holds) and drain queries."""
        hooks, self.before_shutdown = self.before_shutdown, []
        for hook in hooks:
            hook()
        self.request_model.set_live(False)
        self._status_timer.stop()
        self._consumers_timer.stop()
        self.forwarding.stop()
        if self.capture is not None:
            self.capture.stop_and_wait()
        self.runner.wait_idle(5000)
