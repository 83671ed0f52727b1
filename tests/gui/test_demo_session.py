"""`inspector --demo`: the sample API behind the proxy fills every view within seconds."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from inspector.gui.capture_process import CaptureProcess, CaptureState
from inspector.gui.demo_session import DemoSession
from inspector.gui.main_window import Intervals, MainWindow
from inspector.proxy_modes import ProxySettings
from inspector.store import open_db

pytestmark = pytest.mark.gui


def test_demo_traffic_fills_requests_consumers_and_details(
    qtbot: QtBot, tmp_path: Path, settings: QSettings, fast: Intervals
) -> None:
    workdir = tmp_path / "demo"
    workdir.mkdir()
    demo = DemoSession(workdir, rate_per_s=40)
    base = ProxySettings(
        db_path=tmp_path / "unused.db", mitmproxy_options=(f"confdir={tmp_path}/m",)
    )
    capture_settings = demo.capture_settings(base)
    assert capture_settings.mode == f"reverse:{demo.base_url}"
    open_db(capture_settings.db_path).close()
    capture = CaptureProcess(capture_settings)
    demo.attach(capture)
    window = MainWindow(capture_settings.db_path, settings, capture, fast, False)
    window.before_shutdown.append(demo.stop_traffic)
    qtbot.addWidget(window)
    window.show()
    try:
        capture.start()
        qtbot.waitUntil(lambda: capture.state == CaptureState.LISTENING, timeout=30_000)
        qtbot.waitUntil(lambda: window.request_model.rowCount() >= 20, timeout=20_000)
        # Several named consumers, besides "All consumers" and anonymous traffic.
        qtbot.waitUntil(lambda: window.consumer_model.rowCount() >= 4, timeout=20_000)
        window.requests_view.select_row(0)
        qtbot.waitUntil(lambda: window.details.exchange is not None, timeout=5_000)
        statuses = {window.request_model.row_at(r).status  # type: ignore[union-attr]
                    for r in range(window.request_model.rowCount())}  # fmt: skip
        assert any(status is not None and status < 300 for status in statuses)
    finally:
        window.shutdown()
        demo.stop()
    assert capture.state == CaptureState.STOPPED
    assert not workdir.exists()  # the temporary database goes with the demo
