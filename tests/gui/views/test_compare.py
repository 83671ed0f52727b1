"""The Compare window on real capture files: a slower endpoint, a new 500, a removed field, a
faster endpoint, a new and a gone one; sorting, colours, the Changes tab and the error states."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QMenu
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from inspector.compare.marks import NOT_SIGNIFICANT
from inspector.gui import theme
from inspector.gui.main_window import MainWindow
from inspector.gui.models.compare import (
    ERRORS,
    HEAD_REQUESTS,
    NAME,
    P95,
    SIGNIFICANT,
)
from inspector.gui.views.compare import ChangeTable, CompareDialog
from inspector.model import Consumer, Exchange
from inspector.store import open_db, write_batch
from inspector.store.filter_syntax import quote_value
from inspector.testing import make_exchange

pytestmark = pytest.mark.gui

ACME, GLOBEX = Consumer("key-acme", "Acme"), Consumer("key-globex", "Globex")
USERS, ORDERS, HEALTH = "GET /users/{id}", "GET /orders", "GET /health"


def _traffic(version: int, started_at: float) -> list[Exchange]:
    """Version 1 is the baseline. Version 2: /users/{id} about 5x slower and without `email`,
    a quarter of /orders answer 500, /health 4x faster, /v2/items new and /legacy gone."""
    exchanges = []
    for i in range(40):
        consumer = ACME if i % 2 else GLOBEX
        user = {"id": i, "name": "Ada", **({"email": "ada@example.test"} if version == 1 else {})}
        failed = version == 2 and i % 4 == 0
        exchanges += [
            make_exchange(path=f"/users/{i}", json_body=user, consumer=consumer,
                          duration_ms=12.0 + i % 5 if version == 1 else 60.0 + 2 * (i % 5)),
            make_exchange(path="/orders", json_body={"error": "boom"} if failed else {"orders": []},
                          status=500 if failed else 200, consumer=consumer,
                          duration_ms=35.0 + i % 5),
            make_exchange(path="/health", json_body={"ok": True},
                          duration_ms=25.0 + i % 5 if version == 1 else 6.0 + i % 3),
        ]  # fmt: skip
    extra = ("/legacy", 5) if version == 1 else ("/v2/items", 3)
    exchanges += [make_exchange(path=extra[0], json_body={}) for _ in range(extra[1])]
    return [replace(e, started_at=started_at + n * 0.01) for n, e in enumerate(exchanges)]


def _capture(path: Path, *exchanges: Exchange) -> Path:
    conn = open_db(path)
    try:
        write_batch(conn, list(exchanges))
    finally:
        conn.close()
    return path


@pytest.fixture
def base_db(tmp_path: Path) -> Path:
    return _capture(tmp_path / "base.db", *_traffic(1, time.time() - 600))


@pytest.fixture
def head_db(tmp_path: Path) -> Path:
    return _capture(tmp_path / "head.db", *_traffic(2, time.time() - 300))


@pytest.fixture
def open_dialog(qtbot: QtBot) -> Callable[..., CompareDialog]:
    def make(head: Path, app_filter: str = "") -> CompareDialog:
        dialog = CompareDialog(lambda: head, lambda: app_filter)
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    return make


def _run(qtbot: QtBot, dialog: CompareDialog) -> str:
    qtbot.mouseClick(dialog.compare_button, Qt.MouseButton.LeftButton)
    # The answer arrives through the event loop, which has not run yet: a bad filter or a
    # missing file name fails at once, everything else shows that it is running.
    assert dialog.state in ("running", "error")
    if dialog.state == "running":
        assert dialog.state_label.text() == "Comparing…"
    qtbot.waitUntil(lambda: dialog.state in ("done", "error"), timeout=20_000)
    return dialog.state_label.text()


def _rows(table: ChangeTable) -> dict[str, list[str]]:
    model = table.proxy
    return {
        table.displayed(row, NAME): [table.displayed(row, c) for c in range(model.columnCount())]
        for row in range(model.rowCount())
    }


def _row_of(table: ChangeTable, name: str) -> int:
    return next(r for r in range(table.proxy.rowCount()) if table.displayed(r, NAME) == name)


def _colour(table: ChangeTable, name: str, column: int) -> str | None:
    brush = table.proxy.index(_row_of(table, name), column).data(Qt.ItemDataRole.ForegroundRole)
    return brush.color().name() if isinstance(brush, QBrush) else None


def _compared(
    qtbot: QtBot, open_dialog: Callable[..., CompareDialog], base_db: Path, head_db: Path
) -> CompareDialog:
    dialog = open_dialog(head_db)
    assert dialog.state_label.text().startswith("Pick a capture file")
    dialog.file_edit.setText(str(base_db))
    qtbot.mouseClick(dialog.compare_button, Qt.MouseButton.LeftButton)
    assert (dialog.state, dialog.state_label.text()) == ("running", "Comparing…")
    qtbot.waitUntil(lambda: dialog.state == "done", timeout=20_000)
    assert dialog.state_label.text() == (
        "base: 125 requests · head: 123 requests · 7 significant changes"
    )
    return dialog


def test_a_slower_endpoint_reads_slower_in_red_and_a_faster_one_green(
    qtbot: QtBot, open_dialog: Callable[..., CompareDialog], base_db: Path, head_db: Path
) -> None:
    dialog = _compared(qtbot, open_dialog, base_db, head_db)
    rows = _rows(dialog.endpoints)
    users = rows[USERS]
    assert users[1:3] == ["40", "40"]
    assert users[P95] == "16.0 ms → 68.0 ms (+325%)"
    assert users[SIGNIFICANT] == "slower p50, p95, p99"
    red, green = theme.color("worse").name(), theme.color("better").name()
    for column in (NAME, P95, SIGNIFICANT):
        assert _colour(dialog.endpoints, USERS, column) == red
    assert _colour(dialog.endpoints, USERS, ERRORS) is None  # its error rate did not move

    orders = rows[ORDERS]
    assert orders[ERRORS] == "0.0% → 25.0% (+25.0 pp)"
    assert orders[SIGNIFICANT] == "more errors"
    assert _colour(dialog.endpoints, ORDERS, ERRORS) == red
    assert _colour(dialog.endpoints, ORDERS, P95) is None

    assert rows[HEALTH][SIGNIFICANT] == "faster p50, p95"
    assert _colour(dialog.endpoints, HEALTH, SIGNIFICANT) == green
    assert rows["GET /v2/items"][SIGNIFICANT] == "new"
    assert rows["GET /v2/items"][1] == "0"
    assert rows["GET /legacy"][SIGNIFICANT] == "gone"
    # Regressions first until the user sorts otherwise.
    assert [dialog.endpoints.displayed(r, NAME) for r in range(2)] in ([USERS, ORDERS],
                                                                       [ORDERS, USERS])  # fmt: skip

    consumers = _rows(dialog.consumers)
    assert set(consumers) == {"Acme", "Globex", "(no consumer)"}
    assert consumers["Acme"][HEAD_REQUESTS] == "40"


def test_sorting_by_p95_orders_rows_by_the_change_not_the_text(
    qtbot: QtBot, open_dialog: Callable[..., CompareDialog], base_db: Path, head_db: Path
) -> None:
    dialog = _compared(qtbot, open_dialog, base_db, head_db)
    table = dialog.endpoints
    header = table.horizontalHeader()
    click = QPoint(header.sectionViewportPosition(P95) + 10, header.height() // 2)
    both = {USERS, ORDERS, HEALTH}

    def order() -> list[str]:
        names = [table.displayed(r, NAME) for r in range(table.proxy.rowCount())]
        return [name for name in names if name in both]

    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=click)
    first = header.sortIndicatorOrder()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=click)
    assert header.sortIndicatorSection() == P95 and header.sortIndicatorOrder() != first
    table.sortByColumn(P95, Qt.SortOrder.AscendingOrder)
    # -76%, 0%, +325%. As text ("14.0 ms → …", "29.0 ms → …", "39.0 ms → …") it would read
    # users, health, orders.
    assert order() == [HEALTH, ORDERS, USERS]
    table.sortByColumn(P95, Qt.SortOrder.DescendingOrder)
    assert order() == [USERS, ORDERS, HEALTH]
    # Sides without a p95 (new, gone) sort below every real change.
    assert {table.displayed(r, NAME) for r in (3, 4)} == {"GET /v2/items", "GET /legacy"}


def test_the_changes_tab_lists_the_new_status_and_the_removed_field(
    qtbot: QtBot, open_dialog: Callable[..., CompareDialog], base_db: Path, head_db: Path
) -> None:
    dialog = _compared(qtbot, open_dialog, base_db, head_db)
    lines = [dialog.changes.item(i).text() for i in range(dialog.changes.count())]
    assert "New status: GET /orders answered 500 10 time(s)" in lines
    assert "Field removed: GET /users/{id} email (string)" in lines
    assert "New endpoint: GET /v2/items" in lines
    assert "Endpoint no longer called: GET /legacy" in lines
    assert dialog.tabs.tabText(2) == "Changes (4)"


def test_the_app_filter_narrows_both_sides(
    qtbot: QtBot, open_dialog: Callable[..., CompareDialog], base_db: Path, head_db: Path
) -> None:
    dialog = open_dialog(head_db, app_filter="path:/users")
    assert "path:/users" in dialog.scope.text() and "head.db" in dialog.scope.text()
    dialog.file_edit.setText(str(base_db))
    assert _run(qtbot, dialog).startswith("base: 40 requests · head: 40 requests · 2 significant")
    assert list(_rows(dialog.endpoints)) == [USERS]


def test_an_empty_side_and_a_file_that_is_no_database_show_their_message(
    qtbot: QtBot, open_dialog: Callable[..., CompareDialog], head_db: Path, tmp_path: Path
) -> None:
    empty = _capture(tmp_path / "empty.db")
    dialog = open_dialog(head_db)
    dialog.file_edit.setText(str(empty))
    assert _run(qtbot, dialog) == "The base side (empty.db) holds no exchanges to compare."
    assert dialog.state == "error" and dialog.endpoints.proxy.rowCount() == 0
    assert theme.color("error").name() in dialog.state_label.styleSheet()

    notes = tmp_path / "notes.db"
    notes.write_text("meeting notes, not a capture\n" * 200)
    dialog.file_edit.setText(str(notes))
    assert _run(qtbot, dialog) == f"{notes} is not an SQLite database."

    dialog.file_edit.setText("")
    assert _run(qtbot, dialog) == "Choose the capture file to compare with (Browse…)."


def test_two_windows_of_one_capture_and_a_bad_window_filter(
    qtbot: QtBot, open_dialog: Callable[..., CompareDialog], tmp_path: Path
) -> None:
    # One long capture: the baseline 90 minutes ago, the change in the last hour.
    both = _capture(tmp_path / "long.db", *_traffic(1, time.time() - 5400),
                    *_traffic(2, time.time() - 1800))  # fmt: skip
    dialog = open_dialog(both)
    dialog.windows_choice.setChecked(True)
    assert not dialog.file_edit.isEnabled() and dialog.base_edit.isEnabled()
    assert (dialog.base_edit.text(), dialog.head_edit.text()) == ("since:2h until:1h", "since:1h")
    assert _run(qtbot, dialog) == "base: 125 requests · head: 123 requests · 7 significant changes"
    assert _rows(dialog.endpoints)[USERS][SIGNIFICANT] == "slower p50, p95, p99"

    dialog.base_edit.setText("since:2h status:9zz")
    assert _run(qtbot, dialog).startswith("Base window: ")
    assert "9zz" in dialog.state_label.text()
    assert dialog.state == "error" and dialog.endpoints.proxy.rowCount() == 0
    dialog.base_edit.setText("since:2h until:1h")
    dialog.head_edit.setText("method:DELETE")
    assert _run(qtbot, dialog) == (
        "The head side (long.db [method:DELETE]) holds no exchanges to compare."
    )


def test_too_few_requests_say_so_and_nothing_is_coloured(
    qtbot: QtBot, qtmodeltester: ModelTester, open_dialog: Callable[..., CompareDialog],
    tmp_path: Path,
) -> None:  # fmt: skip
    few = [make_exchange(path="/users/1", duration_ms=10.0) for _ in range(3)]
    slow = [make_exchange(path="/users/1", duration_ms=900.0) for _ in range(3)]
    dialog = open_dialog(_capture(tmp_path / "h.db", *slow))
    dialog.file_edit.setText(str(_capture(tmp_path / "b.db", *few)))
    assert _run(qtbot, dialog) == "base: 3 requests · head: 3 requests · 0 significant changes"
    assert _rows(dialog.endpoints)[USERS][SIGNIFICANT] == "too few to tell"
    assert _colour(dialog.endpoints, USERS, SIGNIFICANT) is None
    assert dialog.changes.item(0).text().startswith("No endpoint, status code")
    qtmodeltester.check(dialog.endpoints.source)


def test_identical_traffic_is_not_significant(
    qtbot: QtBot, open_dialog: Callable[..., CompareDialog], tmp_path: Path
) -> None:
    dialog = open_dialog(_capture(tmp_path / "again.db", *_traffic(1, time.time() - 60)))
    dialog.file_edit.setText(str(_capture(tmp_path / "base.db", *_traffic(1, time.time() - 600))))
    assert _run(qtbot, dialog).endswith("· 0 significant changes")
    verdicts = {name: row[SIGNIFICANT] for name, row in _rows(dialog.endpoints).items()}
    assert verdicts == {USERS: NOT_SIGNIFICANT, ORDERS: NOT_SIGNIFICANT, HEALTH: NOT_SIGNIFICANT,
                        "GET /legacy": "too few to tell"}  # fmt: skip
    assert _colour(dialog.endpoints, USERS, SIGNIFICANT) is None


def test_file_compare_opens_from_the_menu_and_a_double_click_filters_the_window(
    qtbot: QtBot, make_window: Callable[..., MainWindow], db: sqlite3.Connection, base_db: Path
) -> None:
    write_batch(db, _traffic(2, time.time() - 300))
    window = make_window()
    file_menu = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&File")
    action = next(a for a in file_menu.actions() if a.text() == "Compare…")
    assert action.shortcut().toString() == "Ctrl+Shift+D"
    action.trigger()
    dialog = window.compare_dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    assert "capture.db" in dialog.scope.text()
    window.filter_bar.set_text("method:GET")
    assert "method:GET" in dialog.scope.text()  # follows the window's filter while open
    window.filter_bar.set_text("")
    dialog.file_edit.setText(str(base_db))
    _run(qtbot, dialog)
    assert dialog.state == "done"

    table = dialog.endpoints
    rect = table.visualRect(table.proxy.index(_row_of(table, USERS), NAME))
    # A double-click is a click and then a second press: Qt reads a lone one as a single press.
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.filter_bar.text == f"method:GET endpoint:{quote_value('/users/{id}')}"
    action.trigger()
    assert window.compare_dialog is dialog  # one Compare window, raised again
    qtbot.keyClick(dialog.file_edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.compare_dialog is None)  # closed and deleted
