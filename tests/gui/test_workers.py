"""QueryRunner: only the newest query of a channel reaches its callback, whatever finishes last."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from inspector.gui.workers import QueryRunner
from inspector.store import write_batch
from inspector.testing import make_exchange


def _count_after(
    gate: threading.Event, label: str
) -> Callable[[sqlite3.Connection], tuple[str, int]]:
    """A query that waits for `gate`, then answers with `label` and the row count."""

    def query(conn: sqlite3.Connection) -> tuple[str, int]:
        assert gate.wait(10), "the test never opened the gate"
        return label, conn.execute("SELECT count(*) FROM exchanges").fetchone()[0]

    return query


def test_a_slow_old_answer_never_overwrites_the_newer_one(
    qtbot: QtBot, db: sqlite3.Connection, db_path: Path
) -> None:
    write_batch(db, [make_exchange(path=f"/r/{i}") for i in range(3)])
    runner = QueryRunner(db_path)
    delivered: list[tuple[str, int]] = []
    slow, fast = threading.Event(), threading.Event()
    runner.submit("page", _count_after(slow, "old filter"), delivered.append)
    runner.submit("page", _count_after(fast, "new filter"), delivered.append)
    fast.set()
    qtbot.waitUntil(lambda: delivered == [("new filter", 3)], timeout=5000)
    slow.set()  # the old query finishes last
    assert runner.wait_idle()
    qtbot.wait(100)  # give its queued signal the chance to arrive
    assert delivered == [("new filter", 3)]
    assert not runner.is_busy("page")


def test_channels_do_not_cancel_each_other(
    qtbot: QtBot, db: sqlite3.Connection, db_path: Path
) -> None:
    runner = QueryRunner(db_path)
    seen: dict[str, object] = {}
    gate = threading.Event()
    gate.set()
    runner.submit("page", _count_after(gate, "page"), lambda r: seen.__setitem__("page", r))
    runner.submit("count", _count_after(gate, "count"), lambda r: seen.__setitem__("count", r))
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    assert seen == {"page": ("page", 0), "count": ("count", 0)}


def test_switching_database_drops_answers_on_their_way(
    qtbot: QtBot, db: sqlite3.Connection, db_path: Path, tmp_path: Path
) -> None:
    runner = QueryRunner(db_path)
    delivered: list[object] = []
    gate = threading.Event()
    runner.submit("page", _count_after(gate, "old file"), delivered.append)
    runner.set_database(tmp_path / "other.db")
    gate.set()
    assert runner.wait_idle()
    qtbot.wait(100)
    assert delivered == []


def test_only_the_current_query_reports_its_error(
    qtbot: QtBot, db: sqlite3.Connection, db_path: Path
) -> None:
    runner = QueryRunner(db_path)
    errors: list[str] = []
    gate = threading.Event()

    def failing(conn: sqlite3.Connection) -> None:
        gate.wait(10)
        conn.execute("SELECT nope FROM exchanges")

    runner.submit("page", failing, print, errors.append)
    runner.submit("page", failing, print, errors.append)
    gate.set()
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=5000)
    assert runner.wait_idle()
    qtbot.wait(100)
    assert len(errors) == 1 and "nope" in errors[0]
