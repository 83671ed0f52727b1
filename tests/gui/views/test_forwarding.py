"""Capture > Forward to: the toggles restart the real proxy child with `--forward NAME`, and the
status bar shows what its forwarders record (sent, queued, failing and why)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QSettings
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot
from werkzeug import Request, Response

from inspector.exporters.cursors import FAILING, IDLE, STOPPED, CursorState
from inspector.gui.capture_process import CaptureProcess, CaptureState
from inspector.gui.main_window import MainWindow
from inspector.gui.views.forwarding import (
    FORWARD_KEY,
    NO_DESTINATIONS,
    ForwardState,
    describe,
    short_reason,
)
from inspector.proxy_modes import ProxySettings

pytestmark = pytest.mark.gui

START_TIMEOUT_MS = 30_000  # importing mitmproxy on a busy 2-core machine takes seconds


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text("schema_version = 1\n" + text)
    return path


@pytest.fixture
def es_config(tmp_path: Path, httpserver: HTTPServer) -> Path:
    return _config(
        tmp_path,
        f'[export.elasticsearch]\nbase_url = "{httpserver.url_for("/")}"\n'
        f'[export.team-readme]\ntype = "readme"\napi_key = "env:TEAM_README_KEY"\n',
    )


@pytest.fixture
def capture(capture_settings: ProxySettings, es_config: Path) -> Iterator[CaptureProcess]:
    process = CaptureProcess(capture_settings.with_changes(config_path=es_config))
    yield process
    process.stop_and_wait()


def _menu_texts(window: MainWindow) -> list[str]:
    return [action.text() for action in window.forwarding.menu.actions()]


def test_a_toggle_sets_the_proxy_forward_list_and_is_kept_for_the_next_window(
    make_window: Callable[..., MainWindow], capture: CaptureProcess, settings: QSettings
) -> None:
    window = make_window(capture)
    assert _menu_texts(window) == ["elasticsearch", "team-readme (readme)"]
    assert not capture.settings.forward
    window.forwarding.actions["elasticsearch"].trigger()
    assert capture.settings.forward == ("elasticsearch",)
    assert capture.settings.arguments()[-2:] == ["--forward", "elasticsearch"]
    assert not capture.is_running  # a stopped proxy stays stopped; the list waits for its start
    window.forwarding.actions["team-readme"].trigger()
    window.forwarding.actions["elasticsearch"].trigger()
    assert capture.settings.forward == ("team-readme",)
    # The team-readme key variable is not set: the status bar says so before any start.
    assert "team-readme: not started" in window.status.forwarding.text()
    assert "TEAM_README_KEY" in window.status.forwarding.labels["team-readme"].toolTip()
    window.shutdown()

    fresh = CaptureProcess(capture.settings.with_changes(forward=()))
    again = make_window(fresh)
    assert settings.value(FORWARD_KEY, type=list) == ["team-readme"]
    assert fresh.settings.forward == ("team-readme",)
    assert again.forwarding.actions["team-readme"].isChecked()
    assert not again.forwarding.actions["elasticsearch"].isChecked()


def test_without_export_tables_the_submenu_says_so(
    make_window: Callable[..., MainWindow], capture_settings: ProxySettings, tmp_path: Path
) -> None:
    plain = CaptureProcess(capture_settings.with_changes(config_path=_config(tmp_path, "")))
    window = make_window(plain)
    actions = window.forwarding.menu.actions()
    assert [a.text() for a in actions] == [NO_DESTINATIONS]
    assert not actions[0].isEnabled()
    assert not window.status.forwarding.isVisible()


def _cursor(state: str, last_id: int, message: str = "", status: int | None = None) -> CursorState:
    return CursorState("readme https://x", last_id, 0.0, state, message, status)


def test_the_status_words_for_each_state() -> None:
    refused = (
        "ReadMe Metrics refused the credential (HTTP 401: Invalid API key). "
        "Check README_API_KEY (or --api-key)."
    )
    # From the stored status, not from the sentence: a message in other words reads the same.
    assert short_reason(_cursor(STOPPED, 9, "anything at all", 401)) == "401, credential refused"
    assert short_reason(_cursor(STOPPED, 9, "Bad request. Fix it.", 400)) == "HTTP 400 refused"
    idle = describe(ForwardState("readme", _cursor(IDLE, 1234), 12), proxy_running=True)
    assert idle == ("readme: sent up to #1,234, 12 queued", "Forwarding to readme.", False)
    stopped = describe(ForwardState("readme", _cursor(STOPPED, 9, refused, 401), 3), True)
    assert stopped == ("readme: stopped — 401, credential refused", refused, True)
    failing = describe(ForwardState("readme", _cursor(FAILING, 9, "timed out. Later."), 3), True)
    assert failing[0] == "readme: failing — timed out" and failing[2]
    paused = describe(ForwardState("readme", _cursor(IDLE, 9), 3), proxy_running=False)
    assert paused[0] == "readme: stopped with the proxy, 3 queued"


def _es_collector(httpserver: HTTPServer, received: list[dict[str, object]]) -> None:
    def collector(request: Request) -> Response:
        received.extend(json.loads(line) for line in request.data.splitlines() if line)
        return Response('{"errors": false, "items": []}', content_type="application/json")

    httpserver.expect_request("/api-inspector", method="HEAD").respond_with_data("", status=200)
    httpserver.expect_request("/api-inspector/_bulk", method="POST").respond_with_handler(collector)


def test_forwarding_toggled_on_reaches_a_local_elasticsearch_and_the_status_bar_says_so(
    qtbot: QtBot, make_window: Callable[..., MainWindow], capture: CaptureProcess,
    httpserver: HTTPServer,
) -> None:  # fmt: skip
    received: list[dict[str, object]] = []
    _es_collector(httpserver, received)
    httpserver.expect_request("/hello/1").respond_with_json({"ok": True})
    window = make_window(capture)
    capture.start()
    qtbot.waitUntil(lambda: capture.state == CaptureState.LISTENING, timeout=START_TIMEOUT_MS)
    first_address = capture.address
    window.forwarding.actions["elasticsearch"].trigger()  # restarts the running proxy
    qtbot.waitUntil(lambda: capture.state != CaptureState.LISTENING, timeout=5000)
    qtbot.waitUntil(lambda: capture.state == CaptureState.LISTENING, timeout=START_TIMEOUT_MS)
    assert first_address  # the new child listens on a fresh free port (listen is 127.0.0.1:0)

    with httpx.Client(proxy=f"http://{capture.address}", timeout=10) as client:
        for _ in range(3):
            assert client.get(httpserver.url_for("/hello/1")).status_code == 200
    qtbot.waitUntil(
        lambda: len([d for d in received if d.get("path") == "/hello/1"]) == 3, timeout=20_000
    )

    def label() -> str:
        return window.status.forwarding.text()

    qtbot.waitUntil(lambda: label().endswith(", 0 queued") and "sent up to #3" in label(),
                    timeout=10_000)  # fmt: skip
    assert label() == "elasticsearch: sent up to #3, 0 queued"
    assert window.status.forwarding.isVisible()


def test_a_refused_elasticsearch_key_shows_in_the_status_bar(
    qtbot: QtBot, make_window: Callable[..., MainWindow], capture: CaptureProcess,
    httpserver: HTTPServer,
) -> None:  # fmt: skip
    httpserver.expect_request("/api-inspector", method="HEAD").respond_with_data("", status=401)
    httpserver.expect_request("/hello/2").respond_with_json({"ok": True})
    window = make_window(capture)
    window.forwarding.actions["elasticsearch"].trigger()
    capture.start()
    qtbot.waitUntil(lambda: capture.state == CaptureState.LISTENING, timeout=START_TIMEOUT_MS)
    with httpx.Client(proxy=f"http://{capture.address}", timeout=10) as client:
        assert client.get(httpserver.url_for("/hello/2")).status_code == 200
    label = window.status.forwarding.labels
    # "stopped with the proxy" shows while the proxy starts: wait for the refusal itself.
    qtbot.waitUntil(lambda: "401" in label["elasticsearch"].text(), timeout=20_000)
    assert label["elasticsearch"].text() == "elasticsearch: stopped — 401, credential refused"
    assert "Check ES_API_KEY" in label["elasticsearch"].toolTip()  # what to do, in full
    assert "HTTP 401" in label["elasticsearch"].toolTip()


def test_unchecking_a_destination_that_broke_the_proxy_brings_it_back(
    qtbot: QtBot, make_window: Callable[..., MainWindow], capture: CaptureProcess,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.delenv("TEAM_README_KEY", raising=False)
    window = make_window(capture)
    window.forwarding.actions["team-readme"].trigger()
    capture.start()
    qtbot.waitUntil(lambda: capture.state == CaptureState.FAILED, timeout=START_TIMEOUT_MS)
    assert "TEAM_README_KEY" in capture.reason
    assert "TEAM_README_KEY" in window.status.forwarding.labels["team-readme"].toolTip()
    window.forwarding.actions["team-readme"].trigger()
    qtbot.waitUntil(lambda: capture.state == CaptureState.LISTENING, timeout=START_TIMEOUT_MS)
    assert "--forward" not in capture.settings.arguments()
    assert not window.status.forwarding.isVisible()
