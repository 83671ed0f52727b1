"""Retention pruning: deletes the oldest exchanges, in small batches, to keep a capture bounded.

The capture's writer thread calls `Pruner.step()` between its own batches, on its own (the only
write) connection, so pruning never runs on the proxy's event loop and no transaction lasts long:
a step deletes at most `batch_rows` exchanges. Limits are checked at most every
`check_interval_s`; once a check finds work, steps keep deleting (one batch each) until every
limit is met again.

Size is measured as the pages in use (page_count - freelist_count), not the file's length:
SQLite reuses freed pages but never shrinks the file without a VACUUM, so a file-length target
would delete everything once the file had grown past it. The file stops growing instead of
shrinking: at about 1.35 times `max_db_mb`, as merging the search index needs room (below),
plus the write-ahead log, which open_db caps at 4 MB after each checkpoint
(benchmarks/retention_soak.py --max-exchanges 0 --max-db-mb 40: 53 MB file, 4 MB log).
"""

from __future__ import annotations

import logging
import math
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from inspector.config.settings import Retention
from inspector.store.prune import delete_exchanges
from inspector.units import period_text

logger = logging.getLogger("inspector.capture")

DEFAULT_CHECK_INTERVAL_S = 5.0
DEFAULT_BATCH_ROWS = 500
DEFAULT_REPORT_INTERVAL_S = 60.0
# Pruning for size goes down to this share of the limit, so that it runs now and then in runs
# of batches rather than a few rows at every check.
SIZE_LOW_WATER = 0.9
# Search-index pages merged after each batch deleted for size. A contentless FTS5 table (SQLite
# 3.40) records a delete as a tombstone as large as the row's index entries, dropped only when a
# merge reaches the old segments; measured in benchmarks/retention_soak.py, pages in use then
# grow a few percent a day at a constant row count. That is tolerable for max_age and
# max_exchanges, but under max_db_mb the tombstones would crowd out rows (down to an empty
# database with large text bodies), so size pruning merges: each step stays bounded, at the
# cost of a transient extra copy of the merged segments in the file.
FTS_MERGE_PAGES = 256

_AGE, _COUNT, _SIZE = "age", "count", "size"


def used_bytes(conn: sqlite3.Connection) -> int:
    """Bytes of the database's pages that hold data (free pages, reused by writes, excluded)."""
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    page_count = conn.execute("PRAGMA page_count").fetchone()[0]
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    return int((page_count - free) * page_size)


@dataclass
class PruneTotals:
    """Exchanges deleted per limit since the last report (or, for `all_time`, ever)."""

    by_age: int = 0
    by_count: int = 0
    by_size: int = 0
    all_time: int = 0

    @property
    def pending(self) -> int:
        return self.by_age + self.by_count + self.by_size


@dataclass
class Pruner:
    """Deletes exchanges beyond `retention`, oldest first, one small batch per `step()`.

    Not thread-safe: one thread (the writer's) calls `step()`; others may replace `retention`
    (a frozen record, so the swap is atomic) and it applies from the next step.
    """

    retention: Retention = field(default_factory=Retention)
    check_interval_s: float = DEFAULT_CHECK_INTERVAL_S
    batch_rows: int = DEFAULT_BATCH_ROWS
    report_interval_s: float = DEFAULT_REPORT_INTERVAL_S
    # Wall time dates exchanges (started_at is epoch seconds); the monotonic clock paces checks.
    wall_clock: Callable[[], float] = time.time
    monotonic: Callable[[], float] = time.monotonic
    totals: PruneTotals = field(default_factory=PruneTotals)
    _busy: bool = field(default=False, init=False)
    _next_check: float | None = field(default=None, init=False)
    _count_excess: int = field(default=0, init=False)
    _size_excess: int = field(default=0, init=False)
    _reported_at: float | None = field(default=None, init=False)

    @property
    def busy(self) -> bool:
        """True while a check found work not yet done: the caller should step again soon."""
        return self._busy

    def step(self, conn: sqlite3.Connection) -> int:
        """Delete at most one batch if a limit is exceeded (checking when due); returns how many.

        Errors (disk full, locked) propagate; the next check comes a full interval later.
        """
        now = self.monotonic()
        if not self._busy:
            if self._next_check is not None and now < self._next_check:
                return 0
            self._next_check = now + self.check_interval_s
            self._count_excess = self._measure_count_excess(conn)
            self._size_excess = self._measure_size_excess(conn)
        try:
            deleted = self._delete_one_batch(conn)
        except BaseException:
            self._busy = False
            raise
        self.report()
        return deleted

    def report(self, *, final: bool = False) -> None:
        """Log what was pruned since the last report: at most once per `report_interval_s`."""
        if not self.totals.pending:
            return
        now = self.monotonic()
        if (
            not final
            and self._reported_at is not None
            and now - self._reported_at < self.report_interval_s
        ):
            return
        logger.warning("Retention: pruned %s.", self._summary())
        self.totals.by_age = self.totals.by_count = self.totals.by_size = 0
        self._reported_at = now

    # Internals.

    def _summary(self) -> str:
        limits = self.retention
        parts = []
        if self.totals.by_age:
            age = period_text(limits.max_age_seconds or 0)
            parts.append(f"{self.totals.by_age} exchanges older than {age}")
        if self.totals.by_count:
            parts.append(
                f"{self.totals.by_count} exchanges beyond the newest {limits.max_exchanges}"
            )
        if self.totals.by_size:
            parts.append(
                f"{self.totals.by_size} exchanges to keep the database under {limits.max_db_mb} MB"
            )
        return "; ".join(parts)

    def _measure_count_excess(self, conn: sqlite3.Connection) -> int:
        limit = self.retention.max_exchanges
        if limit is None:
            return 0
        # max - min + 1 bounds the count from above in O(log n); count(*) scans an index,
        # so it runs only when the bound says the limit may be exceeded.
        low, high = conn.execute("SELECT min(id), max(id) FROM exchanges").fetchone()
        if low is None or high - low + 1 <= limit:
            return 0
        count = conn.execute("SELECT count(*) FROM exchanges").fetchone()[0]
        return max(0, int(count) - limit)

    def _measure_size_excess(self, conn: sqlite3.Connection) -> int:
        """How many of the oldest exchanges to delete to come under the size limit.

        Estimated from the average size of a row at check time and then deleted as counted:
        freed pages show up in the page counts unevenly (the search index frees its pages when
        it merges segments), so re-measuring after each batch would overshoot, at worst down to
        an empty database. A low estimate is caught up at the next check.
        """
        if self.retention.max_db_mb is None:
            return 0
        limit_bytes = self.retention.max_db_mb * 2**20
        used = used_bytes(conn)
        if used <= limit_bytes:
            return 0
        count = int(conn.execute("SELECT count(*) FROM exchanges").fetchone()[0])
        if not count:
            return 0
        per_row = used / count
        return min(count, math.ceil((used - limit_bytes * SIZE_LOW_WATER) / per_row))

    def _pick(self, conn: sqlite3.Connection) -> tuple[str, list[int]]:
        """The limit to enforce next and the ids of the oldest batch it removes."""
        limits = self.retention
        if limits.max_age_seconds is not None:
            cutoff = self.wall_clock() - limits.max_age_seconds
            ids = [
                row[0]
                for row in conn.execute(
                    "SELECT id FROM exchanges WHERE started_at < ? ORDER BY started_at LIMIT ?",
                    (cutoff, self.batch_rows),
                )
            ]
            if ids:
                return _AGE, ids
        if limits.max_exchanges is not None and self._count_excess > 0:
            wanted = min(self._count_excess, self.batch_rows)
            return _COUNT, self._oldest_ids(conn, wanted)
        if limits.max_db_mb is not None and self._size_excess > 0:
            return _SIZE, self._oldest_ids(conn, min(self._size_excess, self.batch_rows))
        return "", []

    def _oldest_ids(self, conn: sqlite3.Connection, count: int) -> list[int]:
        rows = conn.execute("SELECT id FROM exchanges ORDER BY id LIMIT ?", (count,))
        return [row[0] for row in rows]

    def _delete_one_batch(self, conn: sqlite3.Connection) -> int:
        reason, ids = self._pick(conn)
        if not ids:
            self._busy = False
            return 0
        deleted = delete_exchanges(conn, ids)
        if reason == _SIZE and FTS_MERGE_PAGES:
            with conn:
                # Negative: merge even when few segments exist, where the tombstones sit.
                conn.execute(
                    "INSERT INTO exchanges_fts (exchanges_fts, rank) VALUES ('merge', ?)",
                    (-FTS_MERGE_PAGES,),
                )
        # A batch deleted for one limit counts towards the others too.
        self._count_excess = max(0, self._count_excess - deleted)
        self._size_excess = max(0, self._size_excess - deleted)
        if reason == _AGE:
            self.totals.by_age += deleted
        elif reason == _COUNT:
            self.totals.by_count += deleted
        else:
            self.totals.by_size += deleted
        self.totals.all_time += deleted
        # Keep going while there is anything to delete; the next pick decides when done.
        self._busy = deleted > 0
        return deleted
