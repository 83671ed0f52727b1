"""Copy as cURL: the command replays the request when pasted into a shell."""

from __future__ import annotations

import shlex

from inspector.gui.curl import as_curl
from inspector.model import Body
from inspector.testing.factories import make_exchange


def test_a_post_with_json_replays_method_headers_and_body() -> None:
    exchange = make_exchange(
        method="POST", path="/orders", query="dry=1",
        request_headers=(("Host", "localhost:8000"), ("Content-Type", "application/json"),
                         ("X-Note", "it's \"quoted\""), ("Accept-Encoding", "gzip")),
        request_json={"item": "O'Brien"},
    )  # fmt: skip
    command = as_curl(exchange)
    words = shlex.split(command.replace("\\\n", " "))
    assert words[:2] == ["curl", "http://localhost:8000/orders?dry=1"]
    assert words[words.index("-X") + 1] == "POST"
    headers = [words[i + 1] for i, word in enumerate(words) if word == "-H"]
    assert headers == ["Content-Type: application/json", 'X-Note: it\'s "quoted"']
    assert words[words.index("--data-raw") + 1] == '{"item": "O\'Brien"}'
    assert "--compressed" in words


def test_a_plain_get_is_short() -> None:
    assert as_curl(make_exchange(request_headers=())) == "curl http://localhost:8000/users/42"


def test_a_binary_body_is_not_inlined() -> None:
    body = Body(
        content=b"\x00\x01\x02", size=3, wire_size=3, content_type="application/octet-stream"
    )
    command = as_curl(make_exchange(method="PUT", request_headers=(), request_body=body))
    assert command.endswith("--data-binary @body.bin  # 3 bytes of binary body")
