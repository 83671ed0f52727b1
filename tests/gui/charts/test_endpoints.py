"""The endpoints table: figures per endpoint, spec operations never called, sorting, choosing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from inspector.gui.charts.endpoints import (
    EndpointsTableModel,
    EndpointsView,
    endpoint_filter_text,
    load_endpoint_rows,
)
from inspector.gui.workers import QueryRunner
from inspector.openapi import OpenApiSpec
from inspector.store import write_batch
from inspector.store.filters import MATCH_ALL, compile_filter
from inspector.store.selection import Selection
from inspector.testing import make_exchange

SPEC = OpenApiSpec.parse(
    '{"openapi": "3.0.0", "paths": {"/users/{userId}": {"get": {}, "delete": {}},'
    ' "/health": {"get": {}}}}'
)


@pytest.fixture
def traffic(db: sqlite3.Connection) -> None:
    users = [
        make_exchange(path=f"/users/{i}", endpoint="/users/{userId}", duration_ms=float(d),
                      status=500 if i == 3 else 200)
        for i, d in enumerate([10, 20, 30, 40, 50])
    ]  # fmt: skip
    orders = [make_exchange(method="POST", path="/orders", duration_ms=300.0, status=201)]
    write_batch(db, [*users, *orders])


def test_rows_hold_the_figures_and_the_spec_operations_never_called(
    db: sqlite3.Connection, traffic: None
) -> None:
    rows = {(r.method, r.endpoint): r for r in load_endpoint_rows(db, Selection(MATCH_ALL), SPEC)}
    users = rows[("GET", "/users/{userId}")]
    assert (users.requests, users.errors) == (5, 1)
    assert users.error_rate == pytest.approx(0.2)
    assert users.p50_ms == pytest.approx(30.0)  # median of 10..50
    assert rows[("POST", "/orders")].requests == 1
    assert rows[("DELETE", "/users/{userId}")].requests == 0  # never called
    assert rows[("GET", "/health")].requests == 0
    assert len(rows) == 4


def test_rows_follow_the_filter(db: sqlite3.Connection, traffic: None) -> None:
    rows = load_endpoint_rows(db, Selection(compile_filter("method:POST")), None)
    assert [(r.method, r.endpoint) for r in rows] == [("POST", "/orders")]


def test_model_passes_qtmodeltester(
    qtmodeltester: ModelTester, db: sqlite3.Connection, traffic: None
) -> None:
    model = EndpointsTableModel()
    model.set_rows(load_endpoint_rows(db, Selection(MATCH_ALL), SPEC))
    qtmodeltester.check(model)


def test_view_loads_sorts_and_chooses(
    qtbot: QtBot, db: sqlite3.Connection, db_path: Path, traffic: None
) -> None:
    view = EndpointsView()
    qtbot.addWidget(view)
    view.spec = SPEC
    runner = QueryRunner(db_path)
    view.set_runner(runner)
    qtbot.waitUntil(lambda: view.source.rowCount() == 4, timeout=5000)
    # Busiest first by default; never-called operations say so.
    first = view.proxy.index(0, 1).data()
    assert first == "/users/{userId}"
    texts = [view.proxy.index(r, 2).data() for r in range(4)]
    assert texts.count("never called") == 2
    view.sortByColumn(5, Qt.SortOrder.DescendingOrder)  # p95, slowest first
    assert view.proxy.index(0, 1).data() == "/orders"
    with qtbot.waitSignal(view.endpoint_chosen) as chosen:
        view.activated.emit(view.proxy.index(0, 0))
    assert chosen.args == ["POST", "/orders"]


@pytest.mark.parametrize(("method", "endpoint"), [("POST", "/orders"), ("GET", "/users/{userId}")])
def test_filter_text_selects_exactly_that_endpoint(
    db: sqlite3.Connection, traffic: None, method: str, endpoint: str
) -> None:
    flt = compile_filter(endpoint_filter_text(method, endpoint))
    rows = load_endpoint_rows(db, Selection(flt), None)
    assert [(r.method, r.endpoint) for r in rows] == [(method, endpoint)]


USER_SCHEMA = {"type": "object", "properties": {"id": {"type": "string"}}}
DOCUMENTED = OpenApiSpec.parse(
    json.dumps({
        "openapi": "3.1.0",
        "paths": {
            "/users/{userId}": {"get": {"responses": {"200": {
                "description": "A user",
                "content": {"application/json": {"schema": USER_SCHEMA}},
            }}}},
            "/health": {"get": {"responses": {"200": {"description": "ok"}}}},
        },
    })
)  # fmt: skip


def test_with_a_spec_the_spec_column_says_where_traffic_leaves_it(
    qtbot: QtBot, db: sqlite3.Connection, db_path: Path, traffic: None
) -> None:
    write_batch(db, [make_exchange(path="/health", json_body={"ok": True})])
    view = EndpointsView()
    qtbot.addWidget(view)
    runner = QueryRunner(db_path)
    view.set_runner(runner)
    qtbot.waitUntil(lambda: view.source.rowCount() == 3, timeout=5000)
    assert view.isColumnHidden(9)  # no spec, no column

    view.spec = DOCUMENTED
    view.refresh()
    qtbot.waitUntil(lambda: view.source.drift is not None, timeout=5000)
    assert not view.isColumnHidden(9)
    cells = {
        view.source.index(r, 1).data(): view.source.index(r, 9)
        for r in range(view.source.rowCount())
    }
    users = cells["/users/{userId}"]
    # make_exchange answers {"id": 42, "name": ...}: id is no string, name is not in the spec,
    # and the 500 is no documented status.
    assert users.data() == "500 undocumented"
    assert users.data(Qt.ItemDataRole.ForegroundRole) is not None
    tooltip = users.data(Qt.ItemDataRole.ToolTipRole).splitlines()
    assert tooltip == [
        "undocumented-status: 500",
        "invalid-response: 200: id: integer where the spec says string",
        "undocumented-field: 200: name",
    ]
    assert cells["/orders"].data() == "not in spec"
    assert cells["/health"].data() == "matches"
    assert cells["/health"].data(Qt.ItemDataRole.ForegroundRole) is None
    view.sortByColumn(9, Qt.SortOrder.DescendingOrder)  # the most drift first
    assert view.proxy.index(0, 1).data() == "/users/{userId}"


def test_the_figures_never_wait_for_the_spec_check_and_live_refreshes_let_it_finish(
    qtbot: QtBot, db: sqlite3.Connection, db_path: Path, traffic: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    import threading

    from inspector.gui.charts import endpoints

    gate, calls = threading.Event(), []
    real = endpoints.load_spec_drift

    def slow_drift(*args: object) -> object:
        calls.append(1)
        assert gate.wait(10)  # a million exchanges take seconds: here, until the test says
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(endpoints, "load_spec_drift", slow_drift)
    view = EndpointsView()
    qtbot.addWidget(view)
    view.spec = DOCUMENTED
    view.set_runner(QueryRunner(db_path))
    qtbot.waitUntil(lambda: view.source.rowCount() == 3, timeout=5000)  # drift still running
    assert view.source.drift is None
    view.refresh()  # a live refresh while the check runs: it must not cancel it
    view.refresh()
    gate.set()
    qtbot.waitUntil(lambda: view.source.drift is not None, timeout=5000)
    assert len(calls) == 1
    assert view.proxy.index(0, 9).data() != ""
