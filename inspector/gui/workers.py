"""SQL off the GUI thread: pooled read-only connections, results by signal, stale ones dropped."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from inspector.store import open_db

Query = Callable[[sqlite3.Connection], Any]
Callback = Callable[[Any], None]
ErrorCallback = Callable[[str], None]

_local = threading.local()
# SQLite virtual-machine steps between two staleness checks (a few milliseconds of work).
_PROGRESS_STEPS = 20_000
# Jobs a user waits for jump the queue ahead of background statistics.
PRIORITY = {"page": 10, "details": 9, "poll": 8, "count": 2, "consumers": 1}


def _thread_connection(path: Path, epoch: int) -> sqlite3.Connection:
    """This pool thread's read-only connection to `path`, reopened when the database changed.

    Each worker thread keeps its own connection: opening one per query would cost more than
    most queries, and sqlite3 connections must not be used by two threads at once.
    """
    key = (str(path), epoch)
    cached: tuple[tuple[str, int], sqlite3.Connection] | None = getattr(_local, "conn", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    if cached is not None:
        with contextlib.suppress(sqlite3.Error):
            cached[1].close()
        _local.conn = None
    conn = open_db(path, readonly=True)
    _local.conn = (key, conn)
    return conn


class _Relay(QObject):
    """Carries a result from a pool thread back to the thread that owns the runner."""

    finished = Signal(str, int, object)
    failed = Signal(str, int, str)


class _Job(QRunnable):
    def __init__(
        self,
        relay: _Relay,
        channel: str,
        ticket: int,
        path: Path,
        epoch: int,
        query: Query,
        is_current: Callable[[str, int], bool],
    ) -> None:
        super().__init__()
        self._relay = relay
        self._channel = channel
        self._ticket = ticket
        self._path = path
        self._epoch = epoch
        self._query = query
        self._is_current = is_current

    def run(self) -> None:
        if not self._is_current(self._channel, self._ticket):
            return  # superseded while queued: nobody wants this answer
        try:
            conn = _thread_connection(self._path, self._epoch)
            # A query superseded while it runs (the user typed on) stops at SQLite's next
            # progress check instead of holding a pool thread for seconds.
            conn.set_progress_handler(
                lambda: 0 if self._is_current(self._channel, self._ticket) else 1,
                _PROGRESS_STEPS,
            )
            try:
                result = self._query(conn)
            finally:
                conn.set_progress_handler(None, 0)
                if conn.in_transaction:
                    conn.rollback()
        except Exception as exc:  # a worker must never take the app down; the view shows it
            message = str(exc) or type(exc).__name__
            if not isinstance(exc, sqlite3.Error | OSError) and not hasattr(exc, "exit_code"):
                message = "".join(traceback.format_exception_only(exc)).strip()
            with contextlib.suppress(RuntimeError):  # the runner was deleted meanwhile
                self._relay.failed.emit(self._channel, self._ticket, message)
            return
        with contextlib.suppress(RuntimeError):
            self._relay.finished.emit(self._channel, self._ticket, result)


class QueryRunner(QObject):
    """Runs queries on a small thread pool against one database; only the newest result counts.

    Every query belongs to a channel ("page", "count", "consumers", ...). Submitting to a
    channel makes any earlier query on it stale: its result is dropped when it arrives, so a
    slow query for an old filter can never overwrite the answer for the current one.
    """

    def __init__(self, db_path: Path, parent: QObject | None = None, threads: int = 3) -> None:
        super().__init__(parent)
        self._db_path = db_path
        self._epoch = 0
        self._tickets: dict[str, int] = {}
        self._callbacks: dict[tuple[str, int], tuple[Callback, ErrorCallback | None]] = {}
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        # Threads (and their connections) live as long as the runner.
        self._pool.setExpiryTimeout(-1)
        self._relay = _Relay()
        self._relay.finished.connect(self._on_finished)
        self._relay.failed.connect(self._on_failed)

    @property
    def db_path(self) -> Path:
        return self._db_path

    def set_database(self, path: Path) -> None:
        """Point at another (or a re-created) file; results still on their way are dropped."""
        self._db_path = path
        self._epoch += 1
        for channel in list(self._tickets):
            self._tickets[channel] += 1
        self._callbacks.clear()

    def submit(
        self,
        channel: str,
        query: Query,
        on_result: Callback,
        on_error: ErrorCallback | None = None,
    ) -> int:
        ticket = self._tickets.get(channel, 0) + 1
        self._tickets[channel] = ticket
        # Only the newest callback of a channel can ever run.
        for key in [k for k in self._callbacks if k[0] == channel]:
            del self._callbacks[key]
        self._callbacks[(channel, ticket)] = (on_result, on_error)
        job = _Job(
            self._relay, channel, ticket, self._db_path, self._epoch, query, self._is_current
        )
        self._pool.start(job, PRIORITY.get(channel, 5))
        return ticket

    def _is_current(self, channel: str, ticket: int) -> bool:
        # Read from pool threads: a dict lookup is atomic under the GIL, and a stale answer
        # here only costs one wasted or one extra query.
        return self._tickets.get(channel) == ticket

    def is_busy(self, channel: str) -> bool:
        return any(key[0] == channel for key in self._callbacks)

    def cancel(self, channel: str) -> None:
        self._tickets[channel] = self._tickets.get(channel, 0) + 1
        for key in [k for k in self._callbacks if k[0] == channel]:
            del self._callbacks[key]

    def wait_idle(self, timeout_ms: int = 5000) -> bool:
        return self._pool.waitForDone(timeout_ms)

    @Slot(str, int, object)
    def _on_finished(self, channel: str, ticket: int, result: object) -> None:
        callbacks = self._callbacks.pop((channel, ticket), None)
        if callbacks is not None and self._tickets.get(channel) == ticket:
            callbacks[0](result)

    @Slot(str, int, str)
    def _on_failed(self, channel: str, ticket: int, message: str) -> None:
        callbacks = self._callbacks.pop((channel, ticket), None)
        if (
            callbacks is not None
            and callbacks[1] is not None
            and self._tickets.get(channel) == ticket
        ):
            callbacks[1](message)
