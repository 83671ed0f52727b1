"""The Compare window's work, off the GUI thread: load both sides and compare them.

HEAD is always the database the app shows (the runner's connection); BASE is another capture
file, or a second window of the same one. The app's filter narrows both sides, as `inspector
compare --filter` does.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from inspector.compare.report import Report, compare
from inspector.compare.sides import Side, load_side, require_exchanges
from inspector.errors import InspectorError
from inspector.store import open_db
from inspector.store.filters import compile_filter
from inspector.store.selection import Selection

# SQLite steps between two looks at the cancel flag while reading the base file.
_PROGRESS_STEPS = 20_000


@dataclass(frozen=True)
class CompareRequest:
    """What to compare. `base_db` None: two windows of `head_db`."""

    head_db: Path
    base_db: Path | None
    app_filter: str = ""
    base_filter: str = ""
    head_filter: str = ""

    def selections(self) -> tuple[Selection, Selection]:
        """Base and head selections. FilterError (with its position) for a bad filter; compiled
        here, on the GUI thread, so `since:1h` means an hour before the click."""
        common = compile_filter(self.app_filter)
        base = compile_filter(self.base_filter)
        head = compile_filter(self.head_filter)
        return Selection(common.and_(base)), Selection(common.and_(head))

    def label(self, side: str) -> str:
        path = self.head_db if side == "head" or self.base_db is None else self.base_db
        window = self.base_filter if side == "base" else self.head_filter
        return path.name + (f" [{window}]" if window else "")


def run_comparison(
    head_conn: sqlite3.Connection,
    request: CompareRequest,
    selections: tuple[Selection, Selection],
    cancelled: threading.Event,
) -> Report:
    """Both sides loaded and compared; InspectorError for an unreadable file or an empty side."""
    base_selection, head_selection = selections
    if request.base_db is None:
        base = load_side(head_conn, base_selection, request.label("base"))
    else:
        base = _load_file(request.base_db, base_selection, request.label("base"), cancelled)
    require_exchanges(base, "base")
    head = require_exchanges(load_side(head_conn, head_selection, request.label("head")), "head")
    return compare(base, head)


def _load_file(path: Path, selection: Selection, label: str, cancelled: threading.Event) -> Side:
    conn = open_db(path, readonly=True)  # DatabaseError: not a capture, newer schema, missing
    # Closing the window stops a long read at SQLite's next progress check.
    conn.set_progress_handler(lambda: 1 if cancelled.is_set() else 0, _PROGRESS_STEPS)
    try:
        return load_side(conn, selection, label)
    except (sqlite3.DatabaseError, UnicodeDecodeError, ValueError) as exc:
        if cancelled.is_set():
            raise
        raise InspectorError(f"{path} cannot be read: {exc}") from None
    finally:
        conn.close()
