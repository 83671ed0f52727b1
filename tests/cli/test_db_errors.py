"""What reading a capture database can go wrong with: one sentence naming the file, exit 2 for a
damaged file (with the way to rescue it), exit 1 for one that is only unavailable."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from inspector.cli.db_errors import DamagedValueError, database_failure, reading
from inspector.errors import InspectorError

DB = Path("/data/capture.db")


@pytest.mark.parametrize(
    "exc",
    [
        sqlite3.DatabaseError("database disk image is malformed"),
        sqlite3.DatabaseError("file is not a database"),
        sqlite3.OperationalError("no such column: e.endpoint"),
        sqlite3.OperationalError("no such table: exchanges"),
        json.JSONDecodeError("Expecting value", "{", 1),
        UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
        DamagedValueError("a float where a text was stored"),
    ],
)
def test_a_damaged_file_is_bad_input_with_the_way_to_rescue_it(exc: Exception) -> None:
    error = database_failure(DB, exc)
    assert error.exit_code == 2
    assert str(error).startswith(f"{DB} is damaged and cannot be read (")
    assert str(error).endswith(f"`sqlite3 {DB} .recover` may rescue what is left.")


@pytest.mark.parametrize(
    "message", ["database is locked", "disk I/O error", "unable to open database file"]
)
def test_an_unavailable_file_is_a_run_time_failure(message: str) -> None:
    error = database_failure(DB, sqlite3.OperationalError(message))
    assert error.exit_code == 1
    assert str(error) == f"Reading {DB} failed: {message}."


def test_a_filter_beyond_sqlite_limits_blames_the_filter_not_the_file() -> None:
    error = database_failure(DB, sqlite3.OperationalError("parser stack overflow"))
    assert error.exit_code == 2
    assert str(error).startswith("The filter is too complex for SQLite (parser stack overflow)")
    assert str(DB) not in str(error)


def test_a_long_or_multi_line_cause_is_cut_to_one_short_line() -> None:
    error = database_failure(DB, sqlite3.DatabaseError("malformed " + "x" * 500 + "\nsecond"))
    assert "second" not in str(error) and "\n" not in str(error)
    cause = str(error).split("(", 1)[1].split(")", 1)[0]
    assert len(cause) == 120 and cause.endswith("…")


def test_a_cause_without_words_is_named_by_its_type() -> None:
    assert "(DamagedValueError)" in str(database_failure(DB, DamagedValueError()))


def test_reading_turns_what_a_real_damaged_file_raises_into_one_error(tmp_path: Path) -> None:
    path = tmp_path / "capture.db"
    path.write_bytes(b"this is a text file, not SQLite " * 200)
    with pytest.raises(InspectorError) as caught, reading(path):
        sqlite3.connect(path).execute("SELECT * FROM exchanges").fetchall()
    assert caught.value.exit_code == 2
    assert str(caught.value).startswith(f"{path} is damaged and cannot be read (file is not a")
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_reading_lets_other_errors_through() -> None:
    with pytest.raises(KeyError), reading(DB):
        raise KeyError("a bug, not a damaged file")
