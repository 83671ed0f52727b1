"""What reading a capture database can go wrong with, as one sentence that names the file.

Read commands wrap their work in `reading(path)`: a damaged file (SQLite's "malformed", text that
is not UTF-8, a lost column) is bad input, exit 2; a locked or unreadable one is a run-time
failure, exit 1. Query code stays free of this: it is the command line's edge.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from inspector.errors import InspectorError


class DamagedValueError(ValueError):
    """A stored value of a type our schema never writes: the file was damaged."""


# What SQLite says of a file that was damaged (anything else, such as "locked", "disk I/O
# error" or "unable to open", is a run-time failure, exit 1).
_DAMAGE = ("malformed", "not a database", "decode", "no such column", "no such table", "corrupt")
# What SQLite says of a query beyond its limits: the filter's fault, not the file's.
_TOO_COMPLEX = ("parser stack overflow", "too large", "too many")


def database_failure(path: Path, exc: Exception) -> InspectorError:
    """The user-facing error for an exception raised while reading the database at `path`."""
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if len(message) > 120:
        message = message[:119] + "…"
    lowered = message.lower()
    if isinstance(exc, sqlite3.DatabaseError) and any(word in lowered for word in _TOO_COMPLEX):
        return InspectorError(
            f"The filter is too complex for SQLite ({message}): "
            "nest fewer negated groups or split it into several runs."
        )
    damaged = not isinstance(exc, sqlite3.DatabaseError) or any(word in lowered for word in _DAMAGE)
    if not damaged:
        failure = InspectorError(f"Reading {path} failed: {message}.")
        failure.exit_code = 1
        return failure
    return InspectorError(
        f"{path} is damaged and cannot be read ({message}). "
        f"`sqlite3 {path} .recover` may rescue what is left."
    )


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Turn what a damaged or unavailable database raises into one clear InspectorError."""
    try:
        yield
    except (
        sqlite3.DatabaseError,
        json.JSONDecodeError,
        UnicodeDecodeError,
        DamagedValueError,
    ) as exc:
        raise database_failure(path, exc) from None
