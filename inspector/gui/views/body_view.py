"""One message body shown the way its type reads best: JSON, form, text, image or hex."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QFont,
    QFontDatabase,
    QPixmap,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from inspector import units
from inspector.config.defaults import REDACTED
from inspector.gui import theme
from inspector.model import Body

# A hex dump of more than this is slow to lay out and nobody reads it.
HEX_LIMIT_BYTES = 64 * 1024
# Pretty-printing a huge JSON document blocks the GUI; beyond this it is shown as received.
PRETTY_LIMIT_BYTES = 2 * 1024 * 1024
HIGHLIGHT_LIMIT_CHARS = 256 * 1024

_JSON_TOKENS = re.compile(
    r'(?P<key>"(?:[^"\\]|\\.)*"(?=\s*:))|(?P<string>"(?:[^"\\]|\\.)*")'
    r"|(?P<number>-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)|(?P<keyword>\b(?:true|false|null)\b)"
)


def monospace_font() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


class JsonHighlighter(QSyntaxHighlighter):
    """Keys, strings, numbers and keywords in colour; `[REDACTED]` stands out."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.enabled = True
        self._formats: dict[str, QTextCharFormat] = {}
        for name in ("key", "string", "number", "keyword"):
            fmt = QTextCharFormat()
            fmt.setForeground(theme.color(f"json_{name}"))
            self._formats[name] = fmt
        redacted = QTextCharFormat()
        redacted.setBackground(theme.color("redacted_bg"))
        redacted.setForeground(theme.color("redacted_fg"))
        redacted.setFontWeight(QFont.Weight.Bold)
        self._formats["redacted"] = redacted

    def highlightBlock(self, text: str) -> None:
        if self.enabled:
            for match in _JSON_TOKENS.finditer(text):
                kind = match.lastgroup or "string"
                self.setFormat(match.start(), match.end() - match.start(), self._formats[kind])
        start = text.find(REDACTED)
        while start >= 0:
            self.setFormat(start, len(REDACTED), self._formats["redacted"])
            start = text.find(REDACTED, start + 1)


def hex_dump(data: bytes, limit: int = HEX_LIMIT_BYTES) -> str:
    """`00000000  48 65 6c 6c ...  |Hell...|`, like `hexdump -C`."""
    lines = []
    for offset in range(0, min(len(data), limit), 16):
        chunk = data[offset : offset + 16]
        hex_part = " ".join(f"{byte:02x}" for byte in chunk)
        text = "".join(chr(byte) if 32 <= byte < 127 else "." for byte in chunk)
        lines.append(f"{offset:08x}  {hex_part:<47}  |{text}|")
    if len(data) > limit:
        lines.append(f"… {len(data) - limit:,} more bytes not shown")
    return "\n".join(lines)


def render_text(body: Body) -> tuple[str, str]:
    """(kind, text) for a body: kind is json, form, text, hex or empty."""
    if not body.content:
        return "empty", ""
    text = body.text
    if text is None:
        return "hex", hex_dump(body.content)
    media = body.media_type
    looks_json = media.endswith("json") or (not media and text.lstrip()[:1] in ("{", "["))
    if looks_json and len(body.content) <= PRETTY_LIMIT_BYTES and not body.truncated:
        try:
            return "json", json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            pass
    if looks_json:
        return "json", text
    if media == "application/x-www-form-urlencoded":
        pairs = parse_qsl(text, keep_blank_values=True)
        width = max((len(key) for key, _ in pairs), default=0)
        return "form", "\n".join(f"{key.ljust(width)} = {value}" for key, value in pairs)
    return "text", text


class BodyView(QWidget):
    """A notice line (size, truncation, redaction) over the body in its best form."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notice = QLabel(self)
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.RichText)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setFont(monospace_font())
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.highlighter = JsonHighlighter(self.text.document())
        self.image = QLabel(self)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        image_scroll = QScrollArea(self)
        image_scroll.setWidget(self.image)
        image_scroll.setWidgetResizable(True)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.text)
        self.stack.addWidget(image_scroll)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.notice)
        layout.addWidget(self.stack, 1)
        self.kind = "empty"

    def show_body(self, body: Body) -> None:
        notes = []
        if body.content_type:
            notes.append(f"<b>{_escape(body.content_type)}</b>")
        if body.size:
            notes.append(units.size_text(body.size))
            if body.wire_size and body.wire_size != body.size:
                notes.append(f"{units.size_text(body.wire_size)} on the wire")
        warn = theme.color("fg_4xx").name()
        if body.truncated:
            notes.append(
                f"<span style='color:{warn}'><b>truncated</b>: first "
                f"{units.size_text(len(body.content))} of {units.size_text(body.size)} kept</span>"
            )
        if REDACTED.encode() in body.content:
            notes.append(f"<span style='color:{warn}'>secrets replaced by {REDACTED}</span>")
        pixmap = QPixmap()
        if body.media_type.startswith("image/") and pixmap.loadFromData(body.content):
            notes.append(f"{pixmap.width()} × {pixmap.height()} px")
            self.image.setPixmap(pixmap)
            self.stack.setCurrentIndex(1)
            self.kind = "image"
        else:
            kind, text = render_text(body)
            if kind == "empty":
                text = "(no body)"
            elif kind == "hex":
                notes.append("binary, shown as hex")
            # Highlighting runs over every line when the text is set: not for huge bodies.
            self.highlighter.enabled = kind == "json" and len(text) <= HIGHLIGHT_LIMIT_CHARS
            self.text.setPlainText(text)
            self.stack.setCurrentIndex(0)
            self.kind = kind
        # "No body" in the notice says it all; an empty box would take the headers' room.
        self.stack.setVisible(self.kind != "empty")
        self.notice.setText(" · ".join(notes) if notes else "No body")

    def clear(self) -> None:
        self.text.clear()
        self.image.clear()
        self.notice.clear()
        self.kind = "empty"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
