"""The filter bar: compiled when typing pauses, errors at their position, history, Esc."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from inspector.gui.views.filter_bar import FilterBar
from inspector.store.filter_syntax import quote_value
from inspector.store.filters import FILTER_KEYS, MATCH_ALL, SqlFilter

pytestmark = pytest.mark.gui


@pytest.fixture
def bar(qtbot: QtBot, settings: QSettings) -> FilterBar:
    widget = FilterBar(debounce_ms=10, settings=settings)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_typing_applies_the_filter_once_typing_pauses(qtbot: QtBot, bar: FilterBar) -> None:
    seen: list[SqlFilter] = []
    bar.filter_changed.connect(seen.append)
    bar.edit.setFocus()
    qtbot.keyClicks(bar.edit, "status:5xx")
    qtbot.waitUntil(lambda: len(seen) == 1)
    assert "status" in seen[0].where and seen[0].params


def test_a_bad_term_is_marked_where_it_is_and_keeps_the_last_good_filter(
    qtbot: QtBot, bar: FilterBar
) -> None:
    bar.set_text("method:GET")
    good = bar.current
    bar.set_text("method:GET stauts:404")
    assert bar.current == good
    error = bar.error
    assert error is not None
    assert error.position == len("method:GET ")
    assert bar.message.isVisible()
    assert "stauts" in bar.message.text() and "status" in bar.message.text()
    bar.set_text("method:GET status:404")
    assert bar.error is None and not bar.message.isVisible()


def test_escape_clears_the_filter(qtbot: QtBot, bar: FilterBar) -> None:
    bar.set_text("status:404")
    assert bar.current != MATCH_ALL
    qtbot.keyClick(bar.edit, Qt.Key.Key_Escape)
    assert bar.text == "" and bar.current == MATCH_ALL


def test_history_is_remembered_across_sessions(
    qtbot: QtBot, bar: FilterBar, settings: QSettings
) -> None:
    bar.set_text("status:404")
    bar.set_text("method:POST")
    again = FilterBar(settings=settings)
    qtbot.addWidget(again)
    assert again.edit.history[:2] == ["method:POST", "status:404"]
    again.edit.setFocus()
    qtbot.keyClick(again.edit, Qt.Key.Key_Up)
    assert again.text == "method:POST"
    qtbot.keyClick(again.edit, Qt.Key.Key_Up)
    assert again.text == "status:404"


def test_the_syntax_hint_lists_every_key(bar: FilterBar) -> None:
    hint = bar.help_button.toolTip()
    for key in FILTER_KEYS:
        assert f"{key}:" in hint


def test_quick_filter_values_are_quoted_when_needed() -> None:
    assert quote_value("/users/{id}") == "/users/{id}"
    assert quote_value("Acme Corp") == '"Acme Corp"'
