"""The requests table model: paging over SQL, live appends, SQL sorting, Qt model rules."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from inspector.gui.models import requests as table
from inspector.gui.models.requests import RequestTableModel
from inspector.gui.workers import QueryRunner
from inspector.store.filters import compile_filter
from inspector.testing.factories import make_exchange

pytestmark = pytest.mark.gui


@pytest.fixture
def runner(db: sqlite3.Connection, db_path: Path) -> QueryRunner:
    return QueryRunner(db_path)


def _loaded(qtbot: QtBot, model: RequestTableModel) -> None:
    with qtbot.waitSignal(model.reloaded, timeout=5000):
        model.reload()


def test_qt_model_rules_hold_while_rows_page_in_and_arrive(
    qtbot: QtBot, qtmodeltester: ModelTester, runner: QueryRunner,
    add_exchanges: Callable[..., list[int]],
) -> None:  # fmt: skip
    add_exchanges(
        *(make_exchange(path=f"/items/{i}", status=200 + i % 3 * 100) for i in range(300))
    )
    model = RequestTableModel(runner, poll_interval_ms=20)
    _loaded(qtbot, model)
    qtmodeltester.check(model)
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == 300)
    model.set_live(True)
    add_exchanges(make_exchange(path="/new"))
    qtbot.waitUntil(lambda: model.rowCount() == 301)
    qtmodeltester.check(model)


def test_only_a_page_is_loaded_and_scrolling_pages_in_more(
    qtbot: QtBot, runner: QueryRunner, add_exchanges: Callable[..., list[int]]
) -> None:
    add_exchanges(*(make_exchange(path=f"/items/{i}", started_at=1_000 + i) for i in range(1200)))
    model = RequestTableModel(runner)
    _loaded(qtbot, model)
    assert model.rowCount() == table.FIRST_PAGE_ROWS
    assert model.index(0, table.PATH).data() == "/items/1199"  # newest first
    assert model.canFetchMore()
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == table.FIRST_PAGE_ROWS + table.PAGE_ROWS)
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == 1200)
    assert not model.canFetchMore()
    paths = [model.index(row, table.PATH).data() for row in range(1200)]
    assert paths == [f"/items/{i}" for i in range(1199, -1, -1)]  # no gap, no repeat


def test_new_exchanges_appear_on_top_in_one_batch(
    qtbot: QtBot, runner: QueryRunner, add_exchanges: Callable[..., list[int]]
) -> None:
    add_exchanges(make_exchange(path="/old", started_at=1_000))
    model = RequestTableModel(runner, poll_interval_ms=20)
    _loaded(qtbot, model)
    inserts: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserts.append((first, last)))
    model.set_live(True)
    add_exchanges(*(make_exchange(path=f"/new/{i}", started_at=2_000 + i) for i in range(5)))
    qtbot.waitUntil(lambda: model.rowCount() == 6)
    assert inserts == [(0, 4)]
    assert [model.index(row, table.PATH).data() for row in range(6)] == [
        "/new/4", "/new/3", "/new/2", "/new/1", "/new/0", "/old"
    ]  # fmt: skip
    assert model.total_count == 6


def test_live_rows_respect_the_filter(
    qtbot: QtBot, runner: QueryRunner, add_exchanges: Callable[..., list[int]]
) -> None:
    model = RequestTableModel(runner, poll_interval_ms=20)
    model.set_filter(compile_filter("status:5xx"))
    qtbot.waitUntil(lambda: model.shown_count == 0)
    model.set_live(True)
    add_exchanges(make_exchange(path="/ok", status=200), make_exchange(path="/boom", status=503))
    qtbot.waitUntil(lambda: model.total_count == 2)
    assert [model.index(row, table.PATH).data() for row in range(model.rowCount())] == ["/boom"]
    assert model.shown_count == 1


def test_sorting_happens_in_sql_across_pages(
    qtbot: QtBot, runner: QueryRunner, add_exchanges: Callable[..., list[int]]
) -> None:
    durations = [float((i * 37) % 1000) for i in range(700)]
    add_exchanges(*(make_exchange(duration_ms=d, path=f"/d/{i}") for i, d in enumerate(durations)))
    add_exchanges(make_exchange(status=None, duration_ms=None, error="Connection refused"))
    model = RequestTableModel(runner)
    with qtbot.waitSignal(model.reloaded, timeout=5000):
        model.sort(table.DURATION, Qt.SortOrder.DescendingOrder)
    while model.canFetchMore():
        model.fetchMore()
        qtbot.waitUntil(lambda: not runner.is_busy("page"))
    shown = [model.row_at(row).duration_ms for row in range(model.rowCount())]  # type: ignore[union-attr]
    assert shown[:-1] == sorted(durations, reverse=True)
    assert shown[-1] is None  # the failed exchange sorts last, not lost
    assert model.index(model.rowCount() - 1, table.STATUS).data() == "failed"


def test_rows_read_like_a_person_expects(
    qtbot: QtBot, runner: QueryRunner, add_exchanges: Callable[..., list[int]]
) -> None:
    add_exchanges(
        make_exchange(method="POST", host="api.local", port=8443, scheme="https", path="/orders",
                      query="page=2", status=404, duration_ms=1534.0, consumer="key-1"),
    )  # fmt: skip
    model = RequestTableModel(runner)
    _loaded(qtbot, model)
    row = [model.index(0, column).data() for column in range(model.columnCount())]
    assert row[1:] == ["key-1", "POST", "api.local:8443", "/orders?page=2", "404", "1.53 s", "25 B"]
    background = model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole)
    assert background is not None  # 4xx rows are tinted


@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_paging_through_nulls_loses_nothing_in_either_direction(
    qtbot: QtBot, runner: QueryRunner, add_exchanges: Callable[..., list[int]],
    order: Qt.SortOrder,
) -> None:  # fmt: skip
    # Failed exchanges (no status) on both sides of page boundaries.
    add_exchanges(*(
        make_exchange(path=f"/s/{i}", status=None if i % 3 == 0 else 200 + i % 7,
                      error="refused" if i % 3 == 0 else None)
        for i in range(1300)
    ))  # fmt: skip
    model = RequestTableModel(runner)
    with qtbot.waitSignal(model.reloaded, timeout=5000):
        model.sort(table.STATUS, order)
    while model.canFetchMore():
        model.fetchMore()
        qtbot.waitUntil(lambda: not runner.is_busy("page"))
    rows = [model.row_at(r) for r in range(model.rowCount())]
    assert len({row.id for row in rows if row}) == 1300
    keys = [(-1 if row.status is None else row.status) for row in rows if row]
    descending = order == Qt.SortOrder.DescendingOrder
    assert keys == sorted(keys, reverse=descending)
