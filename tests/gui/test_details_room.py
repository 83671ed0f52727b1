"""The details pane at a normal window size: headers and body get the room, not empty boxes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from inspector.gui.main_window import MainWindow
from inspector.gui.views.details import MessageView
from inspector.testing.factories import make_exchange

pytestmark = pytest.mark.gui

# What a real API sends: a dozen response headers and a page of JSON.
RESPONSE_HEADERS = (
    *((f"X-Header-{n}", f"value {n}") for n in range(10)),
    ("Content-Type", "application/json"),
    ("Cache-Control", "no-store"),
)
PAGE = {"items": [{"id": n, "name": f"user {n}", "plan": "free"} for n in range(30)]}


def _visible_header_rows(view: MessageView) -> int:
    table = view.headers
    return table.viewport().height() // table.verticalHeader().defaultSectionSize()


def _visible_body_lines(view: MessageView) -> int:
    text = view.body.text
    return text.viewport().height() // text.fontMetrics().lineSpacing()


@pytest.fixture
def window(
    qtbot: QtBot, make_window: Callable[..., MainWindow], add_exchanges: Callable[..., list[int]]
) -> MainWindow:
    add_exchanges(
        make_exchange(path="/users", json_body=PAGE, response_headers=RESPONSE_HEADERS,
                      started_at=1_000),
    )  # fmt: skip
    window = make_window()
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.request_model.rowCount() == 1)
    window.requests_view.select_row(0)
    qtbot.waitUntil(lambda: window.details.exchange is not None)
    return window


def test_at_1280_by_800_the_response_shows_its_headers_and_a_page_of_body(
    qtbot: QtBot, window: MainWindow
) -> None:
    response = window.details.response
    window.details.tabs.setCurrentWidget(response)
    QApplication.processEvents()
    # Before: two header rows and about five body lines. Twelve headers cannot all fit with
    # a page of body at this size: they get half, and scroll.
    qtbot.waitUntil(lambda: _visible_header_rows(response) >= 5)
    assert _visible_body_lines(response) >= 8


def test_a_message_without_body_gives_the_headers_its_room(
    qtbot: QtBot, window: MainWindow
) -> None:
    request = window.details.request  # a GET: no body
    window.details.tabs.setCurrentWidget(request)
    QApplication.processEvents()
    assert not request.body.text.isVisible()  # no "(no body)" box
    assert "No body" in request.body.notice.text()
    pairs, body = request.splitter.sizes()
    assert pairs >= 0.85 * (pairs + body), (pairs, body)


def test_the_copy_buttons_sit_beside_the_tabs_not_on_a_row_of_their_own(
    window: MainWindow,
) -> None:
    details = window.details
    assert details.tabs.geometry().top() == 0  # nothing above the tabs
    assert details.tabs.cornerWidget() is details.copy_curl.parentWidget()
