"""The status bar: counts, capture rate, database size and what the proxy is doing."""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from inspector import units
from inspector.gui import theme
from inspector.gui.capture_process import CaptureState
from inspector.gui.views.forwarding import ForwardingStatus


def database_bytes(path: Path) -> int:
    """The file plus its write-ahead log: what the capture really occupies."""
    total = 0
    for suffix in ("", "-wal"):
        with contextlib.suppress(OSError):
            total += Path(f"{path}{suffix}").stat().st_size
    return total


class InspectorStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.capture = QLabel(self)
        self.capture.setObjectName("captureState")
        # Always HTML: set_capture escapes the text, and a text Qt guessed to be plain would
        # show those escapes (`&amp;`) whenever no coloured dot made it look like HTML.
        self.capture.setTextFormat(Qt.TextFormat.RichText)
        self.counts = QLabel(self)
        self.counts.setObjectName("counts")
        self.rate = QLabel(self)
        self.database = QLabel(self)
        self.forwarding = ForwardingStatus(self)
        self.addWidget(self.capture, 1)
        self.addPermanentWidget(self.forwarding)
        for label in (self.counts, self.rate, self.database):
            self.addPermanentWidget(label)

    def set_capture(self, state: CaptureState, text: str) -> None:
        color = {
            CaptureState.LISTENING: theme.color("fg_2xx"),
            CaptureState.FAILED: theme.color("error"),
        }.get(state)
        dot = f"<span style='color:{color.name()}'>●</span> " if color is not None else "○ "
        self.capture.setText(dot + text.replace("&", "&amp;").replace("<", "&lt;"))
        self.capture.setToolTip(text)

    def set_counts(self, shown: int | None, total: int | None) -> None:
        total_text = "…" if total is None else f"{total:,}"
        noun = "request" if total == 1 else "requests"
        if shown is None:
            self.counts.setText(f"counting… of {total_text} {noun}")
        elif total is not None and shown == total:
            self.counts.setText(f"{total_text} {noun}")
        else:
            self.counts.setText(f"{shown:,} shown of {total_text} {noun}")

    def set_rate(self, per_second: float) -> None:
        self.rate.setText(f"{per_second:.1f} req/s")

    def set_database(self, path: Path, read_only: bool) -> None:
        size = units.size_text(database_bytes(path))
        self.database.setText(f"{path.name} · {size}" + (" · read-only" if read_only else ""))
        self.database.setToolTip(str(path))
