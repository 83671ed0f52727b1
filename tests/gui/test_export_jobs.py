"""Exports off the GUI thread: a file job writes exactly the selection and says how many, a cancel
or an unwritable place leaves no half file, a failing job is a message and never a crash, and a
service's report reads as one line."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from inspector.errors import InspectorError
from inspector.exporters.delivery import DeliveryReport
from inspector.exporters.service import DeliveryError
from inspector.gui.export_jobs import ExportWorker, file_job, service_result
from inspector.store import write_batch
from inspector.store.filters import MATCH_ALL, compile_filter
from inspector.testing import make_exchange

pytestmark = pytest.mark.gui

Job = Callable[[ExportWorker], tuple[str, bool]]


def _run(qtbot: QtBot, job: Job, *, stop_first: bool = False) -> tuple[str, bool, int, int]:
    """(message, ok, announced total, progress summed) of one run on a real worker thread."""
    worker = ExportWorker(job)
    totals: list[int] = []
    progress: list[int] = []
    worker.total_known.connect(totals.append)
    worker.progressed.connect(progress.append)
    if stop_first:
        worker.stop()
    with qtbot.waitSignal(worker.done, timeout=10_000) as blocker:
        worker.start()
    worker.wait()
    message, ok = blocker.args
    return message, ok, (totals or [-1])[0], sum(progress)


def test_a_file_job_writes_the_selection_and_counts_it(
    qtbot: QtBot, db: sqlite3.Connection, db_path: Path, tmp_path: Path
) -> None:
    write_batch(db, [make_exchange(path=f"/n/{i}", status=500 if i % 5 == 0 else 200)
                     for i in range(450)])  # fmt: skip
    out = tmp_path / "errors.ndjson"
    message, ok, total, progressed = _run(
        qtbot, file_job(db_path, "ndjson", out, compile_filter("status:5xx"))
    )
    assert (ok, total, progressed) == (True, 90, 90)
    assert message == f"Wrote 90 exchanges to {out} as NDJSON."
    lines = out.read_text().splitlines()
    assert len(lines) == 90 and all(json.loads(line)["status"] == 500 for line in lines)
    one = tmp_path / "one.har"
    write_batch(db, [make_exchange(path="/only", method="PATCH")])
    message, ok, _, _ = _run(qtbot, file_job(db_path, "har", one, compile_filter("method:PATCH")))
    assert ok and message == f"Wrote 1 exchange to {one} as HAR."
    assert len(json.loads(one.read_text())["log"]["entries"]) == 1


def test_a_cancelled_or_unwritable_export_leaves_the_old_file_alone(
    qtbot: QtBot, db: sqlite3.Connection, db_path: Path, tmp_path: Path
) -> None:
    write_batch(db, [make_exchange(path=f"/n/{i}") for i in range(20)])
    out = tmp_path / "kept.har"
    out.write_text("yesterday's export")
    message, ok, _, _ = _run(qtbot, file_job(db_path, "har", out, MATCH_ALL), stop_first=True)
    assert (message, ok) == ("Cancelled: kept.har was not written.", False)
    assert out.read_text() == "yesterday's export"
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("capture.db"))
    assert left == ["kept.har"]  # and no temporary file beside it
    nowhere = tmp_path / "no-such-folder" / "x.ndjson"
    message, ok, _, _ = _run(qtbot, file_job(db_path, "ndjson", nowhere, MATCH_ALL))
    assert not ok and f"Cannot write {nowhere}: No such file or directory" in message


def test_a_failing_job_is_a_message_never_a_crash(qtbot: QtBot) -> None:
    def refused(_worker: ExportWorker) -> tuple[str, bool]:
        raise InspectorError("the configuration has no [export.es] table")

    def broken(_worker: ExportWorker) -> tuple[str, bool]:
        raise KeyError("url")

    assert _run(qtbot, refused)[:2] == (
        "Export failed: the configuration has no [export.es] table", False)  # fmt: skip
    assert _run(qtbot, broken)[:2] == ("Export failed: KeyError: 'url'", False)


def test_a_stop_hook_added_after_stop_runs_at_once() -> None:
    worker = ExportWorker(lambda _w: ("", True))
    called: list[str] = []
    worker.on_stop(lambda: called.append("before"))
    worker.stop()
    worker.on_stop(lambda: called.append("after"))
    assert called == ["before", "after"] and worker.stop_event.is_set()


@pytest.mark.parametrize(
    ("report", "line", "ok"),
    [
        (DeliveryReport("es", sent=3, examined=3), "ES: sent 3, skipped 0, failed 0.", True),
        (DeliveryReport("es"), "ES: nothing to send (nothing new since the last export).", True),
        (DeliveryReport("es", sent=1, failed=2, examined=3, failures=["#7: 400 bad field"]),
         "ES: sent 1, skipped 0, failed 2. First refusal: #7: 400 bad field", False),
        (DeliveryReport("es", skipped=4, examined=4),
         "ES: sent 0, skipped 4, failed 0. (use Resend all)", True),
        (DeliveryReport("es", sent=2, skipped=4, examined=6),
         "ES: sent 2, skipped 4, failed 0.", True),  # sent some: no hint
        (DeliveryReport("es", sent=2, examined=2, interrupted=True),
         "Cancelled: sent 2, skipped 0, failed 0 before stopping.", False),
        (DeliveryReport("es", sent=1, examined=1, error=DeliveryError("401", status=401)),
         "Stopped (sent 1, skipped 0, failed 0): the key was refused (401)", False),
    ],
)  # fmt: skip
def test_a_service_report_reads_as_one_line(report: DeliveryReport, line: str, ok: bool) -> None:
    def describe(error: DeliveryError) -> str:
        return f"the key was refused ({error.status})"

    assert service_result("ES", report, " (use Resend all)", describe) == (line, ok)
