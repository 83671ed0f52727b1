"""kill -9 under load with large bodies loses no answered exchange: each is in the spool before
its client has the answer, and the next capture on the database writes what the spool holds."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from inspector.testing import wait_until
from tests.capture.capture_servers import Upstream
from tests.capture.capture_support import start_capture
from tests.reliability.load_support import Load, under_load
from tests.reliability.test_load import stored_ids

pytestmark = [pytest.mark.capture, pytest.mark.timeout(180)]


@pytest.mark.parametrize(("body_bytes", "answered_before_kill"), [(64 * 1024, 400),
                                                                  (1024 * 1024, 80)])  # fmt: skip
def test_kill_9_with_large_bodies_loses_nothing_answered(
    tmp_path: Path, upstream: Upstream, body_bytes: int, answered_before_kill: int
) -> None:
    proxy = start_capture(tmp_path)
    load = Load(proxy.port, upstream.port, "/kill", workers=8, per_worker=100_000,
                route=f"large?bytes={body_bytes}")  # fmt: skip
    with under_load(proxy, load):
        wait_until(lambda: len(load.result.answered) >= answered_before_kill, timeout=90,
                   what=f"{answered_before_kill} answered requests")  # fmt: skip
        with load._lock:
            answered = set(load.result.answered)
        elapsed = time.monotonic() - load._started
        proxy.process.kill()
        proxy.process.wait(10)
    in_database_at_kill = set(stored_ids(proxy.db_path, "/kill"))

    restarted = start_capture(tmp_path / "again", db_path=proxy.db_path)
    assert restarted.stop() == 0, restarted.text("stderr")
    stored = stored_ids(proxy.db_path, "/kill")
    missing = answered - set(stored)
    rate = len(answered) / elapsed
    print(f"\n{body_bytes // 1024} KiB bodies: {len(answered)} answered ({rate:.0f}/s); "
          f"{len(answered - in_database_at_kill)} not yet committed at the kill; "
          f"{len(missing)} missing after the restart")  # fmt: skip
    assert max(stored.values()) == 1, "an exchange is stored twice"
    assert len(missing) <= rate * 1.0, f"{len(missing)} answered exchanges lost"
    if answered - in_database_at_kill:
        assert "Recovered" in restarted.text("stderr")
    assert not list(tmp_path.glob("capture.db-spool-*")), "the spool was left behind"
