"""How a consumer reads to a person: its label, or a short name that tells fingerprints apart.

A consumer drawn from a credential is stored as `sha512-<hash>?<last 4>`: unreadable whole, and
cut to `sha512-…` it makes every key look alike. The short name keeps the last 4 characters
when the fingerprint has them and a few characters of the hash either way, so two keys ending
in the same 4 characters, or short keys with no tail at all, still read differently.
"""

from __future__ import annotations

from inspector.config.fingerprint import is_fingerprint

_HASH_CHARS = 6


def display_name(identifier: str, label: str = "") -> str:
    """`Acme Corp` (a label wins), `key …0001 (3kF9aQ)`, `key 3kF9aQ`, or the id as it is."""
    if label:
        return label
    if not is_fingerprint(identifier):
        return identifier
    digest, _, tail = identifier.removeprefix("sha512-").rpartition("?")
    short = "".join(char for char in digest if char.isalnum())[:_HASH_CHARS]
    return f"key …{tail} ({short})" if tail else f"key {short}"
