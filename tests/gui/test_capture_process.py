"""The app drives a real `inspector capture` child: states, live traffic, failures and Clear."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot

from inspector.gui.capture_process import CaptureProcess, CaptureSettings, CaptureState
from inspector.gui.main_window import MainWindow
from inspector.gui.models import requests as table

pytestmark = pytest.mark.gui

START_TIMEOUT_MS = 30_000  # importing mitmproxy on a busy 2-core machine takes seconds

CONFIG = """
schema_version = 1

[[group]]
id = "header:x-api-key"

[[consumer]]
id = "key-acme"
label = "Acme Corp"
email = "ops@acme.test"
group = "Enterprise"
"""


@pytest.fixture
def capture(
    qtbot: QtBot, capture_settings: CaptureSettings, tmp_path: Path
) -> Iterator[CaptureProcess]:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    process = CaptureProcess(capture_settings.with_changes(config_path=config))
    yield process
    process.stop_and_wait()


def _listening(qtbot: QtBot, capture: CaptureProcess) -> str:
    qtbot.waitUntil(lambda: capture.state == CaptureState.LISTENING, timeout=START_TIMEOUT_MS)
    return capture.address


def test_forwarding_adds_one_forward_argument_per_name(tmp_path: Path) -> None:
    settings = CaptureSettings(db_path=tmp_path / "c.db", forward=("readme", "es"))
    arguments = settings.arguments()
    assert arguments[-4:] == ["--forward", "readme", "--forward", "es"]
    assert "--forward" not in CaptureSettings(db_path=tmp_path / "c.db").arguments()


def test_traffic_through_the_proxy_fills_table_consumers_and_details(
    qtbot: QtBot, make_window: Callable[..., MainWindow], capture: CaptureProcess,
    httpserver: HTTPServer,
) -> None:  # fmt: skip
    httpserver.expect_request("/users/7").respond_with_json({"id": 7, "name": "Grace"})
    httpserver.expect_request("/orders", method="POST").respond_with_data("nope", status=422)
    window = make_window(capture)
    capture.start()
    address = _listening(qtbot, capture)
    assert address.startswith("127.0.0.1:") and not address.endswith(":0")
    assert f"Listening on {address}" in window.status.capture.text()
    with httpx.Client(proxy=f"http://{address}", timeout=10) as client:
        ok = client.get(httpserver.url_for("/users/7"), headers={"X-API-Key": "key-acme"})
        bad = client.post(httpserver.url_for("/orders"), json={"qty": -1})
    assert (ok.status_code, bad.status_code) == (200, 422)

    model = window.request_model
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=10_000)
    assert [model.index(row, table.PATH).data() for row in range(2)] == ["/orders", "/users/7"]
    assert model.index(1, table.CONSUMER).data() == "Acme Corp"
    assert model.index(0, table.STATUS).data() == "422"
    names = lambda: [  # noqa: E731
        window.consumer_model.row_at(i).name  # type: ignore[union-attr]
        for i in range(window.consumer_model.rowCount())
    ]
    qtbot.waitUntil(lambda: "Acme Corp" in names(), timeout=10_000)

    window.requests_view.select_row(1)
    qtbot.waitUntil(lambda: window.details.exchange is not None
                    and window.details.exchange.path == "/users/7")  # fmt: skip
    assert '"name": "Grace"' in window.details.response.body.text.toPlainText()
    headers = window.details.request.headers
    values = {headers.item(r, 0).text().lower(): headers.item(r, 1).text()
              for r in range(headers.rowCount())}  # fmt: skip
    assert values["x-api-key"] != "key-acme"  # the credential never reaches the database

    window.stop_action.trigger()
    qtbot.waitUntil(lambda: capture.state == CaptureState.STOPPED, timeout=15_000)
    assert "Capture stopped" in window.status.capture.text()
    assert window.start_action.isEnabled() and not window.stop_action.isEnabled()


def test_a_port_in_use_fails_with_the_reason(
    qtbot: QtBot, make_window: Callable[..., MainWindow], capture: CaptureProcess
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        capture.settings = capture.settings.with_changes(listen=f"127.0.0.1:{port}")
        window = make_window(capture)
        capture.start()
        qtbot.waitUntil(lambda: capture.state == CaptureState.FAILED, timeout=START_TIMEOUT_MS)
    assert "in use" in capture.reason
    assert str(port) in capture.reason
    assert "Capture failed" in window.status.capture.text()
    assert window.start_action.isEnabled()


def test_restart_with_another_mode(
    qtbot: QtBot, make_window: Callable[..., MainWindow], capture: CaptureProcess,
    httpserver: HTTPServer,
) -> None:  # fmt: skip
    httpserver.expect_request("/widgets").respond_with_data("pong")
    window = make_window(capture)
    capture.start()
    _listening(qtbot, capture)
    target = httpserver.url_for("").rstrip("/")
    window.capture_bar.mode.setCurrentText(f"reverse:{target}")
    window.restart_action.trigger()
    qtbot.waitUntil(
        lambda: (
            capture.state == CaptureState.LISTENING and capture.settings.mode == f"reverse:{target}"
        ),
        timeout=START_TIMEOUT_MS,
    )
    assert f"reverse proxy to {target}" in window.status.capture.text()
    response = httpx.get(f"http://{capture.address}/widgets", timeout=10)
    assert response.text == "pong"
    qtbot.waitUntil(lambda: window.request_model.rowCount() == 1, timeout=10_000)


def test_clear_swaps_in_an_empty_database_and_capture_goes_on(
    qtbot: QtBot, make_window: Callable[..., MainWindow], capture: CaptureProcess,
    httpserver: HTTPServer, db_path: Path,
) -> None:  # fmt: skip
    httpserver.expect_request("/before").respond_with_data("x")
    httpserver.expect_request("/after").respond_with_data("y")
    window = make_window(capture)
    capture.start()
    address = _listening(qtbot, capture)
    with httpx.Client(proxy=f"http://{address}", timeout=10) as client:
        for _ in range(3):
            client.get(httpserver.url_for("/before"))
    qtbot.waitUntil(lambda: window.request_model.rowCount() == 3, timeout=10_000)

    assert window.clear_capture(confirm=False)
    qtbot.waitUntil(lambda: window.request_model.total_count == 0)
    assert window.request_model.rowCount() == 0
    assert not Path(f"{db_path}.cleared").exists()
    address = _listening(qtbot, capture)
    with httpx.Client(proxy=f"http://{address}", timeout=10) as client:
        client.get(httpserver.url_for("/after"))
    qtbot.waitUntil(lambda: window.request_model.rowCount() == 1, timeout=10_000)
    assert window.request_model.index(0, table.PATH).data() == "/after"


def test_a_database_deleted_behind_the_app_is_followed_into_the_new_file(
    qtbot: QtBot, make_window: Callable[..., MainWindow], capture: CaptureProcess,
    httpserver: HTTPServer, db_path: Path,
) -> None:  # fmt: skip
    httpserver.expect_request("/before").respond_with_data("x")
    httpserver.expect_request("/after").respond_with_data("y")
    window = make_window(capture)
    capture.start()
    address = _listening(qtbot, capture)
    with httpx.Client(proxy=f"http://{address}", timeout=10) as client:
        for _ in range(3):
            client.get(httpserver.url_for("/before"))
        qtbot.waitUntil(lambda: window.request_model.rowCount() == 3, timeout=10_000)
        for suffix in ("", "-wal", "-shm"):  # what `rm capture.db*` does
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        client.get(httpserver.url_for("/after"))
    # The proxy starts a new file, whose ids start over; the window reads it from scratch.
    qtbot.waitUntil(lambda: window.request_model.total_count == 1, timeout=15_000)
    assert window.request_model.rowCount() == 1
    assert window.request_model.index(0, table.PATH).data() == "/after"
    assert capture.state == CaptureState.LISTENING


def test_closing_the_window_stops_the_proxy_with_everything_committed(
    qtbot: QtBot, make_window: Callable[..., MainWindow], capture: CaptureProcess,
    httpserver: HTTPServer, db_path: Path,
) -> None:  # fmt: skip
    httpserver.expect_request("/last").respond_with_data("bye")
    window = make_window(capture)
    capture.start()
    address = _listening(qtbot, capture)
    with httpx.Client(proxy=f"http://{address}", timeout=10) as client:
        client.get(httpserver.url_for("/last"))
    window.close()  # at once: the exchange may still sit in the proxy's write queue
    assert capture.state == CaptureState.STOPPED and not capture.is_running
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        paths = [row[0] for row in conn.execute("SELECT path FROM exchanges")]
    finally:
        conn.close()
    assert paths == ["/last"]


def test_connect_panel_shows_the_port_the_proxy_really_bound(
    qtbot: QtBot, make_window: Callable[..., MainWindow], capture: CaptureProcess
) -> None:
    # Asked for port 0, the first-run panel opens before the proxy has chosen a port; the
    # snippets must end up naming the real one, not "127.0.0.1:0".
    window = make_window(capture)
    dialog = window.show_connect(first_run=True)
    capture.start()
    address = _listening(qtbot, capture)
    assert not address.endswith(":0")
    qtbot.waitUntil(lambda: dialog.address == address)
    codes = [snippet.code for section in dialog.sections for snippet in section.snippets]
    assert any(address in code for code in codes)
    assert not any("127.0.0.1:0" in code for code in codes)


def test_the_clear_action_always_asks_and_cancel_keeps_everything(
    qtbot: QtBot, make_window: Callable[..., MainWindow], capture: CaptureProcess,
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    # The toolbar action used to pass triggered(checked=False) into `confirm` and wipe at once.
    from PySide6.QtWidgets import QMessageBox

    httpserver.expect_request("/kept").respond_with_data("x")
    window = make_window(capture)
    capture.start()
    address = _listening(qtbot, capture)
    with httpx.Client(proxy=f"http://{address}", timeout=10) as client:
        client.get(httpserver.url_for("/kept"))
    qtbot.waitUntil(lambda: window.request_model.rowCount() == 1, timeout=10_000)
    asked: list[str] = []

    def cancel(*args: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", cancel)
    window.clear_action.trigger()
    assert asked and "cannot be undone" in asked[0]
    assert window.request_model.total_count == 1
    assert window.request_model.index(0, table.PATH).data() == "/kept"


def test_the_listen_field_shows_the_port_the_proxy_got(
    qtbot: QtBot, make_window: Callable[..., MainWindow], capture: CaptureProcess,
) -> None:  # fmt: skip
    window = make_window(capture)
    capture.start()
    address = _listening(qtbot, capture)
    qtbot.waitUntil(lambda: window.capture_bar.listen.text() == address)
    assert not address.endswith(":0")


def test_a_port_in_use_points_at_the_listen_field(
    qtbot: QtBot, make_window: Callable[..., MainWindow], capture_settings: CaptureSettings,
) -> None:  # fmt: skip
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = f"127.0.0.1:{taken.getsockname()[1]}"
        process = CaptureProcess(capture_settings.with_changes(listen=busy))
        try:
            window = make_window(process)
            window.capture_bar.listen.setText(busy)
            process.start()
            qtbot.waitUntil(lambda: process.state == CaptureState.FAILED, timeout=START_TIMEOUT_MS)
            qtbot.waitUntil(lambda: "Listen field" in window.status.currentMessage())
            assert busy in window.status.currentMessage()
            assert "--listen" not in window.status.currentMessage()
        finally:
            process.stop_and_wait()


def _endpoint_requests(window: MainWindow) -> int:
    return sum(row.requests for row in window.endpoints.source.rows)


def test_the_endpoints_tab_follows_a_live_capture(
    qtbot: QtBot, make_window: Callable[..., MainWindow], capture: CaptureProcess,
    httpserver: HTTPServer,
) -> None:  # fmt: skip
    # It used to keep the counts of the moment it was first shown (1,223 of 2,162 captured).
    httpserver.expect_request("/live/1").respond_with_data("x")
    window = make_window(capture)
    capture.start()
    address = _listening(qtbot, capture)
    window.views.setCurrentWidget(window.endpoints)
    with httpx.Client(proxy=f"http://{address}", timeout=10) as client:
        for _ in range(2):
            client.get(httpserver.url_for("/live/1"))
        qtbot.waitUntil(lambda: _endpoint_requests(window) == 2, timeout=15_000)
        for _ in range(3):
            client.get(httpserver.url_for("/live/1"))
        qtbot.waitUntil(lambda: _endpoint_requests(window) == 5, timeout=15_000)
        # Hidden while traffic goes on, it is current again as soon as it is shown.
        window.views.setCurrentWidget(window.right_splitter)
        client.get(httpserver.url_for("/live/1"))
        qtbot.waitUntil(lambda: window.request_model.total_count == 6, timeout=15_000)
        window.views.setCurrentWidget(window.endpoints)
        qtbot.waitUntil(lambda: _endpoint_requests(window) == 6, timeout=15_000)


def test_a_failed_proxy_is_plain_to_see_and_try_again_recovers(
    qtbot: QtBot, make_window: Callable[..., MainWindow], capture: CaptureProcess
) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    busy = f"127.0.0.1:{taken.getsockname()[1]}"
    capture.settings = capture.settings.with_changes(listen=busy)
    window = make_window(capture)
    window.capture_bar.listen.setText(busy)
    capture.start()
    qtbot.waitUntil(lambda: capture.state == CaptureState.FAILED, timeout=START_TIMEOUT_MS)
    # The toolbar's badge and the empty table say it, not only a dot in the status bar.
    assert window.capture_bar.state_badge.text() == "Proxy failed"
    empty = window.requests_view.empty_state
    qtbot.waitUntil(lambda: "The proxy is not running" in empty.text())
    assert f"{busy} is already in use" in empty.text() and "--listen" not in empty.text()
    assert empty.isVisible()
    window.capture_bar.listen.deselect()
    empty.linkActivated.emit("listen")  # "Change the Listen address"
    assert window.capture_bar.listen.selectedText() == busy

    taken.close()  # the port is free again: "Try again" starts the proxy there
    empty.linkActivated.emit("start")
    qtbot.waitUntil(lambda: capture.state == CaptureState.LISTENING, timeout=START_TIMEOUT_MS)
    assert capture.address == busy
    assert window.capture_bar.state_badge.text() == "● Capturing"
    qtbot.waitUntil(lambda: "No requests yet" in empty.text())
