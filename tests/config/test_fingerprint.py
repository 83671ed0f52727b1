"""fingerprint(): ReadMe's id masking, byte for byte."""

from __future__ import annotations

import base64
import hashlib

from inspector.config import fingerprint, is_fingerprint


def test_fingerprint_is_readme_masking() -> None:
    key = "rdme_goldenTESTkey1234"
    expected = base64.b64encode(hashlib.sha512(key.encode()).digest()).decode()
    assert fingerprint(key) == f"sha512-{expected}?1234"


def test_fingerprint_never_contains_more_than_the_last_four_characters() -> None:
    value = "sk_live_abcdefghijklmnop"
    masked = fingerprint(value)
    assert value not in masked
    assert value[:-4] not in masked
    assert len(masked) <= 128  # fits the consumer id limit


def test_short_values_keep_no_clear_tail() -> None:
    assert fingerprint("ab").endswith("?")
    assert fingerprint("fifteen-chars-x").endswith("?")
    assert fingerprint("sixteen-chars-xy").endswith("?s-xy")


def test_is_fingerprint_recognises_only_fingerprints() -> None:
    assert is_fingerprint(fingerprint("key-1"))
    assert not is_fingerprint("key-1")
    assert not is_fingerprint("sha512-short?1234")
