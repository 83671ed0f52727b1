"""The status bar: how many requests are shown of how many, what the proxy does (with a coloured
dot), the capture rate, and the database file with its write-ahead log, read-only or not."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from inspector.gui import theme
from inspector.gui.capture_process import CaptureState
from inspector.gui.views.status_bar import InspectorStatusBar, database_bytes

pytestmark = pytest.mark.gui


@pytest.fixture
def status(qtbot: QtBot) -> InspectorStatusBar:
    bar = InspectorStatusBar()
    qtbot.addWidget(bar)
    return bar


def test_the_status_bar_counts_one_request_in_the_singular(status: InspectorStatusBar) -> None:
    status.set_counts(1, 1)
    assert status.counts.text() == "1 request"
    status.set_counts(2, 2)
    assert status.counts.text() == "2 requests"


@pytest.mark.parametrize(
    ("shown", "total", "text"),
    [
        (1_234_567, 1_234_567, "1,234,567 requests"),
        (0, 1, "0 shown of 1 request"),
        (12, 3_000, "12 shown of 3,000 requests"),
        (None, 3_000, "counting… of 3,000 requests"),
        (5, None, "5 shown of … requests"),  # the total is still being counted
        (None, None, "counting… of … requests"),
        (0, 0, "0 requests"),
    ],
)
def test_counts_while_filtering_and_counting(
    status: InspectorStatusBar, shown: int | None, total: int | None, text: str
) -> None:
    status.set_counts(shown, total)
    assert status.counts.text() == text


def _shown(label: QLabel) -> str:
    """What the reader sees: rich text rendered, plain text as it is (Qt's AutoText rule)."""
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and GuiQt.mightBeRichText(label.text())
    )
    if not rich:
        return label.text()
    document = QTextDocument()
    document.setHtml(label.text())
    return document.toPlainText()


def test_the_capture_state_has_its_colour_and_its_text_is_shown_as_written(
    status: InspectorStatusBar,
) -> None:
    status.set_capture(CaptureState.LISTENING, "Listening on 127.0.0.1:8080")
    green = theme.color("fg_2xx").name()
    assert (
        status.capture.text() == f"<span style='color:{green}'>●</span> Listening on 127.0.0.1:8080"
    )
    reason = "Capture failed: <config> line 3 & more"
    status.set_capture(CaptureState.FAILED, reason)
    assert theme.color("error").name() in status.capture.text()
    assert _shown(status.capture) == "● " + reason  # not read as HTML: `<config>` stays
    assert status.capture.toolTip() == reason
    status.set_capture(CaptureState.STOPPED, "Capture stopped")
    assert _shown(status.capture) == "○ Capture stopped"
    # Without the coloured dot and without a `<`, Qt took the text as plain and showed `&amp;`.
    status.set_capture(CaptureState.STARTING, "Starting proxy on R&D-box:8080…")
    assert _shown(status.capture) == "○ Starting proxy on R&D-box:8080…"


def test_the_rate_has_one_decimal(status: InspectorStatusBar) -> None:
    status.set_rate(0.04)
    assert status.rate.text() == "0.0 req/s"
    status.set_rate(1234.56)
    assert status.rate.text() == "1234.6 req/s"


def test_the_database_size_includes_its_write_ahead_log(
    status: InspectorStatusBar, tmp_path: Path
) -> None:
    path = tmp_path / "capture.db"
    assert database_bytes(path) == 0  # deleted behind the app's back: no error
    path.write_bytes(b"x" * 1000)
    Path(f"{path}-wal").write_bytes(b"x" * 3 * 1024 * 1024)
    Path(f"{path}-shm").write_bytes(b"x" * 32768)  # shared memory is not the capture's size
    assert database_bytes(path) == 1000 + 3 * 1024 * 1024
    status.set_database(path, read_only=False)
    assert status.database.text() == "capture.db · 3.0 MB"
    assert status.database.toolTip() == str(path)
    status.set_database(path, read_only=True)
    assert status.database.text() == "capture.db · 3.0 MB · read-only"
