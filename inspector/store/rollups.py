"""Rollups kept beside the exchanges: per minute and per hour, per dimension key, with sketches.

A key is one combination of the dimensions a filter can name without reading rows (consumer,
method, scheme, host, port, endpoint, status, user agent): `rollup_keys`. `rollups` holds, per
(level, bucket, key), exact counts and sums, maxima and a latency sketch (store.percentiles).

They change in the same transaction as the exchanges (write_batch adds, delete_exchanges
rebuilds the touched buckets), so a crash at any point leaves both consistent. `rollup_state`
records which exchanges they describe (count, lowest and highest id): a reader uses the rollups
only when that still matches the table, and a writable open rebuilds them when it does not (a
database written by an older version, say).
"""

from __future__ import annotations

import itertools
import json
import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace
from operator import itemgetter
from typing import Any

import numpy as np

from inspector.store import percentiles
from inspector.store.rollup_frames import Frame, as_frame, concat, from_exchanges, regroup
from inspector.store.selection import is_error

# Bucket sizes in seconds, finest first; each divides the next. Minutes serve narrow ranges and
# the edges of wide ones, five minutes the charts' wider buckets, hours everything wider.
LEVELS = (60, 300, 3600)
DIMENSIONS = ("consumer_id", "method", "scheme", "host", "port", "endpoint", "status",
              "user_agent")  # fmt: skip
Dims = tuple[int | None, str, str, str, int, str, int | None, str]

SCHEMA = """
CREATE TABLE IF NOT EXISTS rollup_keys (
    key_id INTEGER PRIMARY KEY,
    consumer_id INTEGER, method TEXT NOT NULL, scheme TEXT NOT NULL, host TEXT NOT NULL,
    port INTEGER NOT NULL, endpoint TEXT NOT NULL, status INTEGER, user_agent TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rollups (
    level INTEGER NOT NULL,
    bucket INTEGER NOT NULL,           -- start of the bucket, epoch seconds
    key_id INTEGER NOT NULL,
    requests INTEGER NOT NULL, errors INTEGER NOT NULL, timed INTEGER NOT NULL,
    duration_sum REAL NOT NULL, duration_max REAL, slowest_id INTEGER,
    request_bytes INTEGER NOT NULL, response_bytes INTEGER NOT NULL, last_seen REAL NOT NULL,
    sketch BLOB NOT NULL,              -- (bin int16, count int32) pairs, store.percentiles
    PRIMARY KEY (level, bucket, key_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollup_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    exchanges INTEGER NOT NULL, min_id INTEGER, max_id INTEGER
);
"""
_COLUMNS = ("bucket, key_id, requests, errors, timed, duration_sum, duration_max, slowest_id, "
            "request_bytes, response_bytes, last_seen, sketch")  # fmt: skip
_RAW_NAMES = ("id", "started_at", "consumer_id", "method", "scheme", "host", "port", "endpoint",
              "status", "user_agent", "duration_ms", "request_bytes", "response_bytes")  # fmt: skip
_RAW_COLUMNS = ", ".join(f"e.{name}" for name in _RAW_NAMES)
_CHUNK = 50_000
PAIR_BYTES = percentiles.PAIR.itemsize
# Two subqueries: SQLite answers a lone min() or max() from the index, but not both in one.
_ID_RANGE = "SELECT (SELECT min(id) FROM exchanges), (SELECT max(id) FROM exchanges)"


class Keys:
    """rollup_keys in memory: dimensions to key id and back."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.ids: dict[Dims, int] = {}
        self.dims: dict[int, Dims] = {}
        for key_id, *dims in conn.execute(
            f"SELECT key_id, {', '.join(DIMENSIONS)} FROM rollup_keys"
        ):
            self.ids[tuple(dims)] = key_id
            self.dims[key_id] = tuple(dims)

    def id_of(self, conn: sqlite3.Connection | None, dims: Dims) -> int | None:
        """The key id of dims; a new key is stored when conn is given (a writer)."""
        known = self.ids.get(dims)
        if known is not None or conn is None:
            return known
        marks = ", ".join("?" for _ in DIMENSIONS)
        cursor = conn.execute(
            f"INSERT INTO rollup_keys ({', '.join(DIMENSIONS)}) VALUES ({marks})", dims
        )
        key_id = int(cursor.lastrowid or 0)
        self.ids[dims] = key_id
        self.dims[key_id] = dims
        return key_id


def exists(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'rollup_state'").fetchone()
    return row is not None


def _has_state(conn: sqlite3.Connection) -> bool:
    return exists(conn) and conn.execute("SELECT 1 FROM rollup_state").fetchone() is not None


def _frame_of(
    conn: sqlite3.Connection,
    keys: Keys,
    rows: Iterable[Sequence[Any]],
    level: int,
    create: bool,
) -> Frame | None:
    """A frame from raw rows in _RAW_COLUMNS order; None when a key is unknown and not created."""
    rows = list(rows)
    ids, started, key_ids, durations, errors, request_bytes, response_bytes = ([] for _ in range(7))
    writer = conn if create else None
    for row in rows:
        key_id = keys.id_of(writer, tuple(row[2:10]))
        if key_id is None:
            return None
        ids.append(row[0])
        started.append(row[1])
        key_ids.append(key_id)
        durations.append(np.nan if row[10] is None else row[10])
        errors.append(is_error(row[8]))
        request_bytes.append(row[11])
        response_bytes.append(row[12])
    return from_exchanges(
        level, np.array(ids, dtype=np.int64), np.array(started, dtype=np.float64),
        np.array(key_ids, dtype=np.int64), np.array(durations, dtype=np.float64),
        np.array(errors, dtype=np.int64), np.array(request_bytes, dtype=np.int64),
        np.array(response_bytes, dtype=np.int64),
    )  # fmt: skip


def scan_frame(
    conn: sqlite3.Connection,
    where: str,
    params: Sequence[object],
    level: int,
    keys: Keys,
    create: bool = False,
) -> Frame | None:
    """Exchanges matching `where` (over e, c) aggregated per `level`-second bucket."""
    from inspector.store.selection import from_clause

    cursor = conn.execute(f"SELECT {_RAW_COLUMNS} {from_clause(where)} WHERE ({where})", params)
    frames = []
    while rows := cursor.fetchmany(_CHUNK):
        frame = _frame_of(conn, keys, rows, level, create)
        if frame is None:
            return None
        frames.append(frame)
    # Chunks may split a bucket: merging them is what regroup does.
    return _merged(concat(frames))


def _merged(frame: Frame) -> Frame:
    """Rows with the same (bucket, key) merged into one."""
    if not len(frame):
        return frame
    width = int(np.max(frame.key)) + 1
    distinct, codes = np.unique(frame.bucket * width + frame.key, return_inverse=True)
    if distinct.size == len(frame):
        return frame
    groups = regroup(frame, codes.astype(np.int64), distinct.size)
    return as_frame(groups, distinct // width, distinct % width)


def read_frame(
    conn: sqlite3.Connection, level: int, low: int, high: int, key_ids: Sequence[int] | None = None
) -> Frame:
    """Stored rollup rows of `level` with bucket in [low, high), of these keys (None: all)."""
    sql = f"SELECT {_COLUMNS} FROM rollups WHERE level = ? AND bucket >= ? AND bucket < ?"
    params: list[object] = [level, low, high]
    if key_ids is not None:
        sql += " AND key_id IN (SELECT value FROM json_each(?))"
        params.append("[" + ",".join(str(k) for k in key_ids) + "]")
    return _frame_of_rows(conn.execute(sql, params).fetchall())


def _frame_of_rows(rows: list[Any]) -> Frame:
    """A frame from stored rollup rows (_COLUMNS order)."""
    if not rows:
        return Frame()
    columns = list(zip(*rows, strict=True))
    blobs = columns[11]
    lengths = np.fromiter((len(blob) for blob in blobs), dtype=np.int64, count=len(blobs))
    pairs = np.frombuffer(b"".join(blobs), dtype=percentiles.PAIR)
    return Frame(
        bucket=np.array(columns[0], dtype=np.int64),
        key=np.array(columns[1], dtype=np.int64),
        requests=np.array(columns[2], dtype=np.int64),
        errors=np.array(columns[3], dtype=np.int64),
        timed=np.array(columns[4], dtype=np.int64),
        duration_sum=np.array(columns[5], dtype=np.float64),
        duration_max=np.array(columns[6], dtype=np.float64),
        slowest_id=np.array([-1 if v is None else v for v in columns[7]], dtype=np.int64),
        request_bytes=np.array(columns[8], dtype=np.int64),
        response_bytes=np.array(columns[9], dtype=np.int64),
        last_seen=np.array(columns[10], dtype=np.float64),
        pair_row=np.repeat(
            np.arange(len(rows), dtype=np.int64), lengths // percentiles.PAIR.itemsize
        ),
        pair_bin=pairs["bin"].astype(np.int64),
        pair_count=pairs["count"].astype(np.int64),
    )


def _store(conn: sqlite3.Connection, level: int, frame: Frame) -> None:
    """Write the frame's rows, replacing stored rows of the same (bucket, key)."""
    if not len(frame):
        return
    # Pairs are sorted by row: each row's sketch is one slice of a single packed buffer.
    bounds = (np.searchsorted(frame.pair_row, np.arange(len(frame) + 1)) * PAIR_BYTES).tolist()
    packed = np.empty(frame.pair_row.size, dtype=percentiles.PAIR)
    packed["bin"], packed["count"] = frame.pair_bin, frame.pair_count
    buffer = packed.tobytes()
    sketches = [buffer[bounds[i] : bounds[i + 1]] for i in range(len(frame))]
    maxima = [None if math.isnan(v) else v for v in frame.duration_max.tolist()]
    slowest = [None if v < 0 else v for v in frame.slowest_id.tolist()]
    conn.executemany(
        f"INSERT OR REPLACE INTO rollups (level, {_COLUMNS}) VALUES ({', '.join('?' * 13)})",
        zip(
            itertools.repeat(level), frame.bucket.tolist(), frame.key.tolist(),
            frame.requests.tolist(), frame.errors.tolist(), frame.timed.tolist(),
            frame.duration_sum.tolist(), maxima, slowest, frame.request_bytes.tolist(),
            frame.response_bytes.tolist(), frame.last_seen.tolist(), sketches,
        ),
    )  # fmt: skip


def _add(conn: sqlite3.Connection, level: int, delta: Frame) -> None:
    """Add the delta's rows to the stored ones (same bucket and key)."""
    # Only the (bucket, key) rows the delta touches are read and written back.
    query = (
        f"SELECT {_COLUMNS} FROM rollups WHERE level = ? AND bucket = ? "
        "AND key_id IN (SELECT value FROM json_each(?))"
    )
    rows = []
    buckets, keys = delta.bucket.tolist(), delta.key.tolist()
    for bucket in sorted(set(buckets)):
        touched = [key for b, key in zip(buckets, keys, strict=True) if b == bucket]
        rows.extend(conn.execute(query, (level, bucket, json.dumps(touched))).fetchall())
    stored = _frame_of_rows(rows)
    _store(conn, level, _merged(concat([stored, delta])))


def _set_state(conn: sqlite3.Connection, added: int) -> None:
    low, high = conn.execute(_ID_RANGE).fetchone()
    conn.execute(
        "INSERT INTO rollup_state (id, exchanges, min_id, max_id) VALUES (1, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET exchanges = exchanges + ?, min_id = ?, max_id = ?",
        (added, low, high, added, low, high),
    )


def add_exchanges(
    conn: sqlite3.Connection, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Count a batch just written (inside its transaction): the writer's hook.

    `rows` are the exchanges rows as inserted, in `columns` order. Rollups that are already out
    of date (no state yet) are left for the rebuild on open.
    """
    if not rows or not _has_state(conn):
        return
    pick = itemgetter(*(columns.index(name) for name in _RAW_NAMES))
    keys = Keys(conn)
    frame = _frame_of(conn, keys, map(pick, rows), LEVELS[0], create=True)
    assert frame is not None
    _add(conn, LEVELS[0], frame)
    for level in LEVELS[1:]:
        # Coarser buckets from the finest: each level divides the next.
        _add(conn, level, _merged(replace(frame, bucket=frame.bucket // level * level)))
    _set_state(conn, len(rows))


def rebuild_buckets(conn: sqlite3.Connection, started_at: Iterable[float], removed: int) -> None:
    """Recount the buckets these exchanges were in, after deleting `removed` of them."""
    if not _has_state(conn):
        return
    minutes = sorted({int(t // 60 * 60) for t in started_at})
    if not minutes:
        return
    keys = Keys(conn)
    for minute in minutes:
        conn.execute("DELETE FROM rollups WHERE level = 60 AND bucket = ?", (minute,))
        frame = scan_frame(conn, "e.started_at >= ? AND e.started_at < ?", (minute, minute + 60),
                           60, keys, create=True)  # fmt: skip
        assert frame is not None
        _store(conn, 60, frame)
    for finer, level in itertools.pairwise(LEVELS):
        for bucket in sorted({m // level * level for m in minutes}):
            _rebuild_from_finer(conn, level, finer, bucket)
    _set_state(conn, -removed)


def _rebuild_from_finer(conn: sqlite3.Connection, level: int, finer: int, bucket: int) -> None:
    """One bucket of `level` as the merge of its `finer` buckets' rows."""
    conn.execute("DELETE FROM rollups WHERE level = ? AND bucket = ?", (level, bucket))
    parts = read_frame(conn, finer, bucket, bucket + level)
    parts.bucket = np.full(len(parts), bucket, dtype=np.int64)
    _store(conn, level, _merged(parts))


def rebuild(conn: sqlite3.Connection) -> None:
    """Build every rollup from the stored exchanges (inside the caller's transaction)."""
    conn.execute("DELETE FROM rollups")
    conn.execute("DELETE FROM rollup_state")
    keys = Keys(conn)
    low, high = conn.execute("SELECT min(started_at), max(started_at) FROM exchanges").fetchone()
    if low is not None:
        # A day at a time keeps memory bounded whatever the size of the capture.
        day = 86_400
        start = int(low // day * day)
        while start <= high:
            minutes = scan_frame(conn, "e.started_at >= ? AND e.started_at < ?",
                                 (start, start + day), 60, keys, create=True)  # fmt: skip
            assert minutes is not None
            _store(conn, 60, minutes)
            for finer, level in itertools.pairwise(LEVELS):
                for bucket in np.unique(minutes.bucket // level * level).tolist():
                    _rebuild_from_finer(conn, level, finer, bucket)
            start += day
    count = conn.execute("SELECT count(*) FROM exchanges").fetchone()[0]
    conn.execute("INSERT INTO rollup_state (id, exchanges) VALUES (1, 0)")
    _set_state(conn, int(count))


def is_current(conn: sqlite3.Connection, *, thorough: bool = False) -> bool:
    """Whether the rollups describe exactly the stored exchanges.

    The id range is checked in O(log n) for every query; `thorough` also counts the rows.
    """
    if not exists(conn):
        return False
    state = conn.execute("SELECT exchanges, min_id, max_id FROM rollup_state").fetchone()
    if state is None:
        return False
    low, high = conn.execute(_ID_RANGE).fetchone()
    if (state[1], state[2]) != (low, high):
        return False
    if thorough:
        return bool(conn.execute("SELECT count(*) FROM exchanges").fetchone()[0] == state[0])
    return True


def stored_count(conn: sqlite3.Connection) -> int | None:
    """How many exchanges are stored, from the rollups' state when it is current, else None.

    count(*) reads a whole index: a third of a second at ten million exchanges.
    """
    if not is_current(conn):
        return None
    return int(conn.execute("SELECT exchanges FROM rollup_state").fetchone()[0])


def ensure_current(conn: sqlite3.Connection) -> None:
    """Rebuild the rollups when they no longer match the exchanges (a writable open)."""
    if exists(conn) and not is_current(conn, thorough=True):
        with conn:
            rebuild(conn)
