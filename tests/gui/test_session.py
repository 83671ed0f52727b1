"""The window's state without a window: which database, which filter and consumer, the proxy."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from inspector.gui.capture_process import CaptureProcess, CaptureState
from inspector.gui.session import Session
from inspector.proxy_modes import ProxySettings
from inspector.store import DatabaseError, open_db, write_batch
from inspector.store.filters import MATCH_ALL, SqlFilter, compile_filter
from inspector.testing import make_exchange

pytestmark = pytest.mark.gui


@pytest.fixture
def capture(capture_settings: ProxySettings) -> Iterator[CaptureProcess]:
    process = CaptureProcess(capture_settings)  # not started: the session only holds it
    yield process
    process.stop_and_wait()


@pytest.fixture
def session(
    qtbot: QtBot, db: sqlite3.Connection, db_path: Path, capture: CaptureProcess
) -> Session:
    return Session(db_path, capture)  # on an existing capture file, as the app opens one


def _count(path: Path) -> int:
    conn = open_db(path, readonly=True)
    try:
        return int(conn.execute("SELECT count(*) FROM exchanges").fetchone()[0])
    finally:
        conn.close()


def test_the_selection_is_the_filter_text_and_the_consumer_announced_once_each(
    qtbot: QtBot, session: Session
) -> None:
    seen: list[SqlFilter] = []
    session.selection_changed.connect(seen.append)
    text = compile_filter("status:5xx")
    consumer = SqlFilter("e.consumer_id = ?", (7,))
    session.set_text_filter(text)
    session.set_text_filter(text)  # the same again: nothing to redo
    session.set_consumer_filter(consumer)
    assert seen == [text, text.and_(consumer)]
    assert session.selection == text.and_(consumer)
    session.set_consumer_filter(MATCH_ALL)
    assert seen[-1] == text


def test_opening_another_file_shows_it_read_only_and_a_bad_one_changes_nothing(
    qtbot: QtBot, session: Session, tmp_path: Path, db: sqlite3.Connection
) -> None:
    other = tmp_path / "other.db"
    conn = open_db(other)
    write_batch(conn, [make_exchange(path="/elsewhere")])
    conn.close()
    shown: list[Path] = []
    session.database_changed.connect(shown.append)

    session.open(other)
    assert shown == [other] and session.db_path == other and not session.showing_capture
    not_ours = tmp_path / "notes.txt"
    not_ours.write_text("not a database")
    with pytest.raises(DatabaseError):
        session.open(not_ours)
    assert session.db_path == other and shown == [other]
    session.show_live_capture()
    showing_capture: bool = session.showing_capture  # read afresh, not the `not` asserted above
    assert showing_capture and shown[-1] == session.capture_db


def test_clear_swaps_in_an_empty_file_and_announces_it(
    qtbot: QtBot, session: Session, db: sqlite3.Connection, db_path: Path
) -> None:
    write_batch(db, [make_exchange(path="/old")])
    db.close()
    shown: list[Path] = []
    session.database_changed.connect(shown.append)
    assert session.clear()
    assert shown == [db_path] and _count(db_path) == 0
    assert session.capture is not None and not session.capture.is_running  # it was not before


def test_a_file_replaced_behind_the_session_is_followed(
    qtbot: QtBot, session: Session, db_path: Path, db: sqlite3.Connection
) -> None:
    db.close()
    assert not session.follow_replaced()  # nothing happened yet
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    assert not session.follow_replaced()  # gone, nothing new yet
    conn = open_db(db_path)  # what a capture does when its file goes (same inode, often)
    write_batch(conn, [make_exchange(path="/new")])
    conn.close()
    assert session.follow_replaced()
    assert not session.follow_replaced()  # once


def test_browsing_without_a_proxy_is_read_only_and_has_nothing_to_clear(
    qtbot: QtBot, db_path: Path, db: sqlite3.Connection
) -> None:
    session = Session(db_path, None)
    assert session.read_only_view and not session.clear()
    assert session.apply_capture_settings("127.0.0.1:0", "regular") is None
    assert session.proxy_address()[0] == "127.0.0.1:8080"


def test_a_mode_without_a_scheme_is_refused_before_any_restart(
    qtbot: QtBot, session: Session
) -> None:
    problem = session.apply_capture_settings("127.0.0.1:0", "reverse:127.0.0.1:18600")
    assert problem is not None and problem.startswith("The mode")
    assert session.capture is not None and not session.capture.is_running


def test_a_clear_that_fails_keeps_the_capture_running_into_the_old_file(
    qtbot: QtBot, session: Session, tmp_path: Path, db_path: Path
) -> None:
    capture = session.capture
    assert capture is not None
    capture.start()
    qtbot.waitUntil(lambda: capture.state == CaptureState.LISTENING, timeout=30_000)
    # An immutable directory refuses the rename Clear starts with (root included).
    made = subprocess.run(["chattr", "+i", str(db_path.parent)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"needs chattr on this filesystem: {made.stderr.decode().strip()}")
    try:
        with pytest.raises(OSError):
            session.clear()
    finally:
        subprocess.run(["chattr", "-i", str(db_path.parent)], check=True)
    qtbot.waitUntil(lambda: capture.state == CaptureState.LISTENING, timeout=30_000)
    assert db_path.exists()
