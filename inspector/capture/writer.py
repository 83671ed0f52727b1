"""The writer thread: owns the only write connection and commits captured exchanges in batches.

Proxy hooks hand exchanges over with `put()`, which never blocks. The thread commits every
`flush_interval_s` or every `batch_rows` rows, whichever comes first; `close()` commits everything
already handed over. A failing database (disk full, read-only, locked) is reported, retried with
backoff, and finally dropped with a count: it never stops proxying and never hangs shutdown.
Between batches the thread also prunes by the capture's retention limits (store.retention), one
small batch at a time, so pruning never holds up the proxy or readers for long.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from inspector.capture.spool import Spool, orphaned_spools, read_spool
from inspector.config.settings import Retention
from inspector.model import Exchange
from inspector.store import DatabaseError, file_identity, open_db, write_batch
from inspector.store.retention import Pruner

logger = logging.getLogger("inspector.capture")

# Backoff between attempts at a batch the database refused; the batch is dropped after the last.
_RETRY_DELAYS_S = (0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0)
# Memory bound for exchanges waiting on a slow or failing database: beyond it new ones are dropped.
_MAX_PENDING_BYTES = 256 * 1024 * 1024
_EXCHANGE_OVERHEAD_BYTES = 1024
# After the spool could not be written (a full disk), how often to try a new one.
_SPOOL_RETRY_S = 5.0


def _keep_for_ever(conn: sqlite3.Connection) -> None:
    """One reference that nothing releases, so not even interpreter shutdown frees `conn`."""
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(conn))


@dataclass
class WriterStats:
    written: int = 0
    dropped: int = 0
    failed_attempts: int = 0
    # Of `written`, those that went into a file deleted or replaced under us (and so are gone).
    written_to_replaced: int = 0
    replaced: int = 0  # how many times the database file was deleted or replaced
    # Of `dropped`, those the database refused that stay in the spool for the next capture.
    kept_in_spool: int = 0


def _weight(exchange: Exchange) -> int:
    return (
        _EXCHANGE_OVERHEAD_BYTES
        + len(exchange.request_body.content)
        + len(exchange.response_body.content)
    )


class ExchangeWriter:
    """A thread, fed through `put()`, that writes exchanges into one capture database."""

    def __init__(
        self,
        db_path: Path,
        *,
        flush_interval_s: float = 0.25,
        batch_rows: int = 500,
        max_pending_bytes: int = _MAX_PENDING_BYTES,
        retry_delays_s: Sequence[float] = _RETRY_DELAYS_S,
        pruner: Pruner | None = None,
    ) -> None:
        self.db_path = db_path
        self.flush_interval_s = flush_interval_s
        self.batch_rows = batch_rows
        self.max_pending_bytes = max_pending_bytes
        self.retry_delays_s = tuple(retry_delays_s)
        self.stats = WriterStats()
        self.pruner = pruner if pruner is not None else Pruner()
        self._prune_problem: str | None = None
        self._pending: list[Exchange] = []
        self._pending_spooled: list[int] = []  # each pending exchange's spool generation
        self._spool: Spool | None = None
        self._spool_retry_at: float | None = None  # when to try a new spool after a failure
        self._pending_bytes = 0
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._closed = False
        self._last_problem: str | None = None
        self._conn: sqlite3.Connection | None = None
        self._file_id: tuple[int, int] | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Open (create, migrate) the database and start the thread.

        Raises `inspector.store.DatabaseError` for a database that cannot be used, before any
        traffic is accepted.
        """
        self._conn = open_db(self.db_path)
        self._file_id = file_identity(self.db_path)
        self._recover(self._conn)
        try:
            self._spool = Spool(self.db_path)
        except OSError as exc:
            logger.error("No spool beside %s (%s): a kill -9 would lose the exchanges not yet "
                         "written.", self.db_path, exc)  # fmt: skip
        self._thread = threading.Thread(target=self._run, name="inspector-writer", daemon=True)
        self._thread.start()

    def _recover(self, conn: sqlite3.Connection) -> None:
        """Write what a capture killed on this database left in its spool, then drop the files."""
        recovered = 0
        for path in orphaned_spools(self.db_path):
            batch: list[Exchange] = []
            for exchange in read_spool(path):
                batch.append(exchange)
                if len(batch) == self.batch_rows:
                    recovered += len(write_batch(conn, batch))
                    batch = []
            if batch:
                recovered += len(write_batch(conn, batch))
            path.unlink(missing_ok=True)
        if recovered:
            logger.warning(
                "Recovered %d exchanges that an earlier capture had not written to %s.",
                recovered, self.db_path,
            )  # fmt: skip

    def put(self, exchange: Exchange) -> bool:
        """Hand an exchange over for writing; never blocks. False when it had to be dropped.

        Cheap by design: it wakes the thread only when a full batch is waiting, not per
        exchange, so the proxy's event loop does not hand the GIL over on every request.
        """
        weight = _weight(exchange)
        with self._lock:
            accepted = not self._closed and (self._pending_bytes + weight <= self.max_pending_bytes)
            if accepted:
                self._pending_bytes += weight
                self._pending.append(exchange)
                self._pending_spooled.append(self._spooled(exchange))
                full_batch = len(self._pending) == self.batch_rows
            else:
                self.stats.dropped += 1
                dropped, closed = self.stats.dropped, self._closed
        if accepted:
            if full_batch:
                self._wake.set()
            return True
        # Report the first drop for lack of room and then every thousandth, not every one.
        if not closed and (dropped == 1 or dropped % 1000 == 0):
            logger.error(
                "The capture database %s is not keeping up; %d exchanges dropped so far.",
                self.db_path,
                dropped,
            )
        return False

    def _spooled(self, exchange: Exchange) -> int:
        """Append to the spool (under the lock); the generation, or 0 when there is no spool."""
        if self._spool is None:
            return 0
        try:
            return self._spool.append(exchange)
        except OSError as exc:  # e.g. the disk is full: go on without crash protection
            logger.error("Cannot write the spool beside %s (%s); going on without it.",
                         self.db_path, exc)  # fmt: skip
            self._spool.close(everything_written=False)
            self._spool = None
            self._spool_retry_at = time.monotonic() + _SPOOL_RETRY_S
            return 0

    def _retry_spool(self) -> None:
        """After a failed spool write (a full disk), start a new spool once one can be written."""
        if self._spool_retry_at is None or time.monotonic() < self._spool_retry_at:
            return
        try:
            self._spool = Spool(self.db_path)
        except OSError:
            self._spool_retry_at = time.monotonic() + _SPOOL_RETRY_S
            return
        self._spool_retry_at = None
        logger.warning("The spool beside %s works again.", self.db_path)

    def set_retention(self, retention: Retention) -> None:
        """Apply (possibly hot-reloaded) retention limits from the thread's next pruning step."""
        self.pruner.retention = retention

    def close(self, timeout_s: float = 30.0) -> None:
        """Write everything handed over so far, then stop the thread and close the database.

        Waits at most `timeout_s`; a database that still refuses writes by then loses the rest,
        and says how many.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                logger.error(
                    "Gave up waiting for %s after %.0f s; exchanges not yet written are lost.",
                    self.db_path,
                    timeout_s,
                )
                return
        if self._conn is not None and self._shm_frozen():
            # Closing checkpoints through the frozen -shm mapping: a SIGBUS. Keep the connection
            # open until the process ends instead (the OS releases it), and never free it, since
            # freeing closes it.
            _keep_for_ever(self._conn)
        elif self._conn is not None:
            self._conn.close()
        if self._spool is not None:
            # Kept when something was dropped for good: the next start may still write it.
            self._spool.close(everything_written=not self.stats.dropped)
        self.pruner.report(final=True)
        if self.stats.dropped:
            logger.error(
                "%d captured exchanges could not be written to %s.",
                self.stats.dropped,
                self.db_path,
            )

    # The thread.

    def _run(self) -> None:
        while True:
            # While pruning has work left, only pick up what is pending between its batches.
            self._wake.wait(0 if self.pruner.busy else self.flush_interval_s)
            self._wake.clear()
            with self._lock:
                # Everything put() accepted before close() is in this swap: both hold the lock.
                pending, self._pending = self._pending, []
                spooled, self._pending_spooled = self._pending_spooled, []
                last_round = self._closed
            for start in range(0, len(pending), self.batch_rows):
                batch = pending[start : start + self.batch_rows]
                settled = self._write(batch)
                with self._lock:
                    self._pending_bytes -= sum(_weight(exchange) for exchange in batch)
                    # A batch the database refused stays in the spool, for the next start.
                    if self._spool is not None and settled:
                        for generation in spooled[start : start + self.batch_rows]:
                            if generation:
                                self._spool.committed(generation)
            with self._lock:
                if self._spool is not None and not self._pending:
                    self._spool.idle()
                elif self._spool is None and self._spool_retry_at is not None:
                    self._retry_spool()
            if last_round:
                return
            self._prune()

    def _prune(self) -> None:
        """One pruning step (a check when due, at most one small batch); never raises."""
        if self._conn is None:  # no database since the last one went away: nothing to prune
            return
        if self._shm_frozen():
            return
        try:
            self.pruner.step(self._conn)
        except sqlite3.Error as exc:
            message = f"Cannot prune {self.db_path}: {exc}."
            if message != self._prune_problem:
                logger.error("%s Retrying later; capture continues.", message)
                self._prune_problem = message
            return
        self._prune_problem = None

    def _write(self, batch: list[Exchange]) -> bool:
        """Commit `batch`; False when the database refused it (it stays in the spool)."""
        # SQLite goes on writing to a deleted file without a word (in WAL mode), so look first:
        # one stat() per batch.
        self._drop_if_replaced()
        attempt = 0
        while True:
            try:
                if self._shm_frozen():
                    raise sqlite3.OperationalError(
                        f"{self._shm_path().name} is read-only or immutable, and SQLite would "
                        "crash writing through it"
                    )
                write_batch(self._connection(), batch)
            except sqlite3.OperationalError as exc:
                if self._drop_if_replaced():  # e.g. replaced mid-batch: the new file is retried
                    continue
                # Disk full, read-only file, locked or I/O error: worth retrying as is.
                self.stats.failed_attempts += 1
                self._problem(f"Cannot write to {self.db_path}: {exc}{self._why()}.")
                give_up = attempt >= len(self.retry_delays_s) or (
                    self._stopping.is_set() and attempt >= 1
                )
                if give_up:
                    self._count_dropped(len(batch), kept=self._spool is not None)
                    logger.error(
                        "Dropped %d captured exchanges that %s refused%s.",
                        len(batch),
                        self.db_path,
                        self._kept_where(),
                    )
                    return False
                self._stopping.wait(self.retry_delays_s[attempt])
                attempt += 1
                continue
            except Exception as exc:  # a record the database refuses as such
                if len(batch) > 1:
                    # Write one by one, so that only the offending exchange is lost.
                    settled = True
                    for exchange in batch:
                        settled = self._write([exchange]) and settled
                    return settled
                # Given up on for good (settled): a replay from the spool would fail again.
                self._count_dropped(1)
                logger.error(
                    "Dropped one captured exchange that %s refused (%s).",
                    self.db_path,
                    type(exc).__name__,
                )
                return True
            self.stats.written += len(batch)
            if self._last_problem is not None:
                logger.warning("Writing to %s works again.", self.db_path)
                self._last_problem = None
            return True

    def _connection(self) -> sqlite3.Connection:
        """The write connection, opening (creating) the database again after a replacement."""
        if self._conn is None:
            try:
                self._conn = open_db(self.db_path)
            except DatabaseError as exc:  # something else took the name: retried like a full disk
                raise sqlite3.OperationalError(str(exc)) from exc
            self._file_id = file_identity(self.db_path)
        return self._conn

    def _drop_if_replaced(self) -> bool:
        """Let go of a database that was deleted or replaced under us; True if it was.

        A deleted file (`rm capture.db*`, a cleaner) stays open, and whatever is written to it
        is lost when it closes; the next attempt starts a new database at the same path. The old
        connection is closed first, so its write-ahead log goes into the file it belongs to
        before a new database takes the name.
        """
        if self._conn is None or file_identity(self.db_path) == self._file_id:
            return False
        logger.warning(
            "%s was deleted or replaced while capturing; writing to a new database there.",
            self.db_path,
        )
        self._conn.close()
        self._conn = None
        self.stats.written_to_replaced = self.stats.written
        self.stats.replaced += 1
        return True

    def _shm_path(self) -> Path:
        return Path(f"{self.db_path}-shm")

    def _shm_frozen(self) -> bool:
        """True while the `-shm` file exists but cannot be written (`chattr +i`, `chmod a-w`).

        SQLite maps that file into memory, and the first write through the mapping after it
        became immutable is a SIGBUS that kills the process on the spot, answered exchanges and
        all. So the write connection is not touched while it is so: one access() per batch.
        """
        shm = self._shm_path()
        return not os.access(shm, os.W_OK) and shm.exists()

    def _kept_where(self) -> str:
        if self._spool is None:
            return ""
        return "; they stay in the spool beside it, and the next capture on it writes them"

    def _why(self) -> str:
        """What SQLite's message leaves out: a read-only file reads as a bare "disk I/O error"."""
        paths = [self.db_path, Path(f"{self.db_path}-wal")]
        if any(path.exists() and not os.access(path, os.W_OK) for path in paths):
            return " (the file is read-only)"
        return ""

    def _count_dropped(self, count: int, *, kept: bool = False) -> None:
        with self._lock:  # put() counts its own drops from the proxy's thread
            self.stats.dropped += count
            if kept:
                self.stats.kept_in_spool += count

    def _problem(self, message: str) -> None:
        if message != self._last_problem:
            logger.error("%s Retrying; proxying continues.", message)
            self._last_problem = message
