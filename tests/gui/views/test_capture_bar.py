"""The toolbar's capture controls: Enter or a chosen mode asks for a restart with the fields as
typed (trimmed), the fields wait while the proxy starts or stops, and the badge says its state."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from inspector.gui import theme
from inspector.gui.capture_process import CaptureState
from inspector.gui.views.capture_bar import CaptureBar

pytestmark = pytest.mark.gui


@pytest.fixture
def bar(qtbot: QtBot) -> CaptureBar:
    widget = CaptureBar("127.0.0.1:8080", "regular")
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_enter_in_the_listen_field_asks_for_a_restart_with_both_fields(
    qtbot: QtBot, bar: CaptureBar
) -> None:
    bar.listen.setText("  0.0.0.0:9090 ")
    with qtbot.waitSignal(bar.apply_requested, timeout=1000) as blocker:
        QTest.keyClick(bar.listen, Qt.Key.Key_Return)
    assert blocker.args == ["0.0.0.0:9090", "regular"]


def test_a_typed_or_chosen_mode_asks_for_a_restart(qtbot: QtBot, bar: CaptureBar) -> None:
    edit = bar.mode.lineEdit()
    assert edit is not None
    edit.setText("reverse:http://localhost:3000 ")
    with qtbot.waitSignal(bar.apply_requested, timeout=1000) as blocker:
        QTest.keyClick(edit, Qt.Key.Key_Return)
    assert blocker.args == ["127.0.0.1:8080", "reverse:http://localhost:3000"]
    socks = bar.mode.findText("socks5")
    with qtbot.waitSignal(bar.apply_requested, timeout=1000) as blocker:
        bar.mode.setCurrentIndex(socks)
        bar.mode.activated.emit(socks)  # what choosing it from the list emits
    assert blocker.args == ["127.0.0.1:8080", "socks5"]


@pytest.mark.parametrize(
    ("state", "text", "colour", "editable"),
    [
        (CaptureState.STOPPED, "Stopped", "badge_idle", True),
        (CaptureState.STARTING, "Starting…", "badge_busy", False),
        (CaptureState.LISTENING, "● Capturing", "badge_on", True),
        (CaptureState.STOPPING, "Stopping…", "badge_busy", False),
        (CaptureState.FAILED, "Proxy failed", "badge_failed", True),
    ],
)
def test_the_badge_and_the_fields_follow_the_proxy(
    bar: CaptureBar, state: CaptureState, text: str, colour: str, editable: bool
) -> None:
    bar.set_state(state, "Listening on 127.0.0.1:8080")
    assert bar.state_badge.text() == text
    assert f"background: {theme.color(colour).name()}" in bar.state_badge.styleSheet()
    assert bar.state_badge.toolTip() == "Listening on 127.0.0.1:8080"
    assert bar.listen.isEnabled() == bar.mode.isEnabled() == editable


def test_values_set_by_the_app_show_without_asking_for_a_restart(
    qtbot: QtBot, bar: CaptureBar
) -> None:
    asked: list[tuple[str, str]] = []
    bar.apply_requested.connect(lambda listen, mode: asked.append((listen, mode)))
    bar.set_values("127.0.0.1:40123", "upstream:http://corp:3128")
    assert (bar.listen.text(), bar.mode.currentText()) == ("127.0.0.1:40123",
                                                           "upstream:http://corp:3128")  # fmt: skip
    assert asked == []
