"""Destination deny/allow lists and ReadMe id masking."""

from __future__ import annotations

import json

from inspector.config import fingerprint
from inspector.exporters.masking import REDACTED, KeyLists, masked_id


def test_deny_matches_any_case_at_any_depth() -> None:
    lists = KeyLists.of(deny=["Password"])
    text = json.dumps({"user": {"PASSWORD": "x", "items": [{"password": 1}]}, "ok": "y"})
    assert json.loads(lists.json_text(text)) == {
        "user": {"PASSWORD": REDACTED, "items": [{"password": REDACTED}]}, "ok": "y",
    }  # fmt: skip
    assert lists.pairs([("password", "a"), ("q", "b")]) == [("password", REDACTED), ("q", "b")]


def test_allow_keeps_only_listed_keys_and_deny_still_wins() -> None:
    lists = KeyLists.of(deny=["id"], allow=["id", "name"])
    assert lists.pairs([("id", "1"), ("name", "n"), ("email", "e")]) == [
        ("id", REDACTED), ("name", "n"), ("email", REDACTED),
    ]  # fmt: skip


def test_untouched_or_non_json_text_is_returned_as_is() -> None:
    lists = KeyLists.of(deny=["secret"])
    original = '{ "a" :  1 }'
    assert lists.json_text(original) == original
    assert lists.json_text("not json secret=1") == "not json secret=1"
    assert KeyLists().json_text('{"secret": 1}') == '{"secret": 1}'


def test_masked_id_is_idempotent() -> None:
    once = masked_id("owl-key-1234-abcd-5678")
    assert once == fingerprint("owl-key-1234-abcd-5678") and once.endswith("?5678")
    assert masked_id(once) == once
