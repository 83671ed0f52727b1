"""TrafficGenerator: several consumers, mixed endpoints and outcomes, bounded and stoppable.

One test sends the traffic through a real `inspector capture` process in reverse mode with the
demo configuration, as `inspector --demo` does, and reads the consumers back from the database.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspector.demo.clients import DEMO_CLIENTS
from inspector.demo.sample_api import SampleApi
from inspector.demo.traffic import TrafficGenerator
from inspector.resource_files import resource
from inspector.store import open_db
from tests.commands import inspector_argv


@pytest.fixture
def sample_api() -> Iterator[str]:
    with SampleApi(seed=3, latency_scale=0, failure_rate=0.05) as api:
        yield api.base_url


def test_a_bounded_run_mixes_outcomes_and_finishes(sample_api: str) -> None:
    generator = TrafficGenerator(sample_api, rate_per_s=400, seed=11, max_requests=300)
    with generator:
        assert generator.wait_done(20)
    assert generator.sent == 300 and generator.transport_errors == 0
    statuses = generator.statuses
    assert statuses[200] > 150
    # Failures a dashboard should show: missing credentials, unknown ids, validation, 5xx.
    for status in (401, 404, 422):
        assert statuses[status] > 0, statuses
    assert statuses[500] + statuses[503] > 0, statuses


def test_the_rate_is_respected(sample_api: str) -> None:
    generator = TrafficGenerator(sample_api, rate_per_s=50, seed=1, max_requests=25)
    started = time.perf_counter()
    with generator:
        assert generator.wait_done(10)
    # 25 requests at 50/s take about half a second: never a burst.
    assert time.perf_counter() - started >= 0.4


def test_stop_returns_promptly_mid_run(sample_api: str) -> None:
    generator = TrafficGenerator(sample_api, rate_per_s=2, seed=1)
    generator.start()
    deadline = time.monotonic() + 5
    while generator.sent == 0 and time.monotonic() < deadline:
        generator.wait_done(0.05)
    started = time.perf_counter()
    generator.stop()
    assert time.perf_counter() - started < 1.5
    assert generator.sent >= 1


def test_a_dead_server_counts_transport_errors_instead_of_crashing() -> None:
    api = SampleApi(latency_scale=0)
    base_url = api.start()
    api.stop()
    generator = TrafficGenerator(base_url, rate_per_s=200, max_requests=5, timeout_s=1)
    with generator:
        assert generator.wait_done(10)
    assert generator.transport_errors == 5


def _read_lines(stream: object, lines: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.put(line)


@pytest.mark.capture
def test_through_a_real_capture_process_the_consumers_are_told_apart(
    sample_api: str, tmp_path: Path
) -> None:
    db_path = tmp_path / "demo.db"
    config = Path(str(resource("demo-config.toml")))
    proc = subprocess.Popen(
        inspector_argv("capture", "--db", db_path, "--listen", "127.0.0.1:0",
                       "--mode", f"reverse:{sample_api}", "--config", config,
                       "--set", f"confdir={tmp_path / 'mitmproxy'}"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_lines, args=(proc.stdout, lines), daemon=True).start()
    try:
        try:
            line = lines.get(timeout=30)
        except queue.Empty:
            pytest.fail(f"capture never said it was listening: {proc.stderr.read()}")  # type: ignore[union-attr]
        assert line.startswith("Listening on "), line
        address = line.split()[2]
        generator = TrafficGenerator(f"http://{address}", rate_per_s=300, seed=5,
                                     max_requests=200)  # fmt: skip
        with generator:
            assert generator.wait_done(30)
        assert generator.transport_errors == 0
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 0
    conn = open_db(db_path, readonly=True)
    try:
        labels = {row[0] for row in conn.execute("SELECT label FROM consumers")}
        identifiers = [row[0] for row in conn.execute("SELECT identifier FROM consumers")]
        stored = conn.execute("SELECT count(*) FROM exchanges").fetchone()[0]
        secrets = conn.execute(
            "SELECT count(*) FROM exchange_payloads WHERE request_headers LIKE '%demo-key-%'"
        ).fetchone()[0]
    finally:
        conn.close()
    named = {c.name for c in DEMO_CLIENTS if c.auth != "anonymous"}
    assert len(labels & named) >= 6, labels
    # Keys are credentials: stored only as fingerprints, and never in the headers.
    assert any(identifier.startswith("sha512-") for identifier in identifiers)
    assert not any(identifier.startswith("demo-key-") for identifier in identifiers)
    assert secrets == 0
    assert stored >= 150  # health checks are skipped by the built-in rules
