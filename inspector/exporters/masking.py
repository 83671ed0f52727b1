"""Id masking for destinations: consumer ids as ReadMe's SDK masks them."""

from __future__ import annotations

from inspector.config import fingerprint, is_fingerprint
from inspector.config.defaults import REDACTED

__all__ = ["REDACTED", "fingerprint", "is_fingerprint", "masked_id"]


def masked_id(value: str) -> str:
    """ReadMe's `group.id`: an id already stored as a fingerprint stays as it is."""
    return value if is_fingerprint(value) else fingerprint(value)
