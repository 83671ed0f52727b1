"""Plain settings records: `[capture]` (with retention) and the `[redact]` lists as loaded."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from inspector.config.defaults import DEFAULT_MAX_BODY_BYTES

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib|tb|tib)?\s*$", re.IGNORECASE)
_MB = {"b": 1 / 2**20, "kb": 1 / 1024, "kib": 1 / 1024, "mb": 1, "mib": 1, "gb": 1024,
       "gib": 1024, "tb": 2**20, "tib": 2**20}  # fmt: skip


def parse_duration_seconds(text: str) -> int:
    """`7d` -> 604800; units s, m, h, d, w (none means seconds). Raises ValueError."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a duration such as 90s, 15m, 12h, 7d or 2w")
    return round(float(match.group(1)) * _SECONDS[match.group(2).lower()])


def parse_size_mb(text: str) -> int:
    """`2GB` -> 2048, `512MB` -> 512 (binary units; a bare number is MB). Raises ValueError."""
    match = _SIZE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a size such as 512MB or 2GB")
    return max(1, round(float(match.group(1)) * _MB[(match.group(2) or "mb").lower()]))


@dataclass(frozen=True, slots=True)
class Retention:
    """How much history to keep; capture prunes beyond it (inspector.store.retention)."""

    max_age_seconds: int | None = None
    max_exchanges: int | None = None
    max_db_mb: int | None = None


@dataclass(frozen=True, slots=True)
class CaptureSettings:
    """`[capture]`: what is recorded, and how much of each body."""

    hosts: tuple[str, ...] = ()
    exclude_paths: tuple[str, ...] = ()  # effective regexes, built-in ones included
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    openapi: str = ""  # resolved against the configuration file's folder; "" for none
    retention: Retention = field(default_factory=Retention)


@dataclass(frozen=True, slots=True)
class RedactSettings:
    """`[redact]` as it applies: effective lists, built-in entries included."""

    deny: tuple[str, ...]
    allow: tuple[str, ...]
    mask: tuple[str, ...]
    builtin: bool  # the built-in deny list and card-number mask are in force
    not_secret: tuple[str, ...] = ()  # names declared harmless here; they beat the deny list
