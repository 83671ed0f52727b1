"""The toolbar's capture controls: listen address, mode, start, stop and restart."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from inspector.gui import theme
from inspector.gui.capture_process import CaptureState
from inspector.proxy_modes import DEFAULT_MODE

MODE_CHOICES = (DEFAULT_MODE, "reverse:http://localhost:8000", "upstream:http://localhost:3128",
                "socks5")  # fmt: skip


class CaptureBar(QWidget):
    """Edits the proxy's address and mode; Enter in either field asks for a restart with them."""

    apply_requested = Signal(str, str)  # listen, mode

    def __init__(self, listen: str, mode: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.listen = QLineEdit(listen, self)
        self.listen.setObjectName("listenEdit")
        self.listen.setToolTip("HOST:PORT the proxy listens on (Enter restarts the proxy)")
        self.listen.setMaximumWidth(150)
        self.listen.setMinimumWidth(110)
        self.mode = QComboBox(self)
        self.mode.setObjectName("modeCombo")
        self.mode.setEditable(True)
        self.mode.addItems(list(MODE_CHOICES))
        self.mode.setCurrentText(mode)
        self.mode.setMinimumWidth(200)
        self.mode.setToolTip(
            "mitmproxy mode: regular (clients set a proxy), reverse:URL (clients call the proxy "
            "instead of URL), upstream:URL, socks5 (Enter restarts the proxy)"
        )
        # What the proxy is doing, where the eye starts: the status bar's dot was easy to miss.
        self.state_badge = QLabel(self)
        self.state_badge.setObjectName("captureBadge")
        self.state_badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.state_badge)
        layout.addSpacing(6)
        layout.addWidget(QLabel("Listen", self))
        layout.addWidget(self.listen)
        layout.addWidget(QLabel("Mode", self))
        layout.addWidget(self.mode)
        self.listen.returnPressed.connect(self._apply)
        line_edit = self.mode.lineEdit()
        if line_edit is not None:
            line_edit.returnPressed.connect(self._apply)
        self.mode.activated.connect(lambda _index: self._apply())

    def _apply(self) -> None:
        self.apply_requested.emit(self.listen.text().strip(), self.mode.currentText().strip())

    def set_values(self, listen: str, mode: str) -> None:
        self.listen.setText(listen)
        self.mode.setCurrentText(mode)

    def set_state(self, state: CaptureState, description: str = "") -> None:
        busy = state in (CaptureState.STARTING, CaptureState.STOPPING)
        self.listen.setEnabled(not busy)
        self.mode.setEnabled(not busy)
        self.set_badge(*_BADGES[state], description)

    def set_badge(self, text: str, color_name: str, description: str = "") -> None:
        color = theme.color(color_name).name()
        self.state_badge.setText(text)
        self.state_badge.setStyleSheet(
            f"QLabel#captureBadge {{ color: white; background: {color}; border-radius: 9px;"
            " padding: 2px 10px; font-weight: bold; }"
        )
        self.state_badge.setToolTip(description)


# The badge's words and colour for each state of the proxy.
_BADGES = {
    CaptureState.STOPPED: ("Stopped", "badge_idle"),
    CaptureState.STARTING: ("Starting…", "badge_busy"),
    CaptureState.LISTENING: ("● Capturing", "badge_on"),
    CaptureState.STOPPING: ("Stopping…", "badge_busy"),
    CaptureState.FAILED: ("Proxy failed", "badge_failed"),
}
