"""The window's toolbar and menu bar, laid out from the actions the window owns."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QSizePolicy, QStyle, QToolBar, QWidget

# None in a list of actions draws a separator.
ActionList = Sequence[QAction | None]


def add_toolbar(
    window: QMainWindow, leading: QWidget, actions: ActionList, apart: ActionList = ()
) -> QToolBar:
    """`leading` widget, then `actions`; `apart` (the destructive ones) pushed to the far end."""
    toolbar = QToolBar("Capture", window)
    toolbar.setObjectName("captureToolbar")  # saveState() needs a name
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.addWidget(leading)
    _fill(toolbar, actions)
    if apart:
        spacer = QWidget(toolbar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        _fill(toolbar, apart)
    window.addToolBar(toolbar)
    return toolbar


def set_icons(window: QWidget, icons: Sequence[tuple[QAction, QStyle.StandardPixmap]]) -> None:
    """The style's own icons (they follow the platform and the dark palette)."""
    style = window.style()
    for action, pixmap in icons:
        action.setIcon(style.standardIcon(pixmap))


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
