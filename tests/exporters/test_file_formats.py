"""The file destinations: one writer per format, one way to read the selection, one closing line,
shared by `inspector export har|ndjson` and the app's export dialog."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from inspector.cli import main
from inspector.exporters.file_formats import FILE_FORMATS, selected_rows, written_line
from inspector.exporters.registry import DESTINATIONS
from inspector.store import write_batch
from inspector.store.filters import MATCH_ALL, compile_filter
from inspector.testing import make_exchange


def _fill(db: sqlite3.Connection, count: int) -> list[int]:
    return write_batch(db, [make_exchange(path=f"/items/{i}", status=500 if i % 3 == 0 else 200,
                                          started_at=1_000 + i) for i in range(count)])  # fmt: skip


def test_the_selection_is_counted_and_read_oldest_first_past_one_batch(
    db: sqlite3.Connection,
) -> None:
    ids = _fill(db, 2_500)  # more than the 1,000 read at a time
    total, rows = selected_rows(db, compile_filter("status:500"))
    read = [(row_id, exchange.path) for row_id, exchange in rows]
    expected = [(row_id, f"/items/{i}") for i, row_id in enumerate(ids) if i % 3 == 0]
    assert total == len(expected) == 834
    assert read == expected


@pytest.mark.parametrize("name", sorted(FILE_FORMATS))
def test_each_format_writes_every_row_and_counts_them(db: sqlite3.Connection, name: str) -> None:
    _fill(db, 5)
    out = io.StringIO()
    _, rows = selected_rows(db, MATCH_ALL)
    assert FILE_FORMATS[name].write(out, rows) == 5
    text = out.getvalue()
    if name == "har":
        paths = [entry["request"]["url"] for entry in json.loads(text)["log"]["entries"]]
    else:
        paths = [json.loads(line)["path"] for line in text.splitlines()]
    assert [path.rsplit("/", 2)[-2:] for path in paths] == [["items", str(i)] for i in range(5)]


@pytest.mark.parametrize("name", sorted(FILE_FORMATS))
def test_the_command_writes_what_the_format_writes(
    db: sqlite3.Connection, db_path: Path, tmp_path: Path, name: str
) -> None:
    _fill(db, 7)
    direct = io.StringIO()
    FILE_FORMATS[name].write(direct, selected_rows(db, compile_filter("status:200"))[1])
    out = tmp_path / f"export.{name}"
    result = CliRunner().invoke(
        main, ["export", name, "--db", str(db_path), "-f", "status:200", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == direct.getvalue()
    assert f"Wrote 4 exchanges to {out} as {FILE_FORMATS[name].label}" in result.output


def test_the_closing_line_counts_in_words_a_person_reads() -> None:
    har = FILE_FORMATS["har"]
    assert written_line(1, "a.har", har) == "Wrote 1 exchange to a.har as HAR"
    assert written_line(0, "a.har", har) == "Wrote 0 exchanges to a.har as HAR"
    assert written_line(1_234_567, "-", FILE_FORMATS["ndjson"]) == (
        "Wrote 1,234,567 exchanges to - as NDJSON"
    )


def test_file_and_service_destinations_never_share_a_name() -> None:
    # One `inspector export NAME` and one entry in the app's list per destination.
    assert not set(FILE_FORMATS) & set(DESTINATIONS)
    assert all(name == file_format.name for name, file_format in FILE_FORMATS.items())
