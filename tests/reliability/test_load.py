"""Load: every request that got a response through the proxy is stored exactly once."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from inspector.store import open_db
from inspector.testing import wait_until
from tests.capture.capture_servers import Upstream
from tests.capture.capture_support import start_capture
from tests.reliability.load_support import Load

pytestmark = [pytest.mark.capture, pytest.mark.timeout(300)]

# Tens of thousands, sized for a 2-core machine that also runs the clients and the upstream:
# about 90 s of full-rate proxying.
KEEP_ALIVE_REQUESTS = 20_000
FRESH_CONNECTION_REQUESTS = 5_000
LOAD_DEADLINE_S = 240.0
WORKERS = 16


def stored_ids(db_path: Path, prefix: str) -> collections.Counter[str]:
    """How many times each request id (the path segment after `prefix`) is stored."""
    conn = open_db(db_path, readonly=True)
    try:
        rows = conn.execute(
            "SELECT path FROM exchanges WHERE path LIKE ?", (prefix + "/%",)
        ).fetchall()
    finally:
        conn.close()
    return collections.Counter(path[len(prefix) + 1 :].split("/", 1)[0] for (path,) in rows)


def test_full_rate_load_over_many_connections_is_stored_exactly_once(
    tmp_path: Path, upstream: Upstream
) -> None:
    proxy = start_capture(tmp_path)
    try:
        loads = [
            Load(proxy.port, upstream.port, "/ka", workers=WORKERS // 2,
                 per_worker=KEEP_ALIVE_REQUESTS // (WORKERS // 2), keep_alive=True,
                 deadline_s=LOAD_DEADLINE_S),
            Load(proxy.port, upstream.port, "/fresh", workers=WORKERS // 2,
                 per_worker=FRESH_CONNECTION_REQUESTS // (WORKERS // 2), keep_alive=False,
                 deadline_s=LOAD_DEADLINE_S),
        ]  # fmt: skip
        for load in loads:
            load.start()
        results = [load.join() for load in loads]
        for result in results:
            assert not result.failures, result.failures[:5]
        expected = {"/ka": results[0].answered, "/fresh": results[1].answered}
        assert len(expected["/ka"]) == KEEP_ALIVE_REQUESTS
        assert len(expected["/fresh"]) == FRESH_CONNECTION_REQUESTS
        # Committed within the writer's flush interval after the last response.
        wait_until(
            lambda: (
                sum(stored_ids(proxy.db_path, p).total() for p in expected)
                >= KEEP_ALIVE_REQUESTS + FRESH_CONNECTION_REQUESTS
            ),
            timeout=15,
            what="every answered request to be committed",
        )
    finally:
        code = proxy.stop()
    assert code == 0, proxy.text("stderr")
    for prefix, answered in expected.items():
        counts = stored_ids(proxy.db_path, prefix)
        assert set(counts) == answered, f"{prefix}: missing or extra ids"
        duplicated = [request_id for request_id, n in counts.items() if n != 1]
        assert not duplicated, f"{prefix}: stored more than once: {duplicated[:5]}"
    rate = (KEEP_ALIVE_REQUESTS + FRESH_CONNECTION_REQUESTS) / max(r.elapsed_s for r in results)
    print(
        f"\nload: {KEEP_ALIVE_REQUESTS} keep-alive + {FRESH_CONNECTION_REQUESTS} fresh-connection "
        f"requests over {WORKERS} clients at {rate:.0f} req/s; "
        f"p50 {results[0].percentile_ms(0.5):.1f} ms, p99 {results[0].percentile_ms(0.99):.1f} ms"
    )
