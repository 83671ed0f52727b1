"""Chart series from the rollups, for wide or busy selections: the same ChartData as from rows.

Buckets of a minute or more that are whole multiples of a rollup level come from stored rows
of that level (and the rows of the partial minutes at the ends). Counts per bucket and status
class, the consumer series and the overall status codes are exact; the p50 and p95 lines, the
overall percentiles and the histogram come from the merged sketches. The response-time points
are each bucket's slowest exchange (kept by the rollups) plus an even sample of the selection
read by id, so a million rows are never read to draw twenty thousand points.
"""

from __future__ import annotations

import json
import math
import sqlite3

import numpy as np

from inspector.store import rollup_answers, rollups
from inspector.store.rollup_frames import regroup
from inspector.store.selection import Selection, consumers_join
from inspector.store.series import (
    NO_CONSUMER,
    OTHER_CONSUMERS,
    STATUS_CLASSES,
    ChartData,
    choose_bucket_seconds,
)

_SAMPLE_CANDIDATES = 100_000  # ids probed for the even sample of points


def _data_range(conn: sqlite3.Connection, selection: Selection) -> tuple[float, float] | None:
    """First and last start time of the selection, along the time index."""
    flt = selection.where()
    join = consumers_join(flt.where)
    ends = []
    for direction in ("ASC", "DESC"):
        row = conn.execute(
            f"SELECT e.started_at FROM exchanges e INDEXED BY exchanges_started_at {join} "
            f"WHERE ({flt.where}) ORDER BY e.started_at {direction} LIMIT 1",
            flt.params,
        ).fetchone()
        if row is None:
            return None
        ends.append(float(row[0]))
    return ends[0], ends[1]


def chart_data(
    conn: sqlite3.Connection,
    selection: Selection,
    *,
    target_buckets: int,
    max_points: int,
    histogram_bins: int,
    top_consumers: int,
) -> ChartData | None:
    """The charts of the selection from the rollups, or None when the rows should answer."""
    if not rollup_answers.filter_allows_rollups(selection.filter):
        return None
    if not rollups.is_current(conn):
        return None
    lo, hi = selection.start, selection.end
    if lo is None or hi is None:
        found = _data_range(conn, Selection(selection.filter, selection.consumer, lo, hi))
        if found is None:
            return None
        lo = found[0] if lo is None else lo
        hi = found[1] + 1e-6 if hi is None else hi
    step = choose_bucket_seconds(hi - lo, target_buckets)
    levels = tuple(level for level in rollups.LEVELS if step % level == 0)
    if not levels:
        return None
    bounded = Selection(selection.filter, selection.consumer, lo, hi)
    plan = rollup_answers.plan(conn, bounded, levels)
    if plan is None:
        return None
    frame = plan.frame
    first = math.floor(lo / step) * step
    n_buckets = max(1, math.ceil((hi - first) / step))
    buckets = np.clip((frame.bucket - first) // step, 0, n_buckets - 1).astype(np.int64)
    by_bucket = regroup(frame, buckets, n_buckets)
    everyone = regroup(frame, np.zeros(len(frame), dtype=np.int64), 1)
    dims = plan.dims(frame.key)
    statuses = np.array([-1 if d[6] is None else d[6] for d in dims], dtype=np.int64)
    consumers = np.array([-1 if d[0] is None else d[0] for d in dims], dtype=np.int64)
    edges, counts, log = rollup_answers.histogram(everyone, histogram_bins)
    point_ids, point_times, point_durations = _points(
        conn, bounded, by_bucket.slowest_id, plan.total, max_points
    )
    nan = float("nan")
    return ChartData(
        start=lo,
        end=hi,
        bucket_seconds=step,
        bucket_starts=first + step * np.arange(n_buckets, dtype=np.float64),
        total=plan.total,
        point_ids=point_ids,
        point_times=point_times,
        point_durations=point_durations,
        p50_by_bucket=np.array([_or(by_bucket.percentile(b, 50), nan) for b in range(n_buckets)]),
        p95_by_bucket=np.array([_or(by_bucket.percentile(b, 95), nan) for b in range(n_buckets)]),
        histogram_edges=edges,
        histogram_log=log,
        histogram_counts=counts,
        p50_ms=everyone.percentile(0, 50),
        p95_ms=everyone.percentile(0, 95),
        p99_ms=everyone.percentile(0, 99),
        status_by_bucket=_status_series(statuses, buckets, frame.requests, n_buckets),
        status_codes=_status_codes(statuses, frame.requests),
        consumers_by_bucket=_consumer_series(
            conn, consumers, buckets, frame.requests, n_buckets, top_consumers
        ),
    )


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def _status_series(
    statuses: np.ndarray, buckets: np.ndarray, requests: np.ndarray, n_buckets: int
) -> dict[str, np.ndarray]:
    classes = np.where(statuses < 0, -1, statuses // 100)
    series = {}
    for name, code in zip(STATUS_CLASSES, (2, 3, 4, 5, -1), strict=True):
        mask = classes == code
        if name == "2xx":
            mask |= classes == 1  # as the exact path: informational answers count as success
        series[name] = np.bincount(buckets[mask], weights=requests[mask],
                                   minlength=n_buckets).astype(np.int64)  # fmt: skip
    return series


def _status_codes(statuses: np.ndarray, requests: np.ndarray) -> dict[str, int]:
    codes, inverse = np.unique(statuses, return_inverse=True)
    totals = np.bincount(inverse, weights=requests).astype(np.int64)
    return {("failed" if code < 0 else str(int(code))): int(total)
            for code, total in zip(codes, totals, strict=True)}  # fmt: skip


def _consumer_series(
    conn: sqlite3.Connection,
    consumers: np.ndarray,
    buckets: np.ndarray,
    requests: np.ndarray,
    n_buckets: int,
    top: int,
) -> dict[str, np.ndarray]:
    series: dict[str, np.ndarray] = {}
    known = consumers >= 0
    if known.any():
        ids, inverse = np.unique(consumers[known], return_inverse=True)
        totals = np.bincount(inverse, weights=requests[known])
        top_ids = ids[np.argsort(-totals, kind="stable")[:top]]
        names = dict(
            conn.execute(
                "SELECT id, CASE WHEN label != '' THEN label ELSE identifier END FROM consumers "
                "WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps([int(i) for i in top_ids]),),
            ).fetchall()
        )
        for consumer_id in top_ids:
            mask = consumers == consumer_id
            name = str(names.get(int(consumer_id), consumer_id))
            series[name] = np.bincount(buckets[mask], weights=requests[mask],
                                       minlength=n_buckets).astype(np.int64)  # fmt: skip
        rest = known & ~np.isin(consumers, top_ids)
        if rest.any():
            series[OTHER_CONSUMERS] = np.bincount(buckets[rest], weights=requests[rest],
                                                  minlength=n_buckets).astype(np.int64)  # fmt: skip
    anonymous = ~known
    if anonymous.any():
        series[NO_CONSUMER] = np.bincount(buckets[anonymous], weights=requests[anonymous],
                                          minlength=n_buckets).astype(np.int64)  # fmt: skip
    return series


def _points(
    conn: sqlite3.Connection, selection: Selection, slowest: np.ndarray, total: int, max_points: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each bucket's slowest exchange plus an even sample of the selection, by id."""
    flt = selection.where()
    join = consumers_join(flt.where)
    bounds = []
    for direction, edge in (("ASC", selection.start), ("DESC", selection.end)):
        operator = ">=" if direction == "ASC" else "<"
        row = conn.execute(
            f"SELECT id FROM exchanges WHERE started_at {operator} ? "
            f"ORDER BY started_at {direction} LIMIT 1",
            (edge,),
        ).fetchone()
        bounds.append(int(row[0]) if row else 0)
    low, high = min(bounds), max(bounds)
    span = high - low + 1
    # Probe more ids than points when the selection is a small part of its time range.
    wanted = max(0, max_points - int((slowest >= 0).sum()))
    probes = min(span, _SAMPLE_CANDIDATES, wanted * max(1, math.ceil(span / max(total, 1))))
    candidates = np.unique(np.linspace(low, high, max(probes, 0)).astype(np.int64))
    chosen = sorted({*candidates.tolist(), *slowest[slowest >= 0].tolist()})
    rows = conn.execute(
        f"SELECT e.id, e.started_at, e.duration_ms FROM exchanges e {join} "
        f"WHERE e.id IN (SELECT value FROM json_each(?)) AND e.duration_ms IS NOT NULL "
        f"AND ({flt.where}) ORDER BY e.id",
        (json.dumps(chosen), *flt.params),
    ).fetchall()
    if not rows:
        empty = np.zeros(0)
        return np.zeros(0, dtype=np.int64), empty, empty
    table = np.array(rows, dtype=np.float64)
    return table[:, 0].astype(np.int64), table[:, 1].copy(), table[:, 2].copy()
