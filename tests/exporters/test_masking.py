"""A destination's own deny/allow lists (ReadMe's denylist) use capture's redaction engine."""

from __future__ import annotations

import json

from inspector.config import fingerprint, key_list_redaction
from inspector.exporters.masking import REDACTED, masked_id
from inspector.model import Body
from inspector.testing.factories import make_exchange


def test_deny_matches_any_case_at_any_depth_and_in_queries_and_headers() -> None:
    redact = key_list_redaction(["Password"], [])
    exchange = redact(make_exchange(
        query="password=a&q=b",
        request_headers=(("Password", "h"), ("Accept", "*/*")),
        json_body={"user": {"PASSWORD": "x", "items": [{"password": 1}]}, "ok": "y"},
    ))  # fmt: skip
    assert json.loads(exchange.response_body.content) == {
        "user": {"PASSWORD": REDACTED, "items": [{"password": REDACTED}]}, "ok": "y",
    }  # fmt: skip
    assert exchange.query == f"password={REDACTED}&q=b"
    assert exchange.request_headers == (("Password", REDACTED), ("Accept", "*/*"))


def test_a_truncated_json_body_keeps_no_denied_value() -> None:
    # ReadMe's own lists used to parse JSON only, so a cut-off body went out in clear.
    content = b'{"items": [1, 2], "internal_note": "do not send", "nested": {"a'
    body = Body(content=content, size=10 * len(content), truncated=True,
                content_type="application/json")  # fmt: skip
    exchange = key_list_redaction(["internal_note"], [])(make_exchange(response_body=body))
    assert b"do not send" not in exchange.response_body.content
    assert b'"internal_note":"[REDACTED]"' in exchange.response_body.content.replace(b" ", b"")


def test_globs_work_as_in_the_configuration_file() -> None:
    exchange = key_list_redaction(["x-internal-*"], [])(
        make_exchange(request_headers=(("X-Internal-Trace", "t1"), ("X-Other", "o")))
    )
    assert exchange.request_headers == (("X-Internal-Trace", REDACTED), ("X-Other", "o"))


def test_allow_keeps_only_listed_keys_and_deny_still_wins() -> None:
    redact = key_list_redaction(["id"], ["id", "name"])
    exchange = redact(make_exchange(query="id=1&name=n&email=e"))
    assert exchange.query == f"id={REDACTED}&name=n&email={REDACTED}"


def test_untouched_text_is_returned_as_is() -> None:
    exchange = make_exchange(json_body={"a": 1})
    assert key_list_redaction(["secret"], [])(exchange) is exchange


def test_masked_id_is_idempotent() -> None:
    once = masked_id("owl-key-1234-abcd-5678")
    assert once == fingerprint("owl-key-1234-abcd-5678") and once.endswith("?5678")
    assert masked_id(once) == once
