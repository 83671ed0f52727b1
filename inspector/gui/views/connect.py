"""The Connect-a-client panel: copy-ready snippets for the proxy's real address."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.gui.connect_snippets import Section, Snippet, ca_certificate, sections
from inspector.gui.views.body_view import monospace_font
from inspector.proxy_modes import DEFAULT_MODE


class SnippetBox(QFrame):
    """A titled, read-only block of code with its own Copy button."""

    def __init__(self, snippet: Snippet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.snippet = snippet
        title = QLabel(f"<b>{snippet.title}</b>", self)
        self.copy_button = QPushButton("Copy", self)
        self.copy_button.clicked.connect(self.copy)
        code = QPlainTextEdit(snippet.code, self)
        code.setReadOnly(True)
        code.setFont(monospace_font())
        code.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        lines = snippet.code.count("\n") + 1
        height = QFontMetrics(code.font()).lineSpacing() * lines + 18
        code.setFixedHeight(min(height, 220) + 14)  # room for a horizontal scroll bar
        header = QHBoxLayout()
        header.addWidget(title, 1)
        header.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.addLayout(header)
        layout.addWidget(code)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.snippet.code)
        self.copy_button.setText("Copied")


def _section_page(section: Section, parent: QWidget) -> QWidget:
    page = QWidget(parent)
    layout = QVBoxLayout(page)
    intro = QLabel(section.intro, page)
    intro.setWordWrap(True)
    intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    layout.addWidget(intro)
    for snippet in section.snippets:
        layout.addWidget(SnippetBox(snippet, page))
    layout.addStretch(1)
    scroll = QScrollArea(parent)
    scroll.setWidget(page)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    return scroll


class ConnectDialog(QDialog):
    """Shown on first run and from the toolbar; rebuilt whenever the address changes."""

    def __init__(
        self, address: str, confdir: Path, mode: str = DEFAULT_MODE, parent: QWidget | None = None,
        first_run: bool = False,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle("Connect a client")
        self.resize(760, 560)
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.tabs = QTabWidget(self)
        reopen = QLabel("Open this panel again with <b>Connect a client</b> in the toolbar.", self)
        reopen.setVisible(first_run)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(reopen, 1)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        self.address = ""
        self.set_address(address, confdir, mode)

    def set_address(self, address: str, confdir: Path, mode: str = DEFAULT_MODE) -> None:
        """Rebuild every snippet for this proxy address (e.g. once the real port is known)."""
        if address == self.address and self.tabs.count():
            return
        self.address = address
        ca = ca_certificate(confdir)
        ca_state = "exists" if ca.exists() else "is created when the proxy first starts"
        self.heading.setText(
            f"<h3>Send your client's traffic through the proxy at <code>{address}</code></h3>"
            f"<p>Forward proxy for any host (HTTPS needs the CA certificate, which {ca_state}), "
            "or reverse proxy in front of one API. Every snippet uses this address.</p>"
        )
        current = self.tabs.currentIndex()
        while self.tabs.count():
            page = self.tabs.widget(0)
            self.tabs.removeTab(0)
            if page is not None:
                page.deleteLater()
        self.sections = sections(address, confdir, mode)
        for section in self.sections:
            self.tabs.addTab(_section_page(section, self.tabs), section.name)
        if current >= 0:
            self.tabs.setCurrentIndex(current)
        elif mode.startswith("reverse:"):
            self.tabs.setCurrentIndex(len(self.sections) - 1)

    def snippet_boxes(self) -> list[SnippetBox]:
        return self.findChildren(SnippetBox)
