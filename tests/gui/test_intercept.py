"""The Intercept menu: a command, a terminal and a browser launched through the app's real proxy."""

from __future__ import annotations

import os
import shutil
import ssl
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot

from inspector.gui.capture_process import CaptureProcess, CaptureState
from inspector.gui.connect_snippets import sections
from inspector.gui.intercept import Interceptor, browser_arguments, find_browser
from inspector.gui.main_window import MainWindow
from inspector.gui.views.intercept import RunCommandDialog
from inspector.proxy_modes import ProxySettings
from inspector.store import iter_exchanges, open_db
from inspector.testing.certificates import localhost_server_certificate

pytestmark = pytest.mark.gui
START_TIMEOUT_MS = 30_000
RUN_TIMEOUT_MS = 60_000


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
def capture(capture_settings: ProxySettings) -> Iterator[CaptureProcess]:
    # The test API's certificate is self-signed: the proxy is told not to verify it.
    process = CaptureProcess(
        capture_settings.with_changes(
            mitmproxy_options=(*capture_settings.mitmproxy_options, "ssl_insecure=true")
        )
    )
    yield process
    process.stop_and_wait()


@pytest.fixture
def window(
    qtbot: QtBot, make_window: Callable[..., MainWindow], capture: CaptureProcess
) -> MainWindow:
    window = make_window(capture)
    capture.start()
    qtbot.waitUntil(lambda: capture.state == CaptureState.LISTENING, timeout=START_TIMEOUT_MS)
    return window


def _stored(db_path: Path) -> list[tuple[str, str, str]]:
    conn = open_db(db_path, readonly=True)
    try:
        return [(e.scheme, e.path, e.source) for _, e in iter_exchanges(conn)]
    finally:
        conn.close()


def _api_url(api: HTTPServer, path: str) -> str:
    return f"https://localhost:{api.port}{path}"


def test_nothing_can_be_launched_without_a_listening_forward_proxy(
    qtbot: QtBot, make_window: Callable[..., MainWindow], capture: CaptureProcess
) -> None:
    browsing = make_window(None)
    assert "without a proxy" in (browsing.interceptor.unavailable_reason() or "")
    window = make_window(capture)
    assert window.interceptor.unavailable_reason() == "Start the proxy first."
    menu = next(m for m in window.menuBar().findChildren(type(window.menuBar().addMenu("x")))
                if m.title() == "&Intercept")  # fmt: skip
    menu.aboutToShow.emit()
    assert [a.isEnabled() for a in menu.actions()] == [False, False, False]
    capture.restart(capture.settings.with_changes(mode="reverse:http://127.0.0.1:9"))
    qtbot.waitUntil(lambda: capture.state == CaptureState.LISTENING, timeout=START_TIMEOUT_MS)
    reason = window.interceptor.unavailable_reason() or ""
    assert "reverse proxy" in reason and capture.address in reason


def test_run_a_command_shows_its_output_and_then_only_its_requests(
    qtbot: QtBot, window: MainWindow, https_api: HTTPServer, capture: CaptureProcess
) -> None:
    # Traffic from some other client of the same proxy, which the source filter leaves out.
    proxy = f"http://{capture.address}"
    httpx.get(_api_url(https_api, "/items"), proxy=proxy, verify=False, timeout=20)
    dialog = RunCommandDialog(window.interceptor, window)
    qtbot.addWidget(dialog)
    dialog.show_source.connect(window.filter_bar.set_text)
    dialog.command.setText(f"curl -sS {_api_url(https_api, '/items')}")

    dialog.run_button.click()
    qtbot.waitUntil(lambda: "Exited with status 0" in dialog.status.text(), timeout=RUN_TIMEOUT_MS)

    assert '"quokka"' in dialog.output.toPlainText()
    assert dialog.launched is not None and dialog.launched.source.startswith("curl-")
    dialog.show_button.click()
    assert window.filter_bar.text == f"source:{dialog.launched.source}"
    qtbot.waitUntil(lambda: window.request_model.rowCount() == 1, timeout=RUN_TIMEOUT_MS)
    assert len(_stored(window.db_path)) == 2


def test_a_command_that_cannot_run_says_so(qtbot: QtBot, window: MainWindow) -> None:
    dialog = RunCommandDialog(window.interceptor, window)
    qtbot.addWidget(dialog)
    dialog.command.setText("no-such-program-anywhere --version")
    dialog.run_button.click()
    qtbot.waitUntil(lambda: "Could not run it" in dialog.status.text(), timeout=RUN_TIMEOUT_MS)
    dialog.command.setText('curl "unbalanced')
    dialog.run_button.click()
    assert dialog.status.text().startswith("Cannot read the command")


FAKE_TERMINAL = """#!/bin/sh
# Stands in for a terminal emulator: what a shell in it would see and do.
env > "$OUT/env.txt"
stat -c %a "$SSL_CERT_FILE" > "$OUT/mode.txt"
curl -sS -o "$OUT/body.json" "$API"
"""


def test_a_terminal_gets_the_environment_and_its_programs_are_tagged(
    qtbot: QtBot, window: MainWindow, https_api: HTTPServer, tmp_path: Path
) -> None:
    terminal = tmp_path / "fake-terminal"
    terminal.write_text(FAKE_TERMINAL)
    terminal.chmod(terminal.stat().st_mode | stat.S_IXUSR)
    interceptor = window.interceptor
    interceptor.environ.update(
        TERMINAL=str(terminal), OUT=str(tmp_path), API=_api_url(https_api, "/items"),
        NO_PROXY="localhost", http_proxy="http://corp-proxy:3128",
    )  # fmt: skip
    finished: list[int] = []
    interceptor.finished.connect(lambda _source, code: finished.append(code))

    launched = interceptor.open_terminal()
    qtbot.waitUntil(lambda: finished == [0], timeout=RUN_TIMEOUT_MS)

    env = dict(
        line.split("=", 1)
        for line in (tmp_path / "env.txt").read_text().splitlines()
        if "=" in line
    )
    proxy = f"http://src-{launched.source}:x@{window.capture.address}"  # type: ignore[union-attr]
    assert launched.source.startswith("terminal-")
    assert [env[name] for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy")] == [
        proxy
    ] * 4
    assert env["NO_PROXY"] == env.get("no_proxy", "") == ""
    assert (tmp_path / "mode.txt").read_text().strip() == "600"
    assert "quokka" in (tmp_path / "body.json").read_text()
    qtbot.waitUntil(lambda: ("https", "/items", launched.source) in _stored(window.db_path))


def test_quitting_closes_what_was_launched_and_deletes_its_files(
    qtbot: QtBot, window: MainWindow
) -> None:
    launched = window.interceptor.run_command(["sleep", "60"])
    qtbot.waitUntil(lambda: launched.process.processId() > 0)
    session = window.interceptor.session()
    assert session.trust.bundle.exists()

    window.shutdown()

    assert launched.process.state().name == "NotRunning"
    assert not session.directory.exists()


_BROWSER = find_browser(os.environ)


@pytest.mark.skipif(_BROWSER is None, reason="no Chromium or Chrome on this machine")
def test_a_browser_trusts_the_capture_for_its_throwaway_profile_only(
    qtbot: QtBot, window: MainWindow, https_api: HTTPServer, tmp_path: Path
) -> None:
    assert _BROWSER is not None
    interceptor: Interceptor = window.interceptor
    headless = "--headless=new --dump-dom" + (" --no-sandbox" if os.geteuid() == 0 else "")
    interceptor.environ["INSPECTOR_BROWSER_ARGS"] = headless
    finished: list[int] = []
    interceptor.finished.connect(lambda _source, code: finished.append(code))

    launched = interceptor.open_browser(_api_url(https_api, "/items"))
    qtbot.waitUntil(lambda: bool(finished), timeout=RUN_TIMEOUT_MS)

    assert "quokka" in "".join(launched.output)  # the page, over HTTPS the browser verified
    source = launched.source
    assert source.startswith(Path(_BROWSER).name)
    # Its own capture wrote into the app's database, tagging the browser's requests, and
    # stopped with it; the throwaway profile is gone.
    assert ("https", "/items", source) in _stored(window.db_path)
    assert launched.capture is not None and not launched.capture.running
    assert launched.profile is not None and not launched.profile.exists()

    # The same browser without the pin refuses the proxy's certificate: the pin did it.
    session = interceptor.session()
    assert launched.capture is not None
    arguments = browser_arguments(
        f"http://{window.capture.address}", "AAAA", tmp_path / "other-profile",  # type: ignore[union-attr]
        _api_url(https_api, "/items"),
    )  # fmt: skip
    unpinned = subprocess.run(
        [_BROWSER, *headless.split(), *arguments], capture_output=True, text=True, timeout=60
    )
    assert "quokka" not in unpinned.stdout
    assert session.trust.spki != "AAAA"
    shutil.rmtree(tmp_path / "other-profile", ignore_errors=True)


def test_the_connect_panel_gives_each_client_its_one_command(tmp_path: Path) -> None:
    (default, *_) = sections("127.0.0.1:8080", tmp_path)
    assert default.name == "One step"
    codes = {snippet.title: snippet.code for snippet in default.snippets}
    assert codes["curl"] == "inspector run -- curl https://api.example.com/users"
    assert codes["a test suite"] == "inspector run -- pytest\ninspector run -- npm test"
    (other_port, *_) = sections("127.0.0.1:9191", tmp_path)
    assert all(
        snippet.code.startswith("inspector run --listen 127.0.0.1:9191 -- ")
        for snippet in other_port.snippets
    )
    # A reverse proxy is reached by its address: inspector run does not apply.
    reverse = sections("127.0.0.1:9191", tmp_path, "reverse:http://localhost:3000")
    assert "One step" not in [section.name for section in reverse]
    assert "inspector run" not in "".join(s.code for section in reverse for s in section.snippets)
