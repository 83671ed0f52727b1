"""The window's toolbar and menu bar, laid out from the actions the window owns."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QToolBar, QWidget

# None in a list of actions draws a separator.
ActionList = Sequence[QAction | None]


def add_toolbar(window: QMainWindow, leading: QWidget, actions: ActionList) -> QToolBar:
    toolbar = QToolBar("Capture", window)
    toolbar.setObjectName("captureToolbar")  # saveState() needs a name
    toolbar.setMovable(False)
    toolbar.addWidget(leading)
    _fill(toolbar, actions)
    window.addToolBar(toolbar)
    return toolbar


def add_menus(window: QMainWindow, menus: Sequence[tuple[str, ActionList]]) -> None:
    bar = window.menuBar()
    for title, actions in menus:
        _fill(bar.addMenu(title), actions)


def _fill(target: QWidget, actions: ActionList) -> None:
    for action in actions:
        if action is None:
            target.addAction(_separator(target))
        else:
            target.addAction(action)


def _separator(parent: QWidget) -> QAction:
    separator = QAction(parent)
    separator.setSeparator(True)
    return separator
