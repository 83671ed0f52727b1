"""Swapping the capture database file: what Clear does, instantly at any size."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from inspector.store import open_db


def replace_database(path: Path) -> None:
    """Move the old file (and its WAL and shared memory) aside, delete it, create a new one.

    The proxy must be stopped first. Renaming before deleting means a crash in between leaves
    either the old capture or nothing, never a half-deleted file under the old name.
    """
    aside = path.with_name(path.name + ".cleared")
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            os.replace(source, Path(f"{aside}{suffix}"))
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{aside}{suffix}").unlink()
    open_db(path).close()
