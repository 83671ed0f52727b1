"""The requests table view on its own: the quick-filter terms its context menu sends for a row,
j and k at the ends of the table, what an empty table says and where its links lead, and the
columns a narrow table gives up. (Through the whole window: tests/gui/test_main_window.py.)"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from inspector.gui.models import requests as columns
from inspector.gui.models.requests import RequestTableModel
from inspector.gui.views.requests import RequestsView
from inspector.gui.workers import QueryRunner
from inspector.model import Body, Consumer
from inspector.store.filters import compile_filter
from inspector.testing import make_exchange

pytestmark = pytest.mark.gui


@pytest.fixture
def view(qtbot: QtBot, db: sqlite3.Connection, db_path: Path) -> RequestsView:
    shown = RequestsView(RequestTableModel(QueryRunner(db_path)))
    qtbot.addWidget(shown)
    shown.resize(1000, 400)
    shown.show()
    return shown


def _loaded(qtbot: QtBot, view: RequestsView) -> None:
    with qtbot.waitSignal(view.request_model().reloaded, timeout=5000):
        view.request_model().reload()


def _menu(view: RequestsView, row: int) -> dict[str, str]:
    """Each action's text -> the term it sends to the filter bar ("" when it sends none)."""
    sent: list[str] = []
    view.quick_filter.connect(sent.append)
    found = {}
    for action in view.build_menu(view.request_model().row_at(row)).actions():  # type: ignore[arg-type]
        if action.isSeparator():
            continue
        sent.clear()
        action.trigger()
        found[action.text()] = sent[0] if sent else ""
    return found


def test_the_menu_quotes_what_needs_quotes_and_a_failure_filters_on_its_error(
    qtbot: QtBot, view: RequestsView, add_exchanges: Callable[..., list[int]]
) -> None:
    add_exchanges(
        make_exchange(path="/files/annual report.pdf", endpoint="/files/annual report.pdf",
                      host="my host", status=None, reason="", duration_ms=None,
                      error="Connection refused", response_body=Body(), started_at=1_000),
    )  # fmt: skip
    _loaded(qtbot, view)
    assert _menu(view, 0) == {
        "Only this endpoint (GET /files/annual report.pdf)":
            'method:GET endpoint:"/files/annual report.pdf"',
        "Only this status (error)": "has:error",
        "Only this host (my host)": 'host:"my host"',
        "Hide this endpoint (/files/annual report.pdf)": '-endpoint:"/files/annual report.pdf"',
    }  # fmt: skip  # no consumer: no "Only this consumer"


def test_only_this_consumer_chooses_it_by_its_row_id(
    qtbot: QtBot, view: RequestsView, add_exchanges: Callable[..., list[int]],
    db: sqlite3.Connection,
) -> None:  # fmt: skip
    add_exchanges(make_exchange(consumer=Consumer("key-acme", "Acme Corp"), status=418))
    _loaded(qtbot, view)
    menu = _menu(view, 0)
    assert menu["Only this status (418)"] == "status:418"
    chosen: list[object] = []
    view.consumer_chosen.connect(chosen.append)
    action = next(a for a in view.build_menu(view.request_model().row_at(0)).actions()  # type: ignore[arg-type]
                  if a.text() == "Only this consumer (Acme Corp)")  # fmt: skip
    action.trigger()
    assert chosen == [db.execute("SELECT id FROM consumers").fetchone()[0]]


def test_j_and_k_stop_at_the_ends_and_leave_modified_keys_alone(
    qtbot: QtBot, view: RequestsView, add_exchanges: Callable[..., list[int]]
) -> None:
    ids = add_exchanges(*(make_exchange(path=f"/n/{i}", started_at=1_000 + i) for i in range(3)))
    _loaded(qtbot, view)
    selected: list[object] = []
    view.exchange_selected.connect(selected.append)
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_J)  # nothing chosen yet: the first (newest) row
    assert view.currentIndex().row() == 0 and selected[-1] == ids[2]
    QTest.keyClick(view, Qt.Key.Key_K)
    assert view.currentIndex().row() == 0
    for _ in range(5):
        QTest.keyClick(view, Qt.Key.Key_J)
    assert view.currentIndex().row() == 2 and selected[-1] == ids[0]
    QTest.keyClick(view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert view.currentIndex().row() == 2


def test_a_failed_proxy_says_why_and_its_links_lead_to_the_fix(
    qtbot: QtBot, view: RequestsView
) -> None:
    _loaded(qtbot, view)
    state = view.empty_state
    assert state.isVisible() and "No requests yet" in state.text()
    view.set_proxy_problem("Address 127.0.0.1:8080 in use <by nginx>")
    assert "The proxy is not running" in state.text()
    assert "&lt;by nginx&gt;" in state.text()  # the reason as text, never as markup
    for link, signal in (("listen", view.listen_requested), ("start", view.start_requested)):
        with qtbot.waitSignal(signal, timeout=1000):
            state.linkActivated.emit(link)
    view.set_proxy_problem(None)
    assert "No requests yet" in state.text()


def test_a_filter_matching_nothing_says_so_even_when_the_proxy_failed(
    qtbot: QtBot, view: RequestsView, add_exchanges: Callable[..., list[int]]
) -> None:
    add_exchanges(make_exchange(status=200))
    _loaded(qtbot, view)
    assert not view.empty_state.isVisible()
    view.set_proxy_problem("stopped")
    with qtbot.waitSignal(view.request_model().reloaded, timeout=5000):
        view.request_model().set_filter(compile_filter("status:500"))
    assert view.empty_state.isVisible() and "No request matches" in view.empty_state.text()


def test_a_narrow_table_gives_up_host_then_size_and_keeps_the_path(view: RequestsView) -> None:
    def hidden() -> set[int]:
        return {c for c in range(view.model().columnCount()) if view.isColumnHidden(c)}

    assert hidden() == set()
    view.resize(760, 400)
    assert hidden() == {columns.HOST}
    view.resize(500, 400)
    assert hidden() == {columns.HOST, columns.SIZE}
    view.resize(1000, 400)
    assert hidden() == set()
