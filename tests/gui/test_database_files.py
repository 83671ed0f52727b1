"""Clear swaps the capture file for an empty one: the old rows, WAL and shared memory are gone,
nothing is left aside, and the new file is a capture database at once."""

from __future__ import annotations

from pathlib import Path

from inspector.gui.database_files import replace_database
from inspector.store import iter_exchanges, open_db, write_batch
from inspector.testing import make_exchange


def test_the_new_file_is_empty_and_nothing_of_the_old_one_is_left(db_path: Path) -> None:
    conn = open_db(db_path)
    write_batch(conn, [make_exchange(path=f"/secret/{i}") for i in range(50)])
    # Still open: the rows sit in the write-ahead log, as they do while the proxy runs.
    assert Path(f"{db_path}-wal").exists()
    conn.close()
    Path(f"{db_path}-wal").write_bytes(b"stale log")  # a log left by a crash
    Path(f"{db_path}-shm").write_bytes(b"stale shared memory")

    replace_database(db_path)

    fresh = open_db(db_path, readonly=True)
    try:
        assert list(iter_exchanges(fresh)) == []
    finally:
        fresh.close()
    assert b"/secret/" not in db_path.read_bytes()
    left = sorted(path.name for path in db_path.parent.iterdir())
    assert not [name for name in left if ".cleared" in name], left
    wal = Path(f"{db_path}-wal")
    assert not wal.exists() or wal.read_bytes() != b"stale log"


def test_a_file_that_is_not_there_yet_is_created(tmp_path: Path) -> None:
    path = tmp_path / "never-captured.db"
    replace_database(path)
    conn = open_db(path)
    try:
        assert write_batch(conn, [make_exchange()]) == [1]
    finally:
        conn.close()
