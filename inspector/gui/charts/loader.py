"""Computes ChartData on a worker thread; results older than the latest request are dropped."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from inspector.store import open_db
from inspector.store.series import ChartData, load_chart_data


class _Mailbox(QObject):
    """Hands results from worker threads to the GUI thread.

    Only the generation number crosses threads as a signal argument: passing the Python
    ChartData itself through a queued Signal(object) made PySide6 6.12 corrupt reference
    counts (an abort at interpreter exit). The payload waits here, under a lock.
    """

    ready = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._results: dict[int, ChartData | str] = {}

    def post(self, generation: int, result: ChartData | str) -> None:
        with self._lock:
            self._results[generation] = result
        self.ready.emit(generation)

    def take(self, generation: int) -> ChartData | str | None:
        with self._lock:
            return self._results.pop(generation, None)


class _ChartJob(QRunnable):
    def __init__(
        self,
        generation: int,
        db_path: Path,
        filter_sql: tuple[str, Sequence[object]],
        time_range: tuple[float | None, float | None],
        mailbox: _Mailbox,
    ) -> None:
        super().__init__()
        self.generation = generation
        self.db_path = db_path
        self.filter_sql = filter_sql
        self.time_range = time_range
        self.mailbox = mailbox

    def run(self) -> None:
        where, params = self.filter_sql
        start, end = self.time_range
        try:
            conn = open_db(self.db_path, readonly=True)
            try:
                result: ChartData | str = load_chart_data(conn, where, params, start=start, end=end)
            finally:
                conn.close()
        except Exception as exc:  # a worker thread has nobody to raise to: report it instead
            result = str(exc)
        self.mailbox.post(self.generation, result)


class ChartDataLoader(QObject):
    """`load()` queues a computation; `loaded` fires only for the newest request."""

    loaded = Signal(object)  # ChartData, emitted on the GUI thread
    load_failed = Signal(str)

    def __init__(self, pool: QThreadPool | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._generation = 0
        self._mailbox = _Mailbox()
        self._mailbox.ready.connect(self._on_ready)
        self.busy = False

    def load(
        self,
        db_path: Path,
        where: str,
        params: Sequence[object],
        start: float | None,
        end: float | None,
    ) -> None:
        self._generation += 1
        self.busy = True
        job = _ChartJob(self._generation, db_path, (where, params), (start, end), self._mailbox)
        self._pool.start(job)

    def _on_ready(self, generation: int) -> None:
        result = self._mailbox.take(generation)
        if generation != self._generation or result is None:
            return  # superseded by a newer request
        self.busy = False
        if isinstance(result, str):
            self.load_failed.emit(result)
        else:
            self.loaded.emit(result)
