"""What the window shows, without a widget: which database, which filter and consumer, and what
the proxy does.

The main window is layout; this object holds the state its views follow. Views observe its
signals, and tests drive it without a window. Questions for the user (confirm a Clear, show an
error) stay with the window: the session raises, the window asks and tells.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from inspector.config import load_config
from inspector.errors import InspectorError
from inspector.gui.capture_process import CaptureProcess
from inspector.gui.database_files import replace_database
from inspector.gui.workers import QueryRunner
from inspector.openapi import OpenApiSpec
from inspector.paths import default_config_path
from inspector.proxy_modes import DEFAULT_LISTEN, DEFAULT_MODE, mode_problem
from inspector.store import DatabaseError, file_identity, open_db
from inspector.store.filters import MATCH_ALL, SqlFilter
from inspector.store.naming import name_consumer_in


class Session(QObject):
    """One window's state. `capture` is None when browsing a file without a proxy."""

    database_changed = Signal(object)  # the Path shown now: opened, replaced or cleared
    selection_changed = Signal(object)  # the SqlFilter of the filter text and the consumer
    capture_changed = Signal()  # the proxy's state moved

    def __init__(
        self, db_path: Path, capture: CaptureProcess | None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.capture = capture
        self.capture_db = db_path  # where our own proxy writes
        self.db_path = db_path  # what is shown (another file after File > Open)
        self.read_only_view = capture is None
        self.runner = QueryRunner(db_path, self)
        self.text_filter: SqlFilter = MATCH_ALL
        self.consumer_filter: SqlFilter = MATCH_ALL
        self._identity = file_identity(db_path)  # to notice the file replaced behind us
        self._vanished = False  # seen missing since it was shown
        if capture is not None:
            capture.state_changed.connect(lambda _state: self.capture_changed.emit())

    # --- Selection ---------------------------------------------------------------------------

    @property
    def selection(self) -> SqlFilter:
        """What the requests, charts and endpoints show: the filter text and the consumer."""
        return self.text_filter.and_(self.consumer_filter)

    def set_text_filter(self, flt: SqlFilter) -> None:
        if flt != self.text_filter:
            self.text_filter = flt
            self.selection_changed.emit(self.selection)

    def set_consumer_filter(self, flt: SqlFilter) -> None:
        if flt != self.consumer_filter:
            self.consumer_filter = flt
            self.selection_changed.emit(self.selection)

    # --- Databases ---------------------------------------------------------------------------

    @property
    def showing_capture(self) -> bool:
        """The proxy's own file is on screen (not another one opened to browse)."""
        return self.db_path == self.capture_db

    def open(self, path: Path) -> None:
        """Show `path` read-only; the proxy keeps writing its own file. DatabaseError if not
        a capture database (the current one stays)."""
        if path.resolve() not in (self.db_path.resolve(), self.capture_db.resolve()):
            # A file already open here is not checked again: a plain open and close of it would
            # drop the locks this process's SQLite connections hold on it.
            open_db(path, readonly=True).close()
        self._show(path)

    def show_live_capture(self) -> None:
        self._show(self.capture_db)

    def follow_replaced(self) -> bool:
        """Show the new file when the one on screen was deleted or replaced; True if it was.

        The proxy starts a new database when its file goes (`rm`, a cleaner). Ids start over in
        it, so polling for newer rows would never find its rows: everything is read again.
        """
        identity = file_identity(self.db_path)
        if identity is None:
            # Gone: whatever takes the name next is a new file, even on a reused inode number
            # (ext4 hands a freed one out again at once).
            self._vanished = True
            return False
        if identity == self._identity and not self._vanished:
            return False
        try:
            open_db(self.db_path, readonly=True).close()
        except (DatabaseError, sqlite3.Error):
            return False  # still being created: look again at the next tick
        self._show(self.db_path)
        return True

    def clear(self) -> bool:
        """Replace the capture by a new, empty file (instant at any size); False when there is
        no capture on screen to clear. Raises OSError or DatabaseError when it cannot."""
        if self.capture is None or not self.showing_capture:
            return False
        was_running = self.capture.is_running
        self.capture.stop_and_wait()
        try:
            self.runner.set_database(self.capture_db)  # its connections let go of the old file
            replace_database(self.capture_db)
            self._show(self.capture_db)
        finally:
            if was_running:  # a failed Clear leaves the old file, and capture goes on into it
                self.capture.start()
        return True

    def name_consumer(self, row_id: int, text: str) -> str:
        """Label consumer `row_id` in the file shown (ConsumerNameError if refused)."""
        return name_consumer_in(self.db_path, row_id, text)

    def _show(self, path: Path) -> None:
        self.db_path = path
        self._identity = file_identity(path)
        self._vanished = False
        self.runner.set_database(path)
        self.database_changed.emit(path)

    # --- The proxy ---------------------------------------------------------------------------

    def start_capture(self) -> None:
        if self.capture is not None:
            self.capture.start()

    def stop_capture(self) -> None:
        if self.capture is not None:
            self.capture.stop()

    def apply_capture_settings(self, listen: str, mode: str) -> str | None:
        """Restart the proxy with `listen` and `mode`; the problem with the mode, if any."""
        if self.capture is None:
            return None
        problem = mode_problem(mode) if mode else None
        if problem is not None:
            return problem.replace("--mode ", "The mode ", 1)
        settings = self.capture.settings.with_changes(
            listen=listen or DEFAULT_LISTEN, mode=mode or DEFAULT_MODE
        )
        self.capture.restart(settings)
        return None

    def proxy_address(self) -> tuple[str, Path, str]:
        """The address clients should use (the bound one once listening), CA folder, mode."""
        capture = self.capture
        if capture is None:
            return DEFAULT_LISTEN, Path("~/.mitmproxy").expanduser(), DEFAULT_MODE
        address = capture.address or capture.settings.listen_address
        return address, capture.settings.confdir, capture.settings.proxy_mode

    def openapi_spec(self) -> OpenApiSpec | None:
        """The `[capture] openapi` spec of the configuration the proxy uses, if any.

        A configuration that does not load names no spec here: the proxy reports the error.
        """
        configured = self.capture.settings.config_path if self.capture is not None else None
        path = configured or default_config_path()
        if path is None or not path.exists():
            return None
        try:
            return load_config(path).openapi
        except InspectorError:
            return None
