"""Every file destination, by name: what the CLI's `export har|ndjson` and the app's export
dialog both write. A format is its names and its writer; reading the selection and reporting
what was written are here once, so the two front ends differ only in how they show progress
and where the text goes (the CLI also writes to standard output)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from inspector.model import Exchange

if TYPE_CHECKING:  # the store is loaded by an export, not by listing the destinations
    from inspector.store.filters import SqlFilter

Rows = Iterable[tuple[int, Exchange]]  # (row id, exchange), as the store yields them


@dataclass(frozen=True)
class FileFormat:
    name: str  # the `inspector export` subcommand
    label: str  # in "Wrote 3 exchanges to out.har as HAR."
    title: str  # in the app's list of destinations
    help: str  # the subcommand's help
    write: Callable[[TextIO, Rows], int]  # writes every row, returns how many


def _write_har(out: TextIO, rows: Rows) -> int:
    from inspector.exporters.har import write_har

    return write_har(out, (exchange for _, exchange in rows))


def _write_ndjson(out: TextIO, rows: Rows) -> int:
    from inspector.exporters.ndjson import write_ndjson

    return write_ndjson(out, rows)


FILE_FORMATS = {
    "har": FileFormat(
        "har",
        "HAR",
        "HAR 1.2 file",
        """Write a HAR 1.2 file (opens in browser devtools and other HTTP inspectors).

        Binary bodies are base64, timestamps carry their UTC offset, and `_` fields keep
        consumer, endpoint, error and id, so `inspector import` restores the same exchanges.
        """,
        _write_har,
    ),
    "ndjson": FileFormat(
        "ndjson",
        "NDJSON",
        "NDJSON file",
        """Write one JSON object per line and exchange: the fields of `inspector requests --json`
        plus uid, headers and bodies (text, or base64 with "encoding": "base64").""",
        _write_ndjson,
    ),
}


def selected_rows(
    conn: sqlite3.Connection, sql_filter: SqlFilter
) -> tuple[int, Iterator[tuple[int, Exchange]]]:
    """How many exchanges `sql_filter` selects (for a progress bar), and the exchanges, oldest
    first, read a thousand at a time so memory stays flat whatever the capture's size."""
    from inspector.store import iter_exchanges
    from inspector.store.queries import count_requests
    from inspector.store.selection import Selection

    total = count_requests(conn, Selection(sql_filter))
    return total, iter_exchanges(conn, sql_filter, batch_size=1000)


def written_line(written: int, where: str, file_format: FileFormat) -> str:
    """The closing line of a file export, the same in the terminal and in the app."""
    plural = "exchange" if written == 1 else "exchanges"
    return f"Wrote {written:,} {plural} to {where} as {file_format.label}"
