"""The main window over a real database: filters, consumers, details, copy, keyboard, files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QInputDialog, QMenu
from pytestqt.qtbot import QtBot

from inspector.config.fingerprint import fingerprint
from inspector.gui.capture_process import CaptureProcess
from inspector.gui.main_window import Intervals, MainWindow
from inspector.gui.models import requests as table
from inspector.gui.views.export_dialog import selected_ids
from inspector.model import Consumer
from inspector.proxy_modes import ProxySettings
from inspector.store import open_db, write_batch
from inspector.testing.factories import make_exchange

pytestmark = pytest.mark.gui

ACME = Consumer("key-acme", "Acme Corp", "ops@acme.test", "Enterprise")
GLOBEX = Consumer("key-globex", "Globex")


def _paths(window: MainWindow) -> list[str]:
    model = window.request_model
    return [model.index(row, table.PATH).data() for row in range(model.rowCount())]


@pytest.fixture
def window(
    qtbot: QtBot, make_window: Callable[..., MainWindow], add_exchanges: Callable[..., list[int]]
) -> MainWindow:
    add_exchanges(
        make_exchange(path="/users/1", consumer=ACME, status=200, started_at=1_000),
        make_exchange(path="/users/2", consumer=GLOBEX, status=404, started_at=1_001),
        make_exchange(path="/orders/7", consumer=ACME, status=503, started_at=1_002,
                      method="POST", request_json={"item": 7, "password": "[REDACTED]"}),
    )  # fmt: skip
    made = make_window()
    qtbot.waitUntil(lambda: made.request_model.rowCount() == 3)
    qtbot.waitUntil(lambda: made.consumer_model.rowCount() == 3)
    return made


def test_the_filter_bar_changes_what_the_table_shows(qtbot: QtBot, window: MainWindow) -> None:
    window.filter_bar.set_text("status:>=400")
    qtbot.waitUntil(lambda: _paths(window) == ["/orders/7", "/users/2"])
    qtbot.waitUntil(lambda: window.request_model.shown_count == 2)
    assert "2 shown of 3 requests" in window.status.counts.text()
    window.filter_bar.set_text("path:/users")
    qtbot.waitUntil(lambda: _paths(window) == ["/users/2", "/users/1"])


def test_a_bad_filter_shows_its_error_and_keeps_the_rows(qtbot: QtBot, window: MainWindow) -> None:
    window.filter_bar.set_text("status:9zz")
    assert window.filter_bar.error is not None
    assert window.filter_bar.error.position == len("status:")  # the value, not the key
    assert window.filter_bar.message.isVisible()
    assert len(_paths(window)) == 3


def test_choosing_a_consumer_filters_the_requests(qtbot: QtBot, window: MainWindow) -> None:
    acme_row = window.consumer_model.row_of_key(window.consumer_model.row_at(1).key)  # type: ignore[union-attr]
    assert window.consumer_model.row_at(1).name == "Acme Corp"  # type: ignore[union-attr]
    window.consumers_view.selectRow(acme_row)  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: _paths(window) == ["/orders/7", "/users/1"])
    window.consumers_view.selectRow(0)
    qtbot.waitUntil(lambda: len(_paths(window)) == 3)


def test_details_show_the_selected_exchange(qtbot: QtBot, window: MainWindow) -> None:
    window.requests_view.select_row(0)
    qtbot.waitUntil(lambda: window.details.exchange is not None)
    details = window.details
    assert details.exchange.path == "/orders/7"  # type: ignore[union-attr]
    assert "503" in details.summary.toPlainText() and "Acme Corp" in details.summary.toPlainText()
    request_body = details.request.body
    assert request_body.kind == "json"
    assert json.loads(request_body.text.toPlainText()) == {"item": 7, "password": "[REDACTED]"}
    assert "[REDACTED]" in request_body.notice.text()
    assert details.response.headers.rowCount() == 2


def test_copy_as_curl_url_and_body(qtbot: QtBot, window: MainWindow) -> None:
    window.requests_view.select_row(0)
    qtbot.waitUntil(lambda: window.details.exchange is not None)
    window.requests_view.setFocus()
    control_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window.requests_view, Qt.Key.Key_C, control_shift)
    clipboard = QGuiApplication.clipboard()
    assert clipboard.text().startswith("curl http://localhost:8000/orders/7")
    assert "-X POST" in clipboard.text() and "--data-raw" in clipboard.text()
    window.details.copy_url.click()
    assert clipboard.text() == "http://localhost:8000/orders/7"
    window.details.tabs.setCurrentWidget(window.details.response)
    window.details.copy_body.click()
    assert json.loads(clipboard.text()) == {"id": 42, "name": "Ada"}


def test_j_and_k_walk_through_requests(qtbot: QtBot, window: MainWindow) -> None:
    view = window.requests_view
    view.select_row(0)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_J)
    qtbot.keyClick(view, Qt.Key.Key_J)
    assert view.currentIndex().row() == 2
    qtbot.keyClick(view, Qt.Key.Key_K)
    assert view.currentIndex().row() == 1
    qtbot.waitUntil(lambda: window.details.exchange is not None
                    and window.details.exchange.path == "/users/2")  # fmt: skip


def test_ctrl_f_focuses_the_filter_and_escape_clears_it(qtbot: QtBot, window: MainWindow) -> None:
    window.filter_bar.set_text("status:404")
    window.activateWindow()
    window.find_action.trigger()
    assert window.filter_bar.edit.hasFocus()
    qtbot.keyClick(window.filter_bar.edit, Qt.Key.Key_Escape)
    assert window.filter_bar.text == ""
    qtbot.waitUntil(lambda: len(_paths(window)) == 3)


def test_context_menu_quick_filters(qtbot: QtBot, window: MainWindow) -> None:
    row = window.request_model.row_at(1)  # GET /users/2, 404, Globex
    assert row is not None
    menu = window.requests_view.build_menu(row)
    actions = {action.text().split(" (")[0]: action for action in menu.actions()}
    actions["Only this status"].trigger()
    assert window.filter_bar.text == "status:404"
    qtbot.waitUntil(lambda: _paths(window) == ["/users/2"])
    window.filter_bar.clear()
    actions["Only this endpoint"].trigger()
    assert window.filter_bar.text == "method:GET endpoint:/users/{id}"
    qtbot.waitUntil(lambda: _paths(window) == ["/users/2", "/users/1"])
    window.filter_bar.clear()
    actions["Only this consumer"].trigger()
    assert window.consumers_view.selected().name == "Globex"  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: _paths(window) == ["/users/2"])


def test_new_traffic_shows_up_live_with_counts(
    qtbot: QtBot, window: MainWindow, add_exchanges: Callable[..., list[int]]
) -> None:
    add_exchanges(make_exchange(path="/fresh", consumer=GLOBEX, started_at=2_000))
    qtbot.waitUntil(lambda: _paths(window)[:1] == ["/fresh"])
    qtbot.waitUntil(lambda: window.request_model.total_count == 4)
    qtbot.waitUntil(lambda: "4 requests" in window.status.counts.text())
    globex = window.consumer_model.row_of_key(window.consumer_model.row_at(1).key)  # type: ignore[union-attr]
    assert globex is not None
    qtbot.waitUntil(lambda: any(
        row.name == "Globex" and row.requests == 2
        for row in (window.consumer_model.row_at(i) for i in range(4)) if row
    ))  # fmt: skip


def test_open_another_database_read_only(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    conn = open_db(other)
    write_batch(conn, [make_exchange(path=f"/elsewhere/{n}", started_at=2_000 + n)
                       for n in range(3)])  # fmt: skip
    conn.close()
    other.chmod(0o400)
    window.requests_view.select_row(window.request_model.row_of_id(1) or 0)
    assert selected_ids(window.requests_view) == (1,)  # /users/1 here, /elsewhere/0 there
    assert window.open_database(other)
    qtbot.waitUntil(lambda: _paths(window) == ["/elsewhere/2", "/elsewhere/1", "/elsewhere/0"])
    assert "read-only" in window.windowTitle()
    # Id 1 is another exchange in the other file: the pick does not carry over by id; the
    # newest row is picked, as in any file opened with nothing picked.
    qtbot.waitUntil(lambda: selected_ids(window.requests_view) == (3,))
    window.show_live_capture()
    qtbot.waitUntil(lambda: len(_paths(window)) == 3)


def test_window_state_is_remembered(
    qtbot: QtBot, window: MainWindow, make_window: Callable[..., MainWindow], settings: QSettings
) -> None:
    window.resize(720, 520)  # within the offscreen screen (800 x 600)
    window.main_splitter.setSizes([200, 520])
    window.close()
    again = make_window()
    assert (again.width(), again.height()) == (720, 520)
    assert again.main_splitter.sizes()[0] == 200


def test_the_connect_panel_opens_on_first_run_only(
    qtbot: QtBot, settings: QSettings, db_path: Path, fast: Intervals
) -> None:
    first = MainWindow(db_path, settings, None, fast, show_connect_on_first_run=True)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitUntil(lambda: getattr(first, "connect_dialog", None) is not None)
    dialog = first.connect_dialog
    assert dialog is not None and dialog.isVisible()
    shell = next(section for section in dialog.sections if section.name == "Shell")
    assert "127.0.0.1:8080" in shell.snippets[0].code
    first.shutdown()
    second = MainWindow(db_path, settings, None, fast, show_connect_on_first_run=True)
    qtbot.addWidget(second)
    second.show()
    for _ in range(3):  # the panel would open on the first turn of the event loop
        QCoreApplication.processEvents()
    assert getattr(second, "connect_dialog", None) is None
    second.shutdown()


def test_charts_and_endpoints_follow_the_filter_and_lead_back_to_requests(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.filter_bar.set_text("status:>=400")
    with qtbot.waitSignal(window.charts.loaded, timeout=10_000):
        window.views.setCurrentWidget(window.charts)
    window.views.setCurrentWidget(window.endpoints)
    qtbot.waitUntil(lambda: len(window.endpoints.source.rows) == 2)
    assert {(row.method, row.endpoint) for row in window.endpoints.source.rows} == {
        ("GET", "/users/{id}"), ("POST", "/orders/{id}")
    }  # fmt: skip
    window.endpoints.endpoint_chosen.emit("POST", "/orders/{id}")
    assert window.views.currentWidget() is window.right_splitter
    assert window.filter_bar.text == "status:>=400 method:POST endpoint:/orders/{id}"
    qtbot.waitUntil(lambda: _paths(window) == ["/orders/7"])


def test_follow_newest_or_keep_reading_the_same_rows(
    qtbot: QtBot, window: MainWindow, add_exchanges: Callable[..., list[int]]
) -> None:
    add_exchanges(*(make_exchange(path=f"/bulk/{i}", started_at=5_000 + i) for i in range(120)))
    qtbot.waitUntil(lambda: window.request_model.rowCount() == 123)
    view, scroll = window.requests_view, window.requests_view.verticalScrollBar()
    assert scroll.maximum() > 40  # more rows than fit: there is something to scroll

    window.follow_action.setChecked(False)
    scroll.setValue(30)
    top_id = window.request_model.row_at(view.rowAt(0)).id  # type: ignore[union-attr]
    with qtbot.waitSignal(window.request_model.rows_appended, timeout=5000):
        add_exchanges(*(make_exchange(path=f"/late/{i}", started_at=9_000 + i) for i in range(4)))
    assert scroll.value() == 34
    assert window.request_model.row_at(view.rowAt(0)).id == top_id  # type: ignore[union-attr]

    window.follow_action.setChecked(True)
    with qtbot.waitSignal(window.request_model.rows_appended, timeout=5000):
        add_exchanges(make_exchange(path="/newest", started_at=10_000))
    assert scroll.value() == 0
    assert window.request_model.index(0, table.PATH).data() == "/newest"


def test_endpoints_tab_lists_the_spec_operations_nobody_called(
    qtbot: QtBot,
    make_window: Callable[..., MainWindow],
    capture_settings: ProxySettings,
    db_path: Path,
    tmp_path: Path,
) -> None:
    (tmp_path / "openapi.yaml").write_text(
        "openapi: 3.0.3\npaths:\n  /users/{userId}: {get: {}}\n  /health: {get: {}}\n"
    )
    config = tmp_path / "config.toml"
    config.write_text('schema_version = 1\n[capture]\nopenapi = "openapi.yaml"\n')
    conn = open_db(db_path)
    write_batch(conn, [make_exchange(path="/users/7", endpoint="/users/{userId}")])
    conn.close()
    # The proxy is not started: the window reads the spec from the configuration it would use.
    window = make_window(CaptureProcess(capture_settings.with_changes(config_path=config)))
    window.views.setCurrentWidget(window.endpoints)
    qtbot.waitUntil(lambda: len(window.endpoints.source.rows) == 2)
    rows = {(row.endpoint, row.never_called) for row in window.endpoints.source.rows}
    assert rows == {("/users/{userId}", False), ("/health", True)}


def test_several_requests_can_be_selected_for_export(qtbot: QtBot, window: MainWindow) -> None:
    view = window.requests_view
    view.selectRow(0)
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    chosen = selected_ids(view)
    assert len(chosen) == 2
    rows: dict[int, str] = {}
    for i in (0, 1):
        row = window.request_model.row_at(i)
        assert row is not None
        rows[row.id] = row.path
    assert set(chosen) == set(rows)  # the two newest: /orders/7 and /users/2
    assert set(rows.values()) == {"/orders/7", "/users/2"}


def test_a_selection_survives_a_reload_while_its_rows_are_still_shown(
    qtbot: QtBot, window: MainWindow
) -> None:
    view, model = window.requests_view, window.request_model
    view.selectRow(0)  # /orders/7, the newest
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)  # and /users/2
    chosen, current = selected_ids(view), view.current_id()
    assert len(chosen) == 2 and current is not None

    view.sortByColumn(table.PATH, Qt.SortOrder.AscendingOrder)  # reloads: the rows move
    qtbot.waitUntil(lambda: [model.row_at(i).path for i in range(3)]  # type: ignore[union-attr]
                    == ["/orders/7", "/users/1", "/users/2"])  # fmt: skip
    assert selected_ids(view) == chosen  # rows 0 and 2 now, not the rows 0 and 1 of before
    assert view.current_id() == current

    # A filter that leaves one of them out keeps the other picked, and nothing else.
    window.filter_bar.set_text("path:/users/*")
    qtbot.waitUntil(lambda: model.rowCount() == 2)
    (users_2,) = [i for i in chosen if model.row_of_id(i) is not None]
    assert selected_ids(view) == (users_2,)


def test_the_export_dialog_count_follows_a_live_capture(
    qtbot: QtBot, window: MainWindow, add_exchanges: Callable[..., list[int]]
) -> None:
    dialog = window.show_export()
    assert dialog.scope_filter.text() == "Every request (3 shown)"
    add_exchanges(make_exchange(path="/users/3", started_at=1_003),
                  make_exchange(path="/users/4", started_at=1_004))  # fmt: skip
    # It used to keep the count of the moment it opened, while the export sends everything.
    qtbot.waitUntil(lambda: dialog.scope_filter.text() == "Every request (5 shown)")
    dialog.close()
    add_exchanges(make_exchange(path="/users/5", started_at=1_005))
    qtbot.waitUntil(lambda: window.request_model.total_count == 6)  # no call into a closed one


def _menu_action(menu: QMenu, text: str) -> QAction:
    (action,) = [action for action in menu.actions() if action.text() == text]
    return action


def test_a_consumer_is_named_from_its_menu_everywhere_it_shows(
    qtbot: QtBot,
    make_window: Callable[..., MainWindow],
    add_exchanges: Callable[..., list[int]],
    capture_settings: ProxySettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = fingerprint("sk_live_51Habc0000000000000001")
    add_exchanges(make_exchange(path="/cart", consumer=Consumer(key), started_at=1_000))
    window = make_window(CaptureProcess(capture_settings))  # the window's own capture file
    model = window.consumer_model
    qtbot.waitUntil(lambda: model.rowCount() == 2)
    row = model.row_at(1)
    assert row is not None and row.name.startswith("key …0001")
    asked: list[str] = []

    def answer(_parent: object, _title: str, prompt: str, **_: object) -> tuple[str, bool]:
        asked.append(prompt)
        return "  Mobile   app ", True

    monkeypatch.setattr(QInputDialog, "getText", answer)
    _menu_action(window.consumers_view.build_menu(row), "Name this consumer…").trigger()

    assert key in asked[0]  # the prompt shows the configuration line that keeps the name
    qtbot.waitUntil(lambda: getattr(model.row_at(1), "name", None) == "Mobile app")
    qtbot.waitUntil(lambda: window.request_model.row_at(0).consumer == "Mobile app")  # type: ignore[union-attr]
    assert "Mobile app" in window.status.currentMessage()


def test_a_file_only_browsed_cannot_be_renamed_into(
    qtbot: QtBot, make_window: Callable[..., MainWindow], add_exchanges: Callable[..., list[int]]
) -> None:
    add_exchanges(make_exchange(consumer=Consumer("key-acme"), started_at=1_000))
    window = make_window()  # no capture: the window only reads the file
    qtbot.waitUntil(lambda: window.consumer_model.rowCount() == 2)
    row = window.consumer_model.row_at(1)
    assert row is not None
    menu = window.consumers_view.build_menu(row)
    assert not _menu_action(menu, "Name this consumer…").isEnabled()


def test_an_empty_capture_says_how_to_connect_a_client(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window()
    window.show()
    state = window.requests_view.empty_state
    qtbot.waitUntil(state.isVisible)
    assert "No requests yet" in state.text() and "inspector run --" in state.text()
    with qtbot.waitSignal(window.requests_view.connect_requested):
        state.linkActivated.emit("connect")


def test_a_filter_without_matches_offers_to_clear_it(qtbot: QtBot, window: MainWindow) -> None:
    window.show()
    state = window.requests_view.empty_state
    assert not state.isVisible()
    window.filter_bar.set_text("status:418")
    qtbot.waitUntil(state.isVisible)
    assert "No request matches" in state.text()
    state.linkActivated.emit("clear")
    qtbot.waitUntil(lambda: window.request_model.rowCount() == 3)
    assert not state.isVisible() and window.filter_bar.text == ""
