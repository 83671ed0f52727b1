"""The toolbar and menu bar laid out from the window's actions: separators where asked, the
destructive actions pushed to the far end, the style's icons, menus in order."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu, QStyle, QToolBar, QWidget
from pytestqt.qtbot import QtBot

from inspector.gui.main_window import MainWindow
from inspector.gui.views.menus import add_menus, add_toolbar, set_icons

pytestmark = pytest.mark.gui


def test_the_toolbar_has_icons_and_clear_stands_apart_at_the_far_end(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window()
    (toolbar,) = window.findChildren(QToolBar)
    window.resize(1600, 900)  # a wide window: the room goes between the actions and Clear
    qtbot.waitUntil(lambda: toolbar.width() > 1500)
    actions = [a for a in toolbar.actions() if not a.isSeparator() and a.text()]
    assert all(not action.icon().isNull() for action in actions), [a.text() for a in actions]
    clear = toolbar.widgetForAction(window.clear_action)
    follow = toolbar.widgetForAction(window.open_action)
    assert clear.geometry().right() > toolbar.width() - 80  # at the far end
    assert clear.geometry().left() - follow.geometry().right() > 100  # with room between


@pytest.fixture
def bare(qtbot: QtBot) -> QMainWindow:
    window = QMainWindow()
    qtbot.addWidget(window)
    return window


def _actions(bare: QMainWindow, *names: str) -> list[QAction]:
    return [QAction(name, bare) for name in names]


def test_none_draws_a_separator_and_apart_goes_after_a_stretch(
    qtbot: QtBot, bare: QMainWindow
) -> None:
    start, stop, clear = _actions(bare, "Start", "Stop", "Clear")
    leading = QWidget()
    toolbar = add_toolbar(bare, leading, [start, None, stop], apart=[clear])
    assert bare.findChildren(QToolBar) == [toolbar] and not toolbar.isMovable()
    assert toolbar.objectName()  # saveState() keeps only named toolbars
    items = toolbar.actions()
    assert toolbar.widgetForAction(items[0]) is leading
    assert [a.text() or ("-" if a.isSeparator() else "widget") for a in items[1:]] == [
        "Start", "-", "Stop", "widget", "Clear"]  # fmt: skip
    bare.resize(900, 300)
    bare.show()
    qtbot.waitUntil(lambda: toolbar.width() > 800)
    assert toolbar.widgetForAction(clear).geometry().right() > toolbar.width() - 80


def test_without_apart_there_is_no_stretch(bare: QMainWindow) -> None:
    (start,) = _actions(bare, "Start")
    toolbar = add_toolbar(bare, QWidget(), [start])
    assert [a.text() for a in toolbar.actions()[1:]] == ["Start"]


def test_menus_keep_their_order_and_separators_and_icons_come_from_the_style(
    bare: QMainWindow,
) -> None:
    open_, quit_, find = _actions(bare, "Open…", "Quit", "Find")
    add_menus(bare, [("&File", [open_, None, quit_]), ("&View", [find])])
    menus = [m for m in bare.menuBar().findChildren(QMenu) if m.title()]
    assert [m.title() for m in menus] == ["&File", "&View"]
    assert [a.text() or "-" for a in menus[0].actions()] == ["Open…", "-", "Quit"]
    set_icons(bare, [(open_, QStyle.StandardPixmap.SP_DialogOpenButton)])
    assert not open_.icon().isNull() and quit_.icon().isNull()
