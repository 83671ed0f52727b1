"""The interceptor: a terminal and a browser launched through the app's real proxy."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot

from inspector.gui.intercept import Interceptor, browser_arguments, find_browser
from inspector.gui.main_window import MainWindow
from tests.gui.intercept_support import RUN_TIMEOUT_MS, api_url, stored

pytestmark = pytest.mark.gui


FAKE_TERMINAL = """#!/bin/sh
# Stands in for a terminal emulator: what a shell in it would see and do.
env > "$OUT/env.txt"
stat -c %a "$SSL_CERT_FILE" > "$OUT/mode.txt"
curl -sS -o "$OUT/body.json" "$API"
"""


def test_a_terminal_gets_the_environment_and_its_programs_are_tagged(
    qtbot: QtBot, listening_window: MainWindow, https_api: HTTPServer, tmp_path: Path
) -> None:
    terminal = tmp_path / "fake-terminal"
    terminal.write_text(FAKE_TERMINAL)
    terminal.chmod(terminal.stat().st_mode | stat.S_IXUSR)
    interceptor = listening_window.interceptor
    interceptor.environ.update(
        TERMINAL=str(terminal), OUT=str(tmp_path), API=api_url(https_api, "/items"),
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
    proxy = f"http://src-{launched.source}:x@{listening_window.capture.address}"  # type: ignore[union-attr]
    assert launched.source.startswith("terminal-")
    assert [env[name] for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy")] == [
        proxy
    ] * 4
    assert env["NO_PROXY"] == env.get("no_proxy", "") == ""
    assert (tmp_path / "mode.txt").read_text().strip() == "600"
    assert "quokka" in (tmp_path / "body.json").read_text()
    qtbot.waitUntil(
        lambda: ("https", "/items", launched.source) in stored(listening_window.db_path)
    )


def test_quitting_closes_what_was_launched_and_deletes_its_files(
    qtbot: QtBot, listening_window: MainWindow
) -> None:
    launched = listening_window.interceptor.run_command(["sleep", "60"])
    qtbot.waitUntil(lambda: launched.process.processId() > 0)
    session = listening_window.interceptor.session()
    assert session.trust.bundle.exists()

    listening_window.shutdown()

    assert launched.process.state().name == "NotRunning"
    assert not session.directory.exists()


_BROWSER = find_browser(os.environ)


@pytest.mark.skipif(_BROWSER is None, reason="no Chromium or Chrome on this machine")
def test_a_browser_trusts_the_capture_for_its_throwaway_profile_only(
    qtbot: QtBot, listening_window: MainWindow, https_api: HTTPServer, tmp_path: Path
) -> None:
    assert _BROWSER is not None
    interceptor: Interceptor = listening_window.interceptor
    headless = "--headless=new --dump-dom" + (" --no-sandbox" if os.geteuid() == 0 else "")
    interceptor.environ["INSPECTOR_BROWSER_ARGS"] = headless
    finished: list[int] = []
    interceptor.finished.connect(lambda _source, code: finished.append(code))

    launched = interceptor.open_browser(api_url(https_api, "/items"))
    qtbot.waitUntil(lambda: bool(finished), timeout=RUN_TIMEOUT_MS)

    assert "quokka" in "".join(launched.output)  # the page, over HTTPS the browser verified
    source = launched.source
    assert source.startswith(Path(_BROWSER).name)
    # Its own capture wrote into the app's database, tagging the browser's requests, and
    # stopped with it; the throwaway profile is gone.
    assert ("https", "/items", source) in stored(listening_window.db_path)
    assert launched.capture is not None and not launched.capture.running
    assert launched.profile is not None and not launched.profile.exists()

    # The same browser without the pin refuses the proxy's certificate: the pin did it.
    session = interceptor.session()
    assert launched.capture is not None
    arguments = browser_arguments(
        f"http://{listening_window.capture.address}", "AAAA", tmp_path / "other-profile",  # type: ignore[union-attr]
        api_url(https_api, "/items"),
    )  # fmt: skip
    unpinned = subprocess.run(
        [_BROWSER, *headless.split(), *arguments], capture_output=True, text=True, timeout=60
    )
    assert "quokka" not in unpinned.stdout
    assert session.trust.spki != "AAAA"
    shutil.rmtree(tmp_path / "other-profile", ignore_errors=True)
