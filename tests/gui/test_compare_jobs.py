"""The Compare window's work: which traffic each side holds (another file, or two windows of the
one the app shows, both narrowed by the app's filter), the side labels, and the errors it gives."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from inspector.errors import InspectorError
from inspector.gui.compare_jobs import CompareRequest, run_comparison
from inspector.store import open_db, write_batch
from inspector.store.filters import FilterError
from inspector.testing import make_exchange


def _file(path: Path, count: int, status: int = 200) -> Path:
    conn = open_db(path)
    try:
        write_batch(conn, [make_exchange(path=f"/f/{i}", status=status) for i in range(count)])
    finally:
        conn.close()
    return path


def _compare(head: sqlite3.Connection, request: CompareRequest) -> tuple[int, int]:
    report = run_comparison(head, request, request.selections(), threading.Event())
    return report.base_requests, report.head_requests


def test_another_file_against_the_shown_one_both_narrowed_by_the_app_filter(
    db: sqlite3.Connection, db_path: Path, tmp_path: Path
) -> None:
    write_batch(db, [make_exchange(status=500 if i < 3 else 200) for i in range(10)])
    base = _file(tmp_path / "yesterday.db", 4, status=503)
    request = CompareRequest(head_db=db_path, base_db=base, app_filter="status:5xx")
    assert _compare(db, request) == (4, 3)
    assert (request.label("base"), request.label("head")) == ("yesterday.db", "capture.db")


def test_two_windows_of_the_shown_file(db: sqlite3.Connection, db_path: Path) -> None:
    write_batch(db, [make_exchange(method="POST" if i % 4 == 0 else "GET") for i in range(12)])
    request = CompareRequest(db_path, None, base_filter="method:POST", head_filter="method:GET")
    assert _compare(db, request) == (3, 9)
    assert request.label("base") == "capture.db [method:POST]"
    assert request.label("head") == "capture.db [method:GET]"


def test_a_bad_filter_says_where_before_anything_is_read(db_path: Path) -> None:
    with pytest.raises(FilterError) as error:
        CompareRequest(
            db_path, None, app_filter="status:200", head_filter='path:"/a b'
        ).selections()
    assert error.value.position == 5


def test_an_empty_side_and_an_unreadable_file_are_errors_that_name_them(
    db: sqlite3.Connection, db_path: Path, tmp_path: Path
) -> None:
    write_batch(db, [make_exchange()])
    empty = CompareRequest(db_path, None, base_filter="status:404")
    with pytest.raises(InspectorError, match=r"base side \(capture\.db \[status:404\]\) holds no"):
        _compare(db, empty)
    not_a_capture = tmp_path / "notes.db"
    not_a_capture.write_text("just text " * 500)
    with pytest.raises(InspectorError, match=r"notes\.db"):
        _compare(db, CompareRequest(db_path, not_a_capture))
    with pytest.raises(InspectorError, match=r"missing\.db"):
        _compare(db, CompareRequest(db_path, tmp_path / "missing.db"))


def test_closing_the_window_stops_reading_a_large_base_file(
    db: sqlite3.Connection, db_path: Path, tmp_path: Path
) -> None:
    write_batch(db, [make_exchange()])
    base = _file(tmp_path / "big.db", 3_000)
    request = CompareRequest(db_path, base)
    cancelled = threading.Event()
    cancelled.set()
    # Interrupted by SQLite's progress check, and not reported as a broken file.
    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        run_comparison(db, request, request.selections(), cancelled)
