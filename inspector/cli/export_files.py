"""`inspector export har` and `inspector export ndjson`: write what a filter selects to a file."""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import click

from inspector.cli.app import db_option
from inspector.cli.db_errors import reading
from inspector.cli.export import export_group
from inspector.cli.filter_option import compile_cli_filter, filter_option
from inspector.exporters.file_formats import FILE_FORMATS, FileFormat, selected_rows, written_line
from inspector.exporters.files import ExportFileError, replacing_file
from inspector.model import Exchange


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


def _run(db_path: Path, filter_text: str, output: str, file_format: FileFormat) -> None:
    from inspector.store import open_db

    conn = open_db(db_path, readonly=True)
    try:
        started = time.perf_counter()
        try:
            # A damaged database fails the export before the file is renamed into place.
            with reading(db_path), _output(output) as out:
                total, rows = selected_rows(conn, compile_cli_filter(filter_text))
                label = f"Writing {file_format.label}"
                written = file_format.write(out, _with_progress(rows, total, label))
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
    click.echo(f"{written_line(written, where, file_format)}{rate}.", err=True)


_filter_option = filter_option(
    help="Export only the exchanges this filter selects (the language of `inspector requests`)."
)
_output_option = click.option(
    "-o",
    "--output",
    required=True,
    metavar="FILE",
    help="The file to write (replaced when the export succeeds), or - for standard output.",
)


def _command(file_format: FileFormat) -> click.Command:
    def command(db_path: Path, filter_text: str, output: str) -> None:
        _run(db_path, filter_text, output, file_format)

    for decorator in (_output_option, _filter_option, db_option):
        command = decorator(command)
    return click.command(file_format.name, help=file_format.help)(command)


for _file_format in FILE_FORMATS.values():
    export_group.add_command(_command(_file_format))
