"""Starting the desktop app: the QApplication, theme, capture child, demo mode and main window."""

from __future__ import annotations

import os
import signal
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from inspector.gui import theme
from inspector.gui.capture_process import CaptureProcess
from inspector.gui.demo_session import DemoSession
from inspector.gui.main_window import MainWindow
from inspector.paths import APP_NAME, private_app_settings_file
from inspector.proxy_modes import ProxySettings
from inspector.store import open_db


def missing_display() -> bool:
    """True when Qt would abort for want of a display (and nobody chose a platform)."""
    if sys.platform in ("win32", "darwin"):
        return False
    if os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _icon() -> QIcon:
    try:
        from inspector.resource_files import resource

        return QIcon(str(resource("icons/api-inspector.svg")))
    except (FileNotFoundError, ModuleNotFoundError, TypeError):
        return QIcon()


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(argv if argv is not None else [sys.argv[0]])
    app.setApplicationName("API Inspector")
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName(APP_NAME)
    app.setWindowIcon(_icon())
    theme.apply(app)
    # Follow the system when it switches between light and dark while we run.
    QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: theme.apply(app))
    return app


def quit_on_signals(app: QApplication) -> QTimer:
    """SIGINT and SIGTERM close the window the normal way, so the proxy is stopped too.

    Python runs signal handlers only between bytecodes; the timer gives it some while Qt's
    event loop (C++) runs. Keep the returned timer alive.
    """

    def close(_signum: int, _frame: object) -> None:
        for widget in app.topLevelWidgets():
            if isinstance(widget, MainWindow):
                widget.close()
        app.quit()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, close)
    ticker = QTimer(app)
    ticker.timeout.connect(lambda: None)
    ticker.start(250)
    return ticker


def run(capture_settings: ProxySettings, *, with_demo: bool = False) -> int:
    """Open the window, its proxy started with `capture_settings`, and run until it closes;
    returns the exit status. `with_demo` swaps in a throwaway database, a sample API and traffic."""
    app = make_application()
    settings = QSettings(str(private_app_settings_file()), QSettings.Format.IniFormat)
    demo: DemoSession | None = None
    db_path = capture_settings.db_path
    if with_demo:
        workdir = Path(tempfile.mkdtemp(prefix="api-inspector-demo-"))
        demo = DemoSession(workdir)
        capture_settings = demo.capture_settings(capture_settings)
        db_path = capture_settings.db_path
    # The window reads the file before the proxy has written anything: create it now.
    open_db(db_path).close()
    capture = CaptureProcess(capture_settings)
    if demo is not None:
        demo.attach(capture)
    window = MainWindow(db_path, settings, capture, show_connect_on_first_run=not with_demo)
    if demo is not None:
        window.setWindowTitle("API Inspector — demo")
        window.before_shutdown.append(demo.stop_traffic)
    window.show()
    ticker = quit_on_signals(app)
    capture.start()
    app.setQuitOnLastWindowClosed(True)
    try:
        status = app.exec()
    finally:
        ticker.stop()
        window.shutdown()
        if demo is not None:
            demo.stop()
    return int(status)
