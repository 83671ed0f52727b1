"""Starting the app: when Qt would abort for want of a display, one QApplication per process,
and SIGINT/SIGTERM closing the main window the normal way (so its proxy stops) and nothing else.
(The whole start and a SIGTERM to a real `inspector --demo`: tests/gui/test_cli_gui.py.)"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from inspector.gui.app import make_application, missing_display, quit_on_signals
from inspector.gui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="those always have a display")
@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, True),
        ({"DISPLAY": ":0"}, False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, False),
        ({"QT_QPA_PLATFORM": "offscreen"}, False),  # a platform chosen by hand: Qt's business
        ({"DISPLAY": ""}, True),  # set but empty is no display
    ],
)
def test_a_missing_display_is_told_before_qt_aborts(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], missing: bool
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert missing_display() is missing


def test_the_running_application_is_reused(qtbot: QtBot) -> None:
    assert make_application() is QApplication.instance()


@pytest.fixture
def handlers() -> Iterator[None]:
    """The test process's own SIGINT and SIGTERM handlers, put back afterwards."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def test_sigterm_closes_the_main_window_and_quits(
    qtbot: QtBot, make_window: Callable[..., MainWindow], handlers: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    window = make_window()
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    quits: list[bool] = []
    monkeypatch.setattr(app, "quit", lambda: quits.append(True))  # the test runner stays up
    ticker = quit_on_signals(app)
    try:
        assert ticker.isActive() and ticker.interval() <= 500  # Python gets to run its handler
        for signum in (signal.SIGINT, signal.SIGTERM):
            handler = signal.getsignal(signum)
            assert callable(handler)
            handler(signum, None)
        assert not window.isVisible() and other.isVisible()
        assert quits == [True, True]
    finally:
        ticker.stop()
