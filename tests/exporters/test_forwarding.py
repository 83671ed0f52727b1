"""Live forwarding: a forwarder tails a database another thread writes into."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from inspector.config import parse_config
from inspector.errors import InspectorError
from inspector.exporters.delivery import RetryPolicy
from inspector.exporters.forwarding import LiveForwarder, start_forwarders, stop_forwarders
from inspector.exporters.readme import exchange_uuid
from inspector.store import open_db, write_batch
from inspector.testing import make_exchange, wait_until
from tests.exporters.service_support import ScriptedServer

KEY = "rdme_forwardingTESTkey000000"


def _writer(db_path: Path, batches: int, per_batch: int, uids: list[str]) -> threading.Thread:
    def write() -> None:
        conn = open_db(db_path)
        try:
            for _ in range(batches):
                exchanges = [make_exchange(consumer="k") for _ in range(per_batch)]
                uids.extend(exchange_uuid(e.uid) for e in exchanges)
                write_batch(conn, exchanges)
        finally:
            conn.close()

    return threading.Thread(target=write)


def test_forwards_everything_another_thread_writes_exactly_once(
    db_path: Path, server: ScriptedServer
) -> None:
    open_db(db_path).close()
    server.script = [(500, {}, b""), (429, {"Retry-After": "0"}, b"")]  # a bumpy start
    options = {"type": "readme", "api_key": KEY, "base_url": server.url(), "buffer_length": 7}
    forwarder = LiveForwarder(
        db_path, "readme", options, poll_interval_s=0.02,
        policy=RetryPolicy(base_delay_s=0.01, max_delay_s=0.05),
    )  # fmt: skip
    forwarder.start()
    uids: list[str] = []
    writer = _writer(db_path, batches=20, per_batch=9, uids=uids)
    writer.start()
    writer.join(10)
    try:
        wait_until(lambda: forwarder.status.sent == 180 and forwarder.status.queued == 0)
    finally:
        forwarder.stop()
    sent = Counter(item["_id"] for r in server.accepted for item in r.json())
    assert sent == Counter(uids)
    status = forwarder.status
    assert (status.state, status.failed, status.message) == ("idle", 0, "")


def test_a_refused_credential_stops_with_its_reason(db_path: Path, server: ScriptedServer) -> None:
    conn = open_db(db_path)
    write_batch(conn, [make_exchange(consumer="k")])
    conn.close()
    server.script = [(401, {}, b'{"message": "bad key"}')]
    config = parse_config(
        f'[export.readme]\napi_key = "env:FWD_KEY"\nbase_url = "{server.url()}"\n'
    )
    (forwarder,) = start_forwarders(
        db_path, ["readme"], config, poll_interval_s=0.02, environ={"FWD_KEY": KEY}
    )
    try:
        wait_until(lambda: forwarder.status.state == "stopped")
    finally:
        stop_forwarders([forwarder])
    status = forwarder.status
    assert status.failing and status.queued == 1
    assert "README_API_KEY" in status.message and "bad key" in status.message
    assert KEY not in status.message


def test_stop_is_prompt_while_a_destination_keeps_failing(
    db_path: Path, server: ScriptedServer
) -> None:
    conn = open_db(db_path)
    write_batch(conn, [make_exchange(consumer="k")])
    conn.close()
    server.default = lambda _r: (503, {"Retry-After": "30"}, b"")
    forwarder = LiveForwarder(db_path, "readme", {"api_key": KEY, "base_url": server.url()})
    forwarder.start()
    wait_until(lambda: len(server.received) >= 1)
    started = time.monotonic()
    forwarder.stop(timeout_s=5)
    assert time.monotonic() - started < 1.0  # it was waiting 30 s to retry
    assert not [t for t in threading.enumerate() if t.name == "forward-readme"]
    assert forwarder.status.sent == 0


def test_unknown_names_and_bad_options_fail_before_any_thread_starts(db_path: Path) -> None:
    config = parse_config(f'[export.mine]\ntype = "readme"\napi_key = "{KEY}"\nbogus = 1\n')
    with pytest.raises(InspectorError, match="unknown key 'bogus'"):
        start_forwarders(db_path, ["mine"], config)
    with pytest.raises(InspectorError, match=r"no \[export.nope\] table"):
        start_forwarders(db_path, ["nope"], config)
    assert not [t for t in threading.enumerate() if t.name.startswith("forward-")]
