"""The Connect-a-client panel: a tab per client, each snippet with a Copy button."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from inspector.gui.views.connect import ConnectDialog

pytestmark = pytest.mark.gui


def test_copy_buttons_copy_their_snippet(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = ConnectDialog("127.0.0.1:9191", tmp_path, first_run=True)
    qtbot.addWidget(dialog)
    boxes = dialog.snippet_boxes()
    assert len(boxes) == sum(len(section.snippets) for section in dialog.sections)
    boxes[0].copy_button.click()
    assert QGuiApplication.clipboard().text() == boxes[0].snippet.code
    assert boxes[0].copy_button.text() == "Copied"


def test_reverse_mode_opens_on_the_reverse_tab(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = ConnectDialog("127.0.0.1:9191", tmp_path, mode="reverse:http://localhost:3000")
    qtbot.addWidget(dialog)
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Reverse proxy"
