"""Crash and stop under load: kill -9 keeps every committed batch; SIGINT/SIGTERM lose nothing."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from inspector.store import open_db
from inspector.testing import wait_until
from tests.capture.capture_servers import Upstream
from tests.capture.capture_support import start_capture
from tests.reliability.load_support import Load, under_load
from tests.reliability.test_load import stored_ids

pytestmark = [pytest.mark.capture, pytest.mark.timeout(90)]

WORKERS = 8
# The load runs until the test stops it, so the kill or signal always lands in the middle of it,
# however fast the machine (CI once answered 8,000 requests before 1,200 were visibly committed).
PER_WORKER = 1_000_000
# Kill once this many exchanges are visibly committed: well inside the load, never at its end.
KILL_AFTER_COMMITTED = 1200


def test_kill_9_mid_load_keeps_every_committed_batch_and_capture_resumes(
    tmp_path: Path, upstream: Upstream
) -> None:
    proxy = start_capture(tmp_path)
    load = Load(proxy.port, upstream.port, "/crash", workers=WORKERS, per_worker=PER_WORKER)
    with under_load(proxy, load):
        # What a reader could see as committed just before the kill.
        committed = wait_until(
            lambda: (
                ids
                if (ids := stored_ids(proxy.db_path, "/crash")).total() >= KILL_AFTER_COMMITTED
                else None
            ),
            timeout=60,
            what=f"{KILL_AFTER_COMMITTED} committed exchanges",
        )
        still_running = load.answered_count < WORKERS * PER_WORKER
        proxy.process.kill()
        proxy.process.wait(10)
    assert still_running, "the load finished before the kill"

    conn = open_db(proxy.db_path, readonly=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = conn.execute("SELECT count(*) FROM exchanges").fetchone()[0]
        assert conn.execute("SELECT count(*) FROM exchanges_fts").fetchone()[0] == rows
        last_id_before = conn.execute("SELECT max(id) FROM exchanges").fetchone()[0]
    finally:
        conn.close()
    after_kill = stored_ids(proxy.db_path, "/crash")
    assert set(committed) <= set(after_kill), "a batch seen committed was lost by the kill"
    assert max(after_kill.values()) == 1, "an exchange is stored twice"

    # A restarted capture appends to the same database.
    restarted = start_capture(tmp_path / "again", db_path=proxy.db_path)
    try:
        resumed = Load(restarted.port, upstream.port, "/resumed", workers=2, per_worker=25)
        assert not resumed.start().join().failures
        wait_until(
            lambda: stored_ids(restarted.db_path, "/resumed").total() == 50,
            what="50 exchanges from the restarted capture",
        )
    finally:
        assert restarted.stop() == 0, restarted.text("stderr")
    conn = open_db(proxy.db_path, readonly=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        first_new_id = conn.execute(
            "SELECT min(id) FROM exchanges WHERE path LIKE '/resumed/%'"
        ).fetchone()[0]
    finally:
        conn.close()
    assert first_new_id > last_id_before
    # The restart also wrote what the spool held: answered exchanges not yet committed at the kill.
    final = stored_ids(proxy.db_path, "/crash")
    assert set(after_kill) <= set(final) and max(final.values()) == 1
    print(f"\ncrash: kill -9 with {committed.total()} seen committed, {after_kill.total()} kept")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("keep_alive", [True, False], ids=["keep-alive", "new-connections"])
def test_a_signal_in_the_middle_of_load_loses_no_answered_request(
    tmp_path: Path, upstream: Upstream, signum: int, keep_alive: bool
) -> None:
    proxy = start_capture(tmp_path)
    load = Load(proxy.port, upstream.port, "/graceful", workers=WORKERS, per_worker=PER_WORKER,
                keep_alive=keep_alive)  # fmt: skip
    with under_load(proxy, load):
        wait_until(lambda: load.answered_count >= 800, timeout=60, what="800 answered requests")
        code = proxy.stop(signum)
    result = load.result
    assert len(result.answered) < WORKERS * PER_WORKER, "the load finished before the signal"
    stored = stored_ids(proxy.db_path, "/graceful")
    missing = result.answered - set(stored)
    assert not missing, f"answered but not stored: {sorted(missing)[:5]}"
    assert max(stored.values()) == 1
    assert code == 0, proxy.text("stderr")
    # A stop under load is routine: no tracebacks, no "could not be written".
    assert "Traceback" not in proxy.text("stderr"), proxy.text("stderr")
    assert "could not be written" not in proxy.text("stderr"), proxy.text("stderr")
    # Connections cut mid-request used to print "Task was destroyed but it is pending!" each.
    assert "destroyed" not in proxy.text("stderr"), proxy.text("stderr")
    conn = open_db(proxy.db_path, readonly=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()
