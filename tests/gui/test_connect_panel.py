"""The Connect-a-client panel: snippets for the real address, each with a Copy button."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from inspector.gui.connect_snippets import sections
from inspector.gui.views.connect import ConnectDialog

pytestmark = pytest.mark.gui


def test_every_snippet_uses_the_real_address_and_ca(tmp_path: Path) -> None:
    found = sections("127.0.0.1:9191", tmp_path / "conf")
    names = [section.name for section in found]
    assert names == ["One step", "Shell", "curl", "Python", "Node", "CA certificate",
                     "Reverse proxy"]  # fmt: skip
    code = "\n".join(s.code for section in found for s in section.snippets)
    assert "8080" not in code.replace("localhost:8000", "")
    assert "http://127.0.0.1:9191" in code
    assert str(tmp_path / "conf" / "mitmproxy-ca-cert.pem") in code
    for needle in (
        "HTTPS_PROXY=",
        "requests.get",
        "httpx.Client",
        "ProxyAgent",
        "axios",
        "global-agent",
        "update-ca-certificates",
        "--mode reverse:",
    ):
        assert needle in code  # fmt: skip


def test_copy_buttons_copy_their_snippet(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = ConnectDialog("127.0.0.1:9191", tmp_path, first_run=True)
    qtbot.addWidget(dialog)
    boxes = dialog.snippet_boxes()
    assert len(boxes) == sum(len(section.snippets) for section in dialog.sections)
    boxes[0].copy_button.click()
    assert QGuiApplication.clipboard().text() == boxes[0].snippet.code
    assert boxes[0].copy_button.text() == "Copied"


def test_reverse_mode_opens_on_the_reverse_tab(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = ConnectDialog("127.0.0.1:9191", tmp_path, mode="reverse:http://localhost:3000")
    qtbot.addWidget(dialog)
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Reverse proxy"


def test_shell_snippets_set_both_spellings_of_the_proxy_variables() -> None:

    shell = next(s for s in sections("127.0.0.1:8080", Path("/ca")) if s.name == "Shell")
    bash = shell.snippets[0].code
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        assert f"{name}=http://127.0.0.1:8080" in bash  # curl reads only http_proxy


def test_reverse_mode_shows_only_what_applies() -> None:

    shown = sections("127.0.0.1:8081", Path("/ca"), "reverse:http://localhost:8000")
    assert [s.name for s in shown] == ["Reverse proxy"]
    codes = " ".join(snippet.code for snippet in shown[0].snippets)
    assert "http://127.0.0.1:8081" in codes and "HTTP_PROXY" not in codes
    assert "localhost:8000" in shown[0].intro
