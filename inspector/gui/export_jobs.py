"""Exports run off the GUI thread: the worker thread, and one job per kind of destination."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import QThread, Signal

from inspector.errors import InspectorError
from inspector.exporters.delivery import DeliveryReport
from inspector.exporters.file_formats import FILE_FORMATS, selected_rows, written_line
from inspector.exporters.files import replacing_file
from inspector.exporters.service import DeliveryError, ServiceExporter
from inspector.model import Exchange
from inspector.store.filters import SqlFilter


class ExportWorker(QThread):
    """Runs one export off the GUI thread; signals carry ints and strs only."""

    total_known = Signal(int)
    progressed = Signal(int)
    done = Signal(str, bool)  # the result line, success

    def __init__(self, job: Callable[[ExportWorker], tuple[str, bool]]) -> None:
        super().__init__()
        self._job = job
        self.stop_event = threading.Event()
        self._stop_hooks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def on_stop(self, hook: Callable[[], None]) -> None:
        """Call `hook` on stop(), at once if stop() already came."""
        with self._lock:
            self._stop_hooks.append(hook)
            stopped = self.stop_event.is_set()
        if stopped:
            hook()

    def stop(self) -> None:
        with self._lock:
            self.stop_event.set()
            hooks = list(self._stop_hooks)
        for hook in hooks:
            hook()

    def run(self) -> None:
        try:
            message, ok = self._job(self)
        except InspectorError as exc:
            message, ok = f"Export failed: {exc}", False
        except Exception as exc:  # a worker must never take the app down; the dialog says it
            message, ok = f"Export failed: {type(exc).__name__}: {exc}", False
        self.done.emit(message, ok)


def service_job(
    db_path: Path,
    exporter: ServiceExporter,
    selection: SqlFilter,
    resend: bool,
    skip_hint: str = "",
    describe: Callable[[DeliveryError], str] = str,
) -> Callable[[ExportWorker], tuple[str, bool]]:
    """`describe` says why a destination stopped in the caller's words (a form names fields)."""

    def job(worker: ExportWorker) -> tuple[str, bool]:
        from inspector.exporters.export_run import ExportRun

        run = ExportRun(db_path, exporter, selection=selection, resend_all=resend)
        worker.on_stop(run.stop)
        worker.total_known.emit(run.total())
        report = run.run(worker.progressed.emit)
        return service_result(exporter.title, report, skip_hint, describe)

    return job


def service_result(
    title: str,
    report: DeliveryReport,
    skip_hint: str = "",
    describe: Callable[[DeliveryError], str] = str,
) -> tuple[str, bool]:
    counts = report.summary()
    if report.error is not None:
        return f"Stopped ({counts}): {describe(report.error)}", False
    if report.interrupted:
        return f"Cancelled: {counts} before stopping.", False
    if report.examined == 0:
        return f"{title}: nothing to send (nothing new since the last export).", True
    failures = f" First refusal: {report.failures[0]}" if report.failures else ""
    hint = skip_hint if report.skipped and not report.sent else ""
    return f"{title}: {counts}.{failures}{hint}", report.failed == 0


class _Cancelled(Exception):
    pass


def file_job(
    db_path: Path, kind: str, output: Path, selection: SqlFilter
) -> Callable[[ExportWorker], tuple[str, bool]]:
    file_format = FILE_FORMATS[kind]

    def job(worker: ExportWorker) -> tuple[str, bool]:
        from inspector.store import open_db

        conn = open_db(db_path, readonly=True)
        try:
            total, selected = selected_rows(conn, selection)
            worker.total_known.emit(total)

            def rows() -> Iterator[tuple[int, Exchange]]:
                for done, row in enumerate(selected, 1):
                    if worker.stop_event.is_set():
                        raise _Cancelled
                    yield row
                    if done % 200 == 0:
                        worker.progressed.emit(200)

            try:
                with replacing_file(output) as out:
                    written = file_format.write(out, rows())
            except _Cancelled:
                return f"Cancelled: {output.name} was not written.", False
            except OSError as exc:
                return f"Cannot write {output}: {exc.strerror or exc}.", False
        finally:
            conn.close()
        worker.progressed.emit(written % 200)
        return f"{written_line(written, str(output), file_format)}.", True

    return job


class RunningExport:
    """The dialog's current run, outside Qt's ownership: the window can stop it on quit even
    when the dialog is gone, so no thread outlives the app."""

    def __init__(self) -> None:
        self.worker: ExportWorker | None = None

    def stop_and_wait(self) -> None:
        worker = self.worker
        if worker is not None:
            worker.stop()
            worker.wait()
