"""The spool beside the database: what it holds is read back whole, a cut-off record ends it,
and only files of captures that are gone are replayed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from inspector.capture.spool import Spool, orphaned_spools, read_spool
from inspector.testing import make_exchange


def test_appended_exchanges_read_back_and_a_cut_record_ends_the_file(tmp_path: Path) -> None:
    db = tmp_path / "capture.db"
    spool = Spool(db)
    exchanges = [make_exchange(path=f"/s/{i}") for i in range(3)]
    for exchange in exchanges:
        spool.append(exchange)
    (path,) = tmp_path.glob("capture.db-spool-*")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert [e.path for e in read_spool(path)] == ["/s/0", "/s/1", "/s/2"]
    path.write_bytes(path.read_bytes()[:-5])  # the kill came mid-write
    assert [e.path for e in read_spool(path)] == ["/s/0", "/s/1"]
    spool.close(everything_written=False)
    assert path.exists()  # kept for the next start


def test_an_idle_spool_is_emptied_and_a_clean_close_removes_it(tmp_path: Path) -> None:
    db = tmp_path / "capture.db"
    spool = Spool(db)
    generation = spool.append(make_exchange())
    (path,) = tmp_path.glob("capture.db-spool-*")
    spool.idle()
    assert path.stat().st_size > 0  # one exchange still outstanding
    spool.committed(generation)
    spool.idle()
    assert path.stat().st_size == 0
    spool.close(everything_written=True)
    assert not path.exists()


def test_only_spools_of_finished_processes_are_orphans(tmp_path: Path) -> None:
    db = tmp_path / "capture.db"
    mine = Spool(db)  # this process is alive: not an orphan
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    gone = tmp_path / f"capture.db-spool-{done.stdout.strip()}-1"
    gone.write_bytes(b"")
    assert orphaned_spools(db) == [gone]
    assert os.getpid() > 0
    mine.close(everything_written=True)
