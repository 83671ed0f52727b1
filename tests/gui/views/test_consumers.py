""" "Errors of this consumer" shows exactly the exchanges its Errors column counts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from inspector.gui.main_window import MainWindow
from inspector.gui.models import consumers as columns
from inspector.model import Body, Consumer
from inspector.testing.factories import make_exchange

pytestmark = pytest.mark.gui

ACME = Consumer("key-acme", "Acme Corp")


def test_errors_of_this_consumer_include_its_failed_exchanges(
    qtbot: QtBot, make_window: Callable[..., MainWindow], add_exchanges: Callable[..., list[int]]
) -> None:
    add_exchanges(
        make_exchange(path="/ok", consumer=ACME, status=200, started_at=1_000),
        make_exchange(path="/missing", consumer=ACME, status=404, started_at=1_001),
        make_exchange(path="/refused", consumer=ACME, status=None, reason="", duration_ms=None,
                      error="Connection refused", response_body=Body(), started_at=1_002),
        make_exchange(path="/other", consumer=None, status=500, started_at=1_003),
    )  # fmt: skip
    window = make_window()
    qtbot.waitUntil(lambda: window.consumer_model.rowCount() == 3)
    model = window.consumer_model
    number = next(i for i in range(model.rowCount()) if model.index(i, 0).data() == "Acme Corp")
    acme = model.row_at(number)
    assert acme is not None and acme.errors == 2
    assert model.index(number, columns.ERRORS).data() == "67 %"
    window.consumers_view._errors_of(acme)  # the context menu's action
    qtbot.waitUntil(lambda: window.request_model.shown_count == acme.errors)
    shown = {window.request_model.row_at(i).path for i in range(window.request_model.rowCount())}  # type: ignore[union-attr]
    assert shown == {"/missing", "/refused"}
