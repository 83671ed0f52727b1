"""GUI test fixtures: the offscreen platform, private settings, databases and a fast window."""

from __future__ import annotations

import os

# Before any Qt import: tests never need (or touch) a real display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from inspector.gui.capture_process import CaptureProcess
from inspector.gui.main_window import Intervals, MainWindow
from inspector.model import Exchange
from inspector.proxy_modes import ProxySettings
from inspector.store import write_batch

# Short timers: tests wait for conditions (qtbot.waitUntil), so shorter only means faster.
FAST = Intervals(poll_ms=50, debounce_ms=20, status_ms=100, consumers_ms=100)


@pytest.fixture
def fast() -> Intervals:
    return FAST


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    """A private settings file: tests never read or write the user's window state."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def add_exchanges(db: sqlite3.Connection) -> Callable[..., list[int]]:
    def add(*exchanges: Exchange) -> list[int]:
        return write_batch(db, list(exchanges))

    return add


@pytest.fixture
def capture_settings(tmp_path: Path, db_path: Path) -> ProxySettings:
    """A proxy on a free loopback port whose CA lives in the test's own directory."""
    return ProxySettings(
        db_path=db_path,
        listen="127.0.0.1:0",
        mitmproxy_options=(f"confdir={tmp_path / 'mitmproxy'}",),
    )


@pytest.fixture
def make_window(
    qtbot: QtBot, settings: QSettings, db: sqlite3.Connection, db_path: Path
) -> Iterator[Callable[..., MainWindow]]:
    windows: list[MainWindow] = []

    def make(capture: CaptureProcess | None = None) -> MainWindow:
        window = MainWindow(db_path, settings, capture, FAST, show_connect_on_first_run=False)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.shutdown()
