"""GUI test fixtures: the offscreen platform, private settings, databases, a fast window, and for
the Intercept tests an HTTPS API with its own certificate and a window whose proxy listens."""

from __future__ import annotations

import os

# Before any Qt import: tests never need (or touch) a real display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sqlite3
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot

from inspector.gui.capture_process import CaptureProcess, CaptureState
from inspector.gui.main_window import Intervals, MainWindow
from inspector.model import Exchange
from inspector.proxy_modes import ProxySettings
from inspector.store import write_batch
from inspector.testing.certificates import localhost_server_certificate
from tests.gui.intercept_support import START_TIMEOUT_MS

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


@pytest.fixture
def https_api(tmp_path: Path) -> Iterator[HTTPServer]:
    """An HTTPS API on localhost with its own self-signed certificate."""
    cert, key = localhost_server_certificate()
    (tmp_path / "api-cert.pem").write_bytes(cert)
    (tmp_path / "api-key.pem").write_bytes(key)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "api-cert.pem", tmp_path / "api-key.pem")
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.expect_request("/items").respond_with_json({"items": ["quokka"]})
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def insecure_capture(capture_settings: ProxySettings) -> Iterator[CaptureProcess]:
    # The test API's certificate is self-signed: the proxy is told not to verify it.
    process = CaptureProcess(
        capture_settings.with_changes(
            mitmproxy_options=(*capture_settings.mitmproxy_options, "ssl_insecure=true")
        )
    )
    yield process
    process.stop_and_wait()


@pytest.fixture
def listening_window(
    qtbot: QtBot, make_window: Callable[..., MainWindow], insecure_capture: CaptureProcess
) -> MainWindow:
    """A window whose real proxy (`insecure_capture`) is listening."""
    window = make_window(insecure_capture)
    insecure_capture.start()
    qtbot.waitUntil(
        lambda: insecure_capture.state == CaptureState.LISTENING, timeout=START_TIMEOUT_MS
    )
    return window
