"""`inspector export har` and `inspector export ndjson`: write what a filter selects to a file."""

from __future__ import annotations

import contextlib
import io
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

import click

from inspector.cli.app import db_option
from inspector.cli.db_errors import reading
from inspector.cli.export import export_group
from inspector.exporters.files import ExportFileError, replacing_file
from inspector.model import Exchange


def _selected(
    conn: sqlite3.Connection, filter_text: str
) -> tuple[int, Iterator[tuple[int, Exchange]]]:
    from inspector.store import iter_exchanges
    from inspector.store.filters import compile_filter
    from inspector.store.queries import count_requests
    from inspector.store.selection import Selection

    sql_filter = compile_filter(filter_text)
    total = count_requests(conn, Selection(sql_filter))
    rows = iter_exchanges(conn, sql_filter, batch_size=1000)
    return total, rows


def _with_progress(
    rows: Iterator[tuple[int, Exchange]], total: int, label: str
) -> Iterator[tuple[int, Exchange]]:
    # A bar only for a person watching: scripts and pipes get the one-line summary alone.
    if not sys.stderr.isatty() or total < 1000:
        yield from rows
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        for done, row in enumerate(rows, 1):
            yield row
            if done % 500 == 0:
                bar.update(500)
        bar.update(total % 500)


@contextlib.contextmanager
def _output(target: str) -> Iterator[TextIO]:
    """Standard output for `-`; otherwise a private temporary file renamed into place on success,
    so a failed export never leaves a half-written file behind (nor clobbers an older one)."""
    if target == "-":
        # UTF-8 whatever the locale says: HAR and NDJSON are UTF-8 by definition.
        sys.stdout.flush()
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n")
        try:
            yield stream
            stream.flush()
        finally:
            stream.detach()  # leaves sys.stdout's buffer open for click and the interpreter
        return
    with replacing_file(Path(target)) as handle:
        yield handle


def _run(
    db_path: Path,
    filter_text: str,
    output: str,
    kind: str,
    write: Callable[[TextIO, Iterator[tuple[int, Exchange]]], int],
) -> None:
    from inspector.store import open_db

    conn = open_db(db_path, readonly=True)
    try:
        started = time.perf_counter()
        try:
            # A damaged database fails the export before the file is renamed into place.
            with reading(db_path), _output(output) as out:
                total, rows = _selected(conn, filter_text)
                written = write(out, _with_progress(rows, total, f"Writing {kind}"))
        except BrokenPipeError:
            # `inspector export ndjson -o - | head` is fine: the reader had enough. Point stdout at
            # /dev/null so the interpreter's final flush does not complain either.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return
        except OSError as exc:
            raise ExportFileError(f"Cannot write {output}: {exc.strerror or exc}.") from None
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    where = "standard output" if output == "-" else output
    rate = f" ({written / elapsed:,.0f}/s)" if elapsed > 0 and written else ""
    plural = "exchange" if written == 1 else "exchanges"
    click.echo(f"Wrote {written:,} {plural} to {where} as {kind}{rate}.", err=True)


_filter_option = click.option(
    "--filter",
    "-f",
    "filter_text",
    default="",
    metavar="EXPR",
    help="Export only the exchanges this filter selects (the language of `inspector requests`).",
)
_output_option = click.option(
    "-o",
    "--output",
    required=True,
    metavar="FILE",
    help="The file to write (replaced when the export succeeds), or - for standard output.",
)


@export_group.command("har")
@db_option
@_filter_option
@_output_option
def export_har(db_path: Path, filter_text: str, output: str) -> None:
    """Write a HAR 1.2 file (opens in browser devtools and other HTTP inspectors).

    Binary bodies are base64, timestamps carry their UTC offset, and `_` fields keep consumer,
    endpoint, error and id, so `inspector import` restores the same exchanges.
    """
    from inspector.exporters.har import write_har

    def write(out: TextIO, rows: Iterator[tuple[int, Exchange]]) -> int:
        return write_har(out, (exchange for _, exchange in rows))

    _run(db_path, filter_text, output, "HAR", write)


@export_group.command("ndjson")
@db_option
@_filter_option
@_output_option
def export_ndjson(db_path: Path, filter_text: str, output: str) -> None:
    """Write one JSON object per line and exchange: the fields of `inspector requests --json`
    plus uid, headers and bodies (text, or base64 with "encoding": "base64")."""
    from inspector.exporters.ndjson import write_ndjson

    _run(db_path, filter_text, output, "NDJSON", write_ndjson)
