"""Readable, distinct consumer names for fingerprinted credentials."""

from __future__ import annotations

from inspector.config import fingerprint
from inspector.consumer_names import display_name


def test_a_label_wins_and_plain_ids_stay() -> None:
    assert display_name(fingerprint("key-acme-long-0001"), "Acme Corp") == "Acme Corp"
    assert display_name("user-42") == "user-42"


def test_fingerprints_read_as_keys_and_stay_distinct() -> None:
    long_a, long_b = fingerprint("live-key-aaaaaaaa-0001"), fingerprint("live-key-bbbbbbbb-0001")
    short_a, short_b = fingerprint("k1"), fingerprint("k2")
    names = [display_name(f) for f in (long_a, long_b, short_a, short_b)]
    assert names[0].startswith("key …0001 (") and names[1].startswith("key …0001 (")
    assert names[2].startswith("key ") and "…" not in names[2]
    assert len(set(names)) == 4  # same tail, or no tail: still told apart
    assert all("sha512" not in name and len(name) <= 20 for name in names)
