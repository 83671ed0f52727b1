"""Light and dark palettes that follow the system, and the colours of status classes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

_dark = False
_brushes: dict[str, QBrush] = {}

_LIGHT = {
    "window": "#f5f6f8", "base": "#ffffff", "alt": "#f7f8fa", "text": "#1d2230",
    "button": "#eceef2", "highlight": "#2f6fde", "highlight_text": "#ffffff", "mid": "#c9ced8",
    "link": "#2456b8", "muted": "#69707d",
    "row_3xx": "#f2f6ff", "row_4xx": "#fff6e5", "row_5xx": "#fdeaea", "row_failed": "#fbe3ea",
    "fg_2xx": "#1b7f3b", "fg_3xx": "#2b5fb3", "fg_4xx": "#a35b00", "fg_5xx": "#c21f1f",
    "fg_failed": "#a0154b", "slow": "#a35b00", "very_slow": "#c21f1f", "error": "#c21f1f",
    "json_key": "#8b2c9e", "json_string": "#1b7f3b", "json_number": "#2456b8",
    "json_keyword": "#a35b00", "redacted_bg": "#fde2a8", "redacted_fg": "#6b3a00",
    "badge_on": "#1b7f3b", "badge_busy": "#a35b00", "badge_idle": "#69707d",
    "badge_failed": "#c21f1f", "worse": "#c21f1f", "better": "#1b7f3b",
}  # fmt: skip
_DARK = {
    "window": "#20232a", "base": "#181a1f", "alt": "#1d2026", "text": "#dfe3ea",
    "button": "#2b2f37", "highlight": "#3d7be0", "highlight_text": "#ffffff", "mid": "#3a3f4a",
    "link": "#7fb0ff", "muted": "#9aa2b1",
    "row_3xx": "#1c2333", "row_4xx": "#2e2718", "row_5xx": "#361d1f", "row_failed": "#3a1b28",
    "fg_2xx": "#6fd38f", "fg_3xx": "#86b4ff", "fg_4xx": "#f2b55c", "fg_5xx": "#ff7b7b",
    "fg_failed": "#ff7bab", "slow": "#f2b55c", "very_slow": "#ff7b7b", "error": "#ff7b7b",
    "json_key": "#d7a2ff", "json_string": "#8fd9a8", "json_number": "#86b4ff",
    "json_keyword": "#f2b55c", "redacted_bg": "#5a4310", "redacted_fg": "#ffe2a6",
    "badge_on": "#2a8a4a", "badge_busy": "#a8680f", "badge_idle": "#5a6170",
    "badge_failed": "#b8322b", "worse": "#ff7b7b", "better": "#6fd38f",
}  # fmt: skip

SLOW_MS = 500.0
VERY_SLOW_MS = 2000.0


def system_prefers_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def is_dark() -> bool:
    return _dark


def color(name: str) -> QColor:
    return QColor((_DARK if _dark else _LIGHT)[name])


def _brush(name: str) -> QBrush:
    brush = _brushes.get(name)
    if brush is None:
        brush = _brushes[name] = QBrush(color(name))
    return brush


def apply(app: QApplication, dark: bool | None = None) -> None:
    """Fusion with our palette: the same look on every platform, in light or dark."""
    global _dark
    _dark = system_prefers_dark() if dark is None else dark
    _brushes.clear()
    app.setStyle("Fusion")
    colors = _DARK if _dark else _LIGHT
    palette = QPalette()
    role = QPalette.ColorRole
    for qt_role, key in (
        (role.Window, "window"), (role.Base, "base"), (role.AlternateBase, "alt"),
        (role.Text, "text"), (role.WindowText, "text"), (role.ButtonText, "text"),
        (role.ToolTipText, "text"), (role.ToolTipBase, "base"), (role.Button, "button"),
        (role.Highlight, "highlight"), (role.HighlightedText, "highlight_text"),
        (role.Mid, "mid"), (role.Link, "link"), (role.PlaceholderText, "muted"),
    ):  # fmt: skip
        palette.setColor(qt_role, QColor(colors[key]))
    for group_role in (role.Text, role.WindowText, role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, group_role, QColor(colors["muted"]))
    app.setPalette(palette)


def status_class(status: int | None) -> str:
    if status is None:
        return "failed"
    return f"{min(max(status // 100, 1), 5)}xx"


def row_background(status: int | None) -> QBrush | None:
    cls = status_class(status)
    if cls in ("1xx", "2xx"):
        return None
    return _brush(f"row_{cls}")


def status_foreground(status: int | None) -> QBrush | None:
    cls = status_class(status)
    return None if cls == "1xx" else _brush(f"fg_{cls}")


def duration_foreground(duration_ms: float | None) -> QBrush | None:
    if duration_ms is None or duration_ms < SLOW_MS:
        return None
    return _brush("very_slow" if duration_ms >= VERY_SLOW_MS else "slow")
