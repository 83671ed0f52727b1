"""The Intercept menu and its Run-a-command dialog, through the app's real proxy."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot

from inspector.gui.capture_process import CaptureProcess, CaptureState
from inspector.gui.main_window import MainWindow
from inspector.gui.views.intercept import RunCommandDialog
from tests.gui.intercept_support import (
    RUN_TIMEOUT_MS,
    START_TIMEOUT_MS,
    api_url,
    stored,
)

pytestmark = pytest.mark.gui


def test_nothing_can_be_launched_without_a_listening_forward_proxy(
    qtbot: QtBot, make_window: Callable[..., MainWindow], insecure_capture: CaptureProcess
) -> None:
    browsing = make_window(None)
    assert "without a proxy" in (browsing.interceptor.unavailable_reason() or "")
    window = make_window(insecure_capture)
    assert window.interceptor.unavailable_reason() == "Start the proxy first."
    menu = next(m for m in window.menuBar().findChildren(type(window.menuBar().addMenu("x")))
                if m.title() == "&Intercept")  # fmt: skip
    menu.aboutToShow.emit()
    assert [a.isEnabled() for a in menu.actions()] == [False, False, False]
    insecure_capture.restart(
        insecure_capture.settings.with_changes(mode="reverse:http://127.0.0.1:9")
    )
    qtbot.waitUntil(
        lambda: insecure_capture.state == CaptureState.LISTENING, timeout=START_TIMEOUT_MS
    )
    reason = window.interceptor.unavailable_reason() or ""
    assert "reverse proxy" in reason and insecure_capture.address in reason


def test_run_a_command_shows_its_output_and_then_only_its_requests(
    qtbot: QtBot,
    listening_window: MainWindow,
    https_api: HTTPServer,
    insecure_capture: CaptureProcess,
) -> None:
    # Traffic from some other client of the same proxy, which the source filter leaves out.
    proxy = f"http://{insecure_capture.address}"
    httpx.get(api_url(https_api, "/items"), proxy=proxy, verify=False, timeout=20)
    dialog = RunCommandDialog(listening_window.interceptor, listening_window)
    qtbot.addWidget(dialog)
    dialog.show_source.connect(listening_window.filter_bar.set_text)
    dialog.command.setText(f"curl -sS {api_url(https_api, '/items')}")

    dialog.run_button.click()
    qtbot.waitUntil(lambda: "Exited with status 0" in dialog.status.text(), timeout=RUN_TIMEOUT_MS)

    assert '"quokka"' in dialog.output.toPlainText()
    assert dialog.launched is not None and dialog.launched.source.startswith("curl-")
    dialog.show_button.click()
    assert listening_window.filter_bar.text == f"source:{dialog.launched.source}"
    qtbot.waitUntil(lambda: listening_window.request_model.rowCount() == 1, timeout=RUN_TIMEOUT_MS)
    assert len(stored(listening_window.db_path)) == 2


def test_a_command_that_cannot_run_says_so(qtbot: QtBot, listening_window: MainWindow) -> None:
    dialog = RunCommandDialog(listening_window.interceptor, listening_window)
    qtbot.addWidget(dialog)
    dialog.command.setText("no-such-program-anywhere --version")
    dialog.run_button.click()
    qtbot.waitUntil(lambda: "Could not run it" in dialog.status.text(), timeout=RUN_TIMEOUT_MS)
    dialog.command.setText('curl "unbalanced')
    dialog.run_button.click()
    assert dialog.status.text().startswith("Cannot read the command")
