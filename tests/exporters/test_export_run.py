"""ExportRun: the one-off export the app's dialog runs in a worker thread."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from inspector.errors import InspectorError
from inspector.exporters.cursors import load_cursor
from inspector.exporters.delivery import DeliveryReport
from inspector.exporters.export_run import ExportRun
from inspector.exporters.otlp_exporter import OtlpExporter, OtlpOptions
from inspector.store import write_batch
from inspector.store.filters import SqlFilter
from inspector.testing import make_exchange, wait_until
from tests.exporters.service_support import ScriptedServer


def test_a_selection_is_sent_without_moving_the_cursor(
    db: sqlite3.Connection, db_path: Path, server: ScriptedServer
) -> None:
    ids = write_batch(db, [make_exchange() for _ in range(6)])
    exporter = OtlpExporter(OtlpOptions(base_url=server.url(), batch_size=10))
    selection = ids[1:3]
    run = ExportRun(
        db_path, exporter,
        selection=SqlFilter(f"e.id IN ({', '.join('?' * len(selection))})", tuple(selection)),
        resend_all=True,
    )  # fmt: skip
    assert run.total() == 2
    progress: list[int] = []
    report = run.run(on_progress=progress.append)
    assert (report.sent, progress) == (2, [2])
    assert load_cursor(db, exporter.cursor_key) == 0


def test_stop_ends_a_run_that_waits_to_retry(
    db: sqlite3.Connection, db_path: Path, server: ScriptedServer
) -> None:
    write_batch(db, [make_exchange()])
    server.default = lambda _r: (503, {"Retry-After": "60"}, b"")
    run = ExportRun(db_path, OtlpExporter(OtlpOptions(base_url=server.url())))
    reports: list[DeliveryReport] = []
    worker = threading.Thread(target=lambda: reports.append(run.run()))
    worker.start()
    wait_until(lambda: len(server.received) >= 1)
    started = time.monotonic()
    run.stop()
    worker.join(5)
    assert time.monotonic() - started < 1.0
    (report,) = reports
    assert report.interrupted and report.sent == 0


def test_a_missing_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InspectorError, match="does not exist"):
        ExportRun(tmp_path / "none.db", OtlpExporter(OtlpOptions()))
    assert not (tmp_path / "none.db").exists()
