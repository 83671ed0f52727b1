"""The Intercept menu and its Run-a-command dialog."""

from __future__ import annotations

import shlex
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector.gui.intercept import Interceptor, InterceptUnavailable, Launched
from inspector.gui.views.body_view import monospace_font


class RunCommandDialog(QDialog):
    """Type a command, run it through the capture, read its output, then see its requests."""

    show_source = Signal(str)  # the filter term for the command's requests

    def __init__(self, interceptor: Interceptor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Run a command through the proxy")
        self.resize(720, 440)
        self.interceptor = interceptor
        self.launched: Launched | None = None
        intro = QLabel(
            "The command runs with its HTTP and HTTPS going through the app's proxy and "
            "trusting its certificate (the environment <code>inspector run</code> sets). Its "
            "requests are tagged, so you can list just them.",
            self,
        )
        intro.setWordWrap(True)
        self.command = QLineEdit(self)
        self.command.setPlaceholderText("curl https://localhost:8443/users")
        self.command.returnPressed.connect(self.run)
        self.run_button = QPushButton("Run", self)
        self.run_button.clicked.connect(self.run)
        self.output = QPlainTextEdit(self)
        self.output.setReadOnly(True)
        self.output.setFont(monospace_font())
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.show_button = QPushButton("Show its requests", self)
        self.show_button.setEnabled(False)
        self.show_button.clicked.connect(self._show_requests)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        line = QHBoxLayout()
        line.addWidget(self.command, 1)
        line.addWidget(self.run_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.show_button)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(line)
        layout.addWidget(self.output, 1)
        layout.addLayout(bottom)
        interceptor.finished.connect(self._finished)

    def run(self) -> None:
        try:
            command = shlex.split(self.command.text())
        except ValueError as exc:
            self.status.setText(f"Cannot read the command: {exc}.")
            return
        try:
            launched = self.interceptor.run_command(command)
        except InterceptUnavailable as exc:
            self.status.setText(str(exc))
            return
        self.launched = launched
        self.output.clear()
        self.run_button.setEnabled(False)
        self.show_button.setEnabled(True)
        self.status.setText(
            f"Running… its requests are tagged <code>source:{launched.source}</code>"
        )
        launched.process.readyReadStandardOutput.connect(self._append_output)
        launched.process.errorOccurred.connect(lambda _error: self._could_not_start())

    def _append_output(self) -> None:
        if self.launched is not None:
            # Read after the interceptor has: its slot was connected first.
            self.output.setPlainText("".join(self.launched.output))
            self.output.verticalScrollBar().setValue(self.output.verticalScrollBar().maximum())

    def _could_not_start(self) -> None:
        if self.launched is not None:
            self.status.setText(f"Could not run it: {self.launched.process.errorString()}")
            self.run_button.setEnabled(True)

    def _finished(self, source: str, code: int) -> None:
        if self.launched is None or source != self.launched.source:
            return
        self._append_output()
        self.run_button.setEnabled(True)
        self.status.setText(
            f"Exited with status {code}. Its requests: <code>source:{source}</code>"
        )

    def _show_requests(self) -> None:
        if self.launched is not None:
            self.show_source.emit(f"source:{self.launched.source}")


def add_intercept_menu(
    window: QMainWindow,
    interceptor: Interceptor,
    show_filter: Callable[[str], None],
    notify: Callable[[str], None],
) -> QMenu:
    """The Intercept menu: run a command, open a terminal or a browser through the proxy."""
    menu = window.menuBar().addMenu("&Intercept")
    menu.setToolTipsVisible(True)

    def attempt(action: Callable[[], Launched]) -> None:
        try:
            launched = action()
        except InterceptUnavailable as exc:
            notify(str(exc))
            return
        notify(f"Started {launched.description}; its requests: source:{launched.source}")

    def run_dialog() -> None:
        dialog = RunCommandDialog(interceptor, window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show_source.connect(show_filter)
        dialog.show()

    run = QAction("Run a command…", menu)
    run.setToolTip("Run a program with its traffic through the proxy, and see its requests")
    run.triggered.connect(run_dialog)
    terminal = QAction("Open a terminal", menu)
    terminal.setToolTip("Your terminal, where every program sends its traffic through the proxy")
    terminal.triggered.connect(lambda: attempt(interceptor.open_terminal))
    browser = QAction("Open a browser", menu)
    browser.setToolTip(
        "Chromium or Chrome with a throwaway profile that uses the proxy and trusts its "
        "certificate; nothing is installed"
    )
    browser.triggered.connect(lambda: attempt(interceptor.open_browser))
    for action in (run, terminal, browser):
        menu.addAction(action)

    def refresh() -> None:
        reason = interceptor.unavailable_reason()
        for action in (run, terminal, browser):
            action.setEnabled(reason is None)
            action.setStatusTip(reason or action.toolTip())

    menu.aboutToShow.connect(refresh)
    interceptor.failed.connect(notify)
    refresh()
    return menu
