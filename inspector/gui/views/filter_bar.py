"""The filter bar: the filter language, compiled when typing pauses, errors marked in place."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QSettings, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QInputMethodEvent, QKeyEvent, QTextCharFormat
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inspector.gui import theme
from inspector.store.filters import FILTER_KEYS, MATCH_ALL, FilterError, SqlFilter, compile_filter

HISTORY_KEY = "filter/history"
HISTORY_SIZE = 30
PLACEHOLDER = 'Filter: status:5xx  method:POST  path:/users  consumer:acme  "free text"   (Ctrl+F)'


def syntax_hint() -> str:
    """A compact reference of every filter key, as rich text for the help popup."""
    rows = "".join(
        f"<tr><td><b>{key}:</b></td><td>{help_text.replace('<', '&lt;')}</td></tr>"
        for key, help_text in FILTER_KEYS.items()
    )
    return (
        "<p>Terms separated by spaces must all match; <b>OR</b> between terms; "
        "<b>-term</b> negates; quotes group words; bare words search URLs, headers and bodies."
        f"</p><table cellspacing='4'>{rows}</table>"
    )


class FilterLineEdit(QLineEdit):
    """A line edit that can underline a span (the bad term) and walks history with Up/Down."""

    escape_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history: list[str] = []
        self._history_pos = -1

    def mark_span(self, start: int | None, length: int = 0) -> None:
        """Red wavy underline under text[start:start+length]; None clears it.

        Input-method text formats are the one way to style part of a QLineEdit's text that
        stays right while the text scrolls.
        """
        attributes = []
        if start is not None:
            fmt = QTextCharFormat()
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(theme.color("error"))
            fmt.setForeground(theme.color("error"))
            length = max(1, length)
            if start >= len(self.text()):
                start, length = max(0, len(self.text()) - 1), 1
            attributes.append(
                QInputMethodEvent.Attribute(
                    QInputMethodEvent.AttributeType.TextFormat,
                    start - self.cursorPosition(),
                    length,
                    fmt,
                )
            )
        QCoreApplication.sendEvent(self, QInputMethodEvent("", attributes))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.escape_pressed.emit()
            return
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self.history:
            step = 1 if key == Qt.Key.Key_Up else -1
            self._history_pos = max(-1, min(len(self.history) - 1, self._history_pos + step))
            self.setText("" if self._history_pos < 0 else self.history[self._history_pos])
            return
        self._history_pos = -1
        super().keyPressEvent(event)


class FilterBar(QWidget):
    """Emits `filter_changed` with a compiled SqlFilter once typing pauses and the text is valid.

    A bad filter keeps the last good one applied and says what is wrong, where.
    """

    filter_changed = Signal(object)  # SqlFilter

    def __init__(
        self,
        parent: QWidget | None = None,
        debounce_ms: int = 250,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self.current: SqlFilter = MATCH_ALL
        self.error: FilterError | None = None
        self.edit = FilterLineEdit(self)
        self.edit.setPlaceholderText(PLACEHOLDER)
        self.edit.setClearButtonEnabled(True)
        self.edit.setObjectName("filterEdit")
        self.edit.setToolTip(syntax_hint())
        self.help_button = QToolButton(self)
        self.help_button.setText("?")
        self.help_button.setToolTip(syntax_hint())
        self.help_button.setAutoRaise(True)
        self.help_button.clicked.connect(self._show_help)
        self.message = QLabel(self)
        self.message.setObjectName("filterMessage")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setWordWrap(True)
        self.message.hide()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.help_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 2)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.message)

        self._history_model = QStringListModel(self)
        completer = QCompleter(self._history_model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.edit.setCompleter(completer)
        self._load_history()

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self.apply)
        self.edit.textEdited.connect(lambda _text: self._debounce.start())
        self.edit.textChanged.connect(self._text_changed)
        self.edit.returnPressed.connect(self._commit)
        self.edit.escape_pressed.connect(self.clear)

    @property
    def text(self) -> str:
        return self.edit.text()

    def set_text(self, text: str, apply_now: bool = True) -> None:
        self.edit.setText(text)
        if apply_now:
            self.apply()
            self.remember(text)

    def add_term(self, term: str) -> None:
        """Append a term (a quick filter from a context menu) and apply at once."""
        current = self.text.strip()
        if term in current.split():
            return
        self.set_text(f"{current} {term}".strip())

    def clear(self) -> None:
        self.set_text("", apply_now=True)

    def focus(self) -> None:
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.edit.selectAll()

    def apply(self) -> None:
        """Compile now; on success emit the filter, on error show it at its position."""
        self._debounce.stop()
        text = self.text
        try:
            compiled = compile_filter(text)
        except FilterError as exc:
            self._show_error(exc)
            return
        self.error = None
        self.edit.mark_span(None)
        self.message.hide()
        if compiled != self.current:
            self.current = compiled
            self.filter_changed.emit(compiled)

    def remember(self, text: str) -> None:
        text = text.strip()
        if not text or self.error is not None:
            return
        history = [text, *(item for item in self.edit.history if item != text)][:HISTORY_SIZE]
        self.edit.history = history
        self._history_model.setStringList(history)
        if self._settings is not None:
            self._settings.setValue(HISTORY_KEY, history)

    def _commit(self) -> None:
        self.apply()
        self.remember(self.text)

    def _text_changed(self, _text: str) -> None:
        # Programmatic changes (history, quick filters) apply at once; typing waits a moment.
        if not self.edit.hasFocus():
            self._debounce.start()

    def _show_error(self, exc: FilterError) -> None:
        self.error = exc
        self.edit.mark_span(exc.position, exc.length)
        color = theme.color("error").name()
        self.message.setText(f"<span style='color:{color}'>⚠ {_escape(str(exc))}</span>")
        self.message.show()

    def _show_help(self) -> None:
        from PySide6.QtWidgets import QToolTip

        QToolTip.showText(
            self.help_button.mapToGlobal(self.help_button.rect().bottomLeft()),
            syntax_hint(),
            self.help_button,
        )

    def _load_history(self) -> None:
        if self._settings is None:
            return
        stored = self._settings.value(HISTORY_KEY, [])
        items: list[object] = [stored] if isinstance(stored, str) else list(stored or [])  # type: ignore[call-overload]
        history = [str(item) for item in items][:HISTORY_SIZE]
        self.edit.history = history
        self._history_model.setStringList(history)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
