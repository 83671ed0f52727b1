"""Bodies shown the way their type reads best; truncation and redaction stated."""

from __future__ import annotations

import base64

import pytest
from pytestqt.qtbot import QtBot

from inspector.gui.views.body_view import BodyView, hex_dump, render_text
from inspector.model import Body

pytestmark = pytest.mark.gui

# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _body(content: bytes, content_type: str, **kw: object) -> Body:
    return Body(content=content, size=len(content), wire_size=len(content),
                content_type=content_type, **kw)  # type: ignore[arg-type]  # fmt: skip


def test_json_is_pretty_printed() -> None:
    assert render_text(_body(b'{"a":[1,2]}', "application/json")) == (
        "json",
        '{\n  "a": [\n    1,\n    2\n  ]\n}',
    )


def test_forms_are_listed_field_by_field() -> None:
    kind, text = render_text(_body(b"name=Ada+L&role=admin", "application/x-www-form-urlencoded"))
    assert (kind, text) == ("form", "name = Ada L\nrole = admin")


def test_binary_is_shown_as_hex() -> None:
    kind, text = render_text(_body(b"\x00\x01AB", "application/octet-stream"))
    assert kind == "hex"
    assert text == "00000000  00 01 41 42" + " " * 36 + "  |..AB|"  # hex padded to 47
    assert hex_dump(bytes(40), limit=16).endswith("… 24 more bytes not shown")


def test_images_are_previewed(qtbot: QtBot) -> None:
    view = BodyView()
    qtbot.addWidget(view)
    view.show_body(_body(PNG, "image/png"))
    assert view.kind == "image"
    assert "1 × 1 px" in view.notice.text()


def test_truncation_and_redaction_are_stated(qtbot: QtBot) -> None:
    view = BodyView()
    qtbot.addWidget(view)
    content = b'{"token": "[REDACTED]", "items": [1, 2'
    view.show_body(Body(content=content, size=5000, wire_size=5000, truncated=True,
                        content_type="application/json"))  # fmt: skip
    notice = view.notice.text()
    assert "truncated" in notice and "4.9 KB" in notice
    assert "[REDACTED]" in notice
    assert view.text.toPlainText() == content.decode()  # shown as kept, not re-formatted
