"""open_db: creates private WAL databases and refuses files it must not touch."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from inspector.store import DatabaseError, open_db


def test_new_database_is_wal_and_private(db_path: Path) -> None:
    conn = open_db(db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"exchanges", "consumers", "exchange_payloads", "exchanges_fts"} <= tables


def test_reopening_keeps_rows(db_path: Path) -> None:
    from inspector.store import write_batch
    from inspector.testing import make_exchange

    conn = open_db(db_path)
    write_batch(conn, [make_exchange()])
    conn.close()
    again = open_db(db_path)
    assert again.execute("SELECT count(*) FROM exchanges").fetchone()[0] == 1


def test_refuses_a_file_that_is_not_sqlite_and_leaves_it_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"my precious notes, not a database\n")
    with pytest.raises(DatabaseError, match="not an SQLite database; refusing to overwrite it"):
        open_db(path)
    # A reader was never going to write it: no talk of overwriting.
    with pytest.raises(DatabaseError, match=r"not an SQLite database\.$"):
        open_db(path, readonly=True)
    assert path.read_bytes() == b"my precious notes, not a database\n"


def test_refuses_another_applications_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE invoices (id INTEGER)")
    other.commit()
    other.close()
    with pytest.raises(DatabaseError, match="another application"):
        open_db(path)
    tables = sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("invoices",)]


def test_refuses_a_database_from_a_newer_schema(db_path: Path) -> None:
    conn = open_db(db_path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('api-inspector', 'm999_from_the_future', '2030-01-01')"
    )
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseError, match="newer version"):
        open_db(db_path)


def test_refuses_a_path_it_cannot_create(tmp_path: Path) -> None:
    # A regular file where a directory should be: fails the same way for root and for users.
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(DatabaseError, match="Cannot create"):
        open_db(blocker / "capture.db")


def test_readonly_open_of_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="does not exist"):
        open_db(tmp_path / "missing.db", readonly=True)


def test_opening_again_keeps_this_process_locks(db_path: Path) -> None:
    # POSIX drops all of a process's locks on a file when any descriptor on it closes. Were
    # open_db to read the file outside SQLite, another process could then take the database
    # from under our open connection (here: switch it out of WAL mode).
    conn = open_db(db_path)
    conn.execute("SELECT count(*) FROM exchanges").fetchone()
    open_db(db_path).close()
    open_db(db_path, readonly=True).close()
    other = (
        "import sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], timeout=0)\n"
        "c.execute('PRAGMA journal_mode=DELETE').fetchone()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", other, str(db_path)], capture_output=True, text=True
    )
    assert "database is locked" in result.stderr
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_a_reader_never_finds_a_half_made_database(tmp_path: Path) -> None:
    # The app opens the file the moment it appears, while the proxy (another process) is still
    # creating it: it must see no file or a whole database, never an empty one or one that
    # looks like another application's.
    path = tmp_path / "capture.db"
    creator = subprocess.Popen(
        [sys.executable, "-c", "import sys; from inspector.store import open_db; "
         "open_db(sys.argv[1]).close()", str(path)],
    )  # fmt: skip
    opened = False
    try:
        while not opened:
            try:
                conn = open_db(path, readonly=True)
                try:  # whole: its tables are there (no "no such table")
                    assert conn.execute("SELECT count(*) FROM exchanges").fetchone() == (0,)
                finally:
                    conn.close()
                opened = True
            except DatabaseError as exc:
                assert str(exc) == f"{path} does not exist.", exc
                assert creator.poll() in (None, 0), "the creating process failed"
    finally:
        assert creator.wait(30) == 0
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("capture.db")] == []


def test_the_write_ahead_log_shrinks_back_after_a_large_write(db_path: Path) -> None:
    # SQLite keeps the log at the size of its largest transaction; a capture would then carry
    # that size forever, beside whatever retention's max_db_mb allows.
    from inspector.store import write_batch
    from inspector.store.database import WAL_SIZE_LIMIT_BYTES
    from inspector.testing import make_exchange

    conn = open_db(db_path)
    wal = Path(f"{db_path}-wal")
    write_batch(conn, [make_exchange(json_body={"blob": "x" * 4000}) for _ in range(3000)])
    assert wal.stat().st_size > 3 * WAL_SIZE_LIMIT_BYTES
    for _ in range(3):  # the log restarts from its beginning after a checkpoint
        write_batch(conn, [make_exchange()])
    assert wal.stat().st_size <= WAL_SIZE_LIMIT_BYTES
    conn.close()
