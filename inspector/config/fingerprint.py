"""fingerprint(): ReadMe's masking of a credential used as a consumer id."""

from __future__ import annotations

import base64
import functools
import hashlib
import re

_MIN_LENGTH_FOR_TAIL = 16
_FINGERPRINT = re.compile(r"sha512-[A-Za-z0-9+/]{86}==\?.{0,4}", re.DOTALL)


def fingerprint(value: str) -> str:
    """`sha512-<base64 of sha512(utf-8 value)>?<last 4 characters>`.

    The format ReadMe Metrics uses for `group.id` (ssri integrity with the tail as an option), so
    the same consumer shows up under the same id here and in ReadMe's dashboard. Unlike ReadMe,
    a value shorter than 16 characters keeps no clear tail: its last 4 would be a quarter or
    more of the secret, and all of a 4-character one.
    """
    return _fingerprint(value)


# Consumers repeat: hashing each credential once per process keeps process() fast.
@functools.lru_cache(maxsize=4096)
def _fingerprint(value: str) -> str:
    digest = hashlib.sha512(value.encode("utf-8", "surrogatepass")).digest()
    tail = value[-4:] if len(value) >= _MIN_LENGTH_FOR_TAIL else ""
    return f"sha512-{base64.b64encode(digest).decode('ascii')}?{tail}"


def is_fingerprint(value: str) -> bool:
    """True for a value fingerprint() produced (so it is never fingerprinted twice)."""
    return _FINGERPRINT.fullmatch(value) is not None
