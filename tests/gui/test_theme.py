"""Light and dark palettes and the colours status codes and durations get in the table."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from inspector.gui import theme

pytestmark = pytest.mark.gui


@pytest.fixture
def app(qtbot: QtBot) -> Iterator[QApplication]:
    """The application, given back with the palette, style and theme it had."""
    application = QApplication.instance()
    assert isinstance(application, QApplication)
    palette, style, dark = application.palette(), application.style().name(), theme.is_dark()
    yield application
    theme.apply(application, dark=dark)
    application.setStyle(style)
    application.setPalette(palette)


@pytest.mark.parametrize(
    ("status", "cls"),
    [(None, "failed"), (0, "1xx"), (101, "1xx"), (200, "2xx"), (304, "3xx"), (399, "3xx"),
     (418, "4xx"), (599, "5xx"), (600, "5xx"), (999, "5xx")],
)  # fmt: skip
def test_status_classes_clamp_odd_codes_and_a_failure_has_its_own(
    status: int | None, cls: str
) -> None:
    assert theme.status_class(status) == cls


def test_only_non_success_rows_are_tinted_and_slow_durations_coloured(app: QApplication) -> None:
    theme.apply(app, dark=False)
    assert theme.row_background(200) is None and theme.row_background(101) is None
    assert theme.row_background(404).color().name() == theme.color("row_4xx").name()  # type: ignore[union-attr]
    assert theme.row_background(None).color().name() == theme.color("row_failed").name()  # type: ignore[union-attr]
    assert theme.status_foreground(101) is None
    assert theme.status_foreground(503).color().name() == theme.color("fg_5xx").name()  # type: ignore[union-attr]
    assert theme.duration_foreground(None) is None
    assert theme.duration_foreground(499.9) is None
    assert theme.duration_foreground(500.0).color().name() == theme.color("slow").name()  # type: ignore[union-attr]
    very_slow = theme.color("very_slow").name()
    assert theme.duration_foreground(1999.9).color().name() != very_slow  # type: ignore[union-attr]
    assert theme.duration_foreground(2000.0).color().name() == very_slow  # type: ignore[union-attr]


def test_switching_to_dark_recolours_the_palette_and_every_brush(app: QApplication) -> None:
    theme.apply(app, dark=False)
    light_row = theme.row_background(500).color().name()  # type: ignore[union-attr]
    light_base = app.palette().color(QPalette.ColorRole.Base).name()
    theme.apply(app, dark=True)
    assert theme.is_dark()
    # Brushes are cached: a stale one would paint light rows on a dark table.
    assert theme.row_background(500).color().name() != light_row  # type: ignore[union-attr]
    assert theme.row_background(500).color().name() == theme.color("row_5xx").name()  # type: ignore[union-attr]
    palette = app.palette()
    assert palette.color(QPalette.ColorRole.Base).name() != light_base
    assert palette.color(QPalette.ColorRole.Base).lightness() < 64
    assert palette.color(QPalette.ColorRole.Text).lightness() > 192
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert disabled.name() == theme.color("muted").name()
    assert app.style().name().lower() == "fusion"
