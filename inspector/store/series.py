"""Chart data for a filtered time range: one SQL fetch, every series computed with numpy.

The GUI's charts (response times, latency histogram, status codes over time, consumers over time)
all read one `ChartData`, computed off the GUI thread. Percentiles are store.percentiles' exact
method here, the same as `inspector stats`.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from inspector.store import percentiles
from inspector.store.filters import MATCH_ALL, SqlFilter
from inspector.store.selection import from_clause

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Bucket sizes a person reads easily on a time axis, in seconds.
BUCKET_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
                43200, 86400, 604800)  # fmt: skip
STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx", "failed")
NO_CONSUMER = "(no consumer)"
_FETCH_CHUNK = 50_000
OTHER_CONSUMERS = "Other"


def choose_bucket_seconds(span_seconds: float, target_buckets: int = 120) -> int:
    """The smallest readable bucket size that splits the span into at most `target_buckets`."""
    wanted = max(span_seconds, 1.0) / max(target_buckets, 1)
    for step in BUCKET_STEPS:
        if step >= wanted:
            return step
    return BUCKET_STEPS[-1] * math.ceil(wanted / BUCKET_STEPS[-1])


def _empty() -> FloatArray:
    return np.zeros(0, dtype=np.float64)


@dataclass(frozen=True)
class ChartData:
    """Every series the charts draw, for one filter and time range."""

    start: float
    end: float
    bucket_seconds: int
    bucket_starts: FloatArray = field(default_factory=_empty)
    total: int = 0
    # Response times: a bounded sample of points (each bucket's slowest always kept, so spikes
    # never vanish) plus exact p50/p95 lines per bucket (NaN where a bucket is empty).
    point_ids: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    point_times: FloatArray = field(default_factory=_empty)
    point_durations: FloatArray = field(default_factory=_empty)
    p50_by_bucket: FloatArray = field(default_factory=_empty)
    p95_by_bucket: FloatArray = field(default_factory=_empty)
    # Latency histogram over the whole range; log-spaced bins when latencies span orders of
    # magnitude (then the chart's axis is logarithmic too).
    histogram_edges: FloatArray = field(default_factory=_empty)
    histogram_log: bool = False
    histogram_counts: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    # Status codes: counts per bucket by class, and the exact code breakdown.
    status_by_bucket: dict[str, IntArray] = field(default_factory=dict)
    status_codes: dict[str, int] = field(default_factory=dict)
    # Requests per bucket for the top consumers (then "Other" and "(no consumer)" when present).
    consumers_by_bucket: dict[str, IntArray] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return self.total == 0

    def view_span(self, min_seconds: float = 60.0) -> tuple[float, float]:
        """The time span to show: the data's range, widened around its middle to at least
        `min_seconds` so that one exchange (or a burst in one second) is not a zero-width view."""
        if self.end - self.start >= min_seconds:
            return self.start, self.end
        middle = (self.start + self.end) / 2
        return middle - min_seconds / 2, middle + min_seconds / 2


def _fetch(
    conn: sqlite3.Connection, flt: SqlFilter, start: float | None, end: float | None
) -> tuple[IntArray, FloatArray, FloatArray, IntArray, IntArray]:
    conditions = [f"({flt.where})"]
    values: list[object] = list(flt.params)
    if start is not None:
        conditions.append("e.started_at >= ?")
        values.append(start)
    if end is not None:
        conditions.append("e.started_at < ?")
        values.append(end)
    # -1 stands for "no status" (failed) and "no consumer"; a NULL duration becomes NaN.
    cursor = conn.execute(
        "SELECT e.id, e.started_at, e.duration_ms, coalesce(e.status, -1), "
        f"coalesce(e.consumer_id, -1) {from_clause(flt.where)} "
        f"WHERE {' AND '.join(conditions)}",
        values,
    )
    # Chunks keep memory flat and, as each conversion is one C call holding the GIL, let the
    # GUI thread run between them: one 1M-row conversion froze the window for most of a second.
    chunks = []
    while rows := cursor.fetchmany(_FETCH_CHUNK):
        chunks.append(np.array(rows, dtype=np.float64))  # NULL durations become NaN
    if not chunks:
        empty_i = np.zeros(0, dtype=np.int64)
        return empty_i, _empty(), _empty(), empty_i, empty_i
    table = np.concatenate(chunks) if len(chunks) > 1 else chunks[0]
    return (
        table[:, 0].astype(np.int64),
        table[:, 1].copy(),
        table[:, 2].copy(),
        table[:, 3].astype(np.int64),
        table[:, 4].astype(np.int64),
    )


def _by_bucket(buckets: IntArray, durations: FloatArray) -> tuple[IntArray, IntArray]:
    """(indices of the known durations ordered by bucket, where each bucket's run starts).

    Rows come in id order, which is nearly time order, so a stable sort of the bucket numbers
    costs little; percentiles and maxima within a run then need no sort of the durations.
    """
    known = np.flatnonzero(~np.isnan(durations))
    order = known[np.argsort(buckets[known], kind="stable")]
    starts = np.flatnonzero(np.r_[True, np.diff(buckets[order]) != 0])
    return order, starts


def _bucket_percentiles(
    buckets: IntArray, durations: FloatArray, n_buckets: int, order: IntArray, starts: IntArray
) -> tuple[FloatArray, FloatArray]:
    p50 = np.full(n_buckets, np.nan)
    p95 = np.full(n_buckets, np.nan)
    for run in np.split(order, starts[1:]) if order.size else []:
        ordered = np.sort(durations[run])
        bucket = buckets[run[0]]
        p50[bucket] = percentiles.linear(ordered, 50)
        p95[bucket] = percentiles.linear(ordered, 95)
    return p50, p95


def _sample_points(
    ids: IntArray, times: FloatArray, durations: FloatArray, order: IntArray, starts: IntArray,
    max_points: int,
) -> tuple[IntArray, FloatArray, FloatArray]:  # fmt: skip
    known = np.sort(order)
    if known.size <= max_points:
        return ids[known], times[known], durations[known]
    # Keep every bucket's slowest exchange (the first of its equals), then an even stride.
    slowest = np.array(
        [run[np.argmax(durations[run])] for run in np.split(order, starts[1:])], dtype=np.int64
    )
    stride = max(1, known.size // max(1, max_points - slowest.size))
    chosen = np.union1d(slowest, known[::stride])
    return ids[chosen], times[chosen], durations[chosen]


def histogram_edges(low: float, high: float, bins: int) -> tuple[FloatArray, bool]:
    """The bin edges of a latency histogram from `low` to `high` ms, and whether they are
    log-spaced: latencies spanning orders of magnitude get log-spaced bins, which keep the fast
    majority readable. One value makes one bin around it."""
    log = low > 0 and high / low > 20
    if high <= low:
        return np.array([low - 0.5, high + 0.5]), log
    if log:
        return np.geomspace(low, high, bins + 1), log
    return np.linspace(low, high, bins + 1), log


def _histogram(durations: FloatArray, bins: int) -> tuple[FloatArray, IntArray, bool]:
    known = durations[~np.isnan(durations)]
    if known.size == 0:
        return _empty(), np.zeros(0, dtype=np.int64), False
    edges, log = histogram_edges(float(np.min(known)), float(np.max(known)), bins)
    counts, edges = np.histogram(known, bins=edges)
    return edges.astype(np.float64), counts.astype(np.int64), log


def _status_series(
    statuses: IntArray, buckets: IntArray, n_buckets: int
) -> tuple[dict[str, IntArray], dict[str, int]]:
    by_class: dict[str, IntArray] = {}
    classes = np.where(statuses < 0, -1, statuses // 100)
    for name, code in zip(STATUS_CLASSES, (2, 3, 4, 5, -1), strict=True):
        mask = classes == code
        if name == "2xx":
            mask |= classes == 1  # informational answers are rare; count them with success
        by_class[name] = np.bincount(buckets[mask], minlength=n_buckets).astype(np.int64)
    codes, counts = np.unique(statuses, return_counts=True)
    breakdown = {
        ("failed" if code < 0 else str(int(code))): int(count)
        for code, count in zip(codes, counts, strict=True)
    }
    return by_class, breakdown


def _consumer_series(
    conn: sqlite3.Connection, consumers: IntArray, buckets: IntArray, n_buckets: int, top: int
) -> dict[str, IntArray]:
    series: dict[str, IntArray] = {}
    known = consumers[consumers >= 0]
    if known.size:
        ids, counts = np.unique(known, return_counts=True)
        top_ids = ids[np.argsort(-counts, kind="stable")[:top]]
        names = dict(
            conn.execute(
                "SELECT id, CASE WHEN label != '' THEN label ELSE identifier END FROM consumers "
                f"WHERE id IN ({', '.join('?' for _ in top_ids)})",
                [int(i) for i in top_ids],
            ).fetchall()
        )
        for consumer_id in top_ids:
            mask = consumers == consumer_id
            name = str(names.get(int(consumer_id), consumer_id))
            series[name] = np.bincount(buckets[mask], minlength=n_buckets).astype(np.int64)
        rest = (consumers >= 0) & ~np.isin(consumers, top_ids)
        if rest.any():
            series[OTHER_CONSUMERS] = np.bincount(buckets[rest], minlength=n_buckets).astype(
                np.int64
            )
    anonymous = consumers < 0
    if anonymous.any():
        series[NO_CONSUMER] = np.bincount(buckets[anonymous], minlength=n_buckets).astype(np.int64)
    return series


def load_chart_data(
    conn: sqlite3.Connection,
    flt: SqlFilter = MATCH_ALL,
    *,
    start: float | None = None,
    end: float | None = None,
    target_buckets: int = 120,
    max_points: int = 20_000,
    histogram_bins: int = 40,
    top_consumers: int = 5,
) -> ChartData:
    """Compute every chart series for exchanges matching `flt` in [start, end), from every row.

    With no start or end the range is the data's own. Buckets are aligned to multiples of their
    size (local clocks agree).
    """
    ids, times, durations, statuses, consumers = _fetch(conn, flt, start, end)
    if ids.size == 0:
        lo = start if start is not None else 0.0
        hi = end if end is not None else lo
        return ChartData(start=lo, end=hi, bucket_seconds=choose_bucket_seconds(hi - lo))
    lo = start if start is not None else float(np.min(times))
    hi = end if end is not None else float(np.max(times)) + 1e-6
    step = choose_bucket_seconds(hi - lo, target_buckets)
    first = math.floor(lo / step) * step
    n_buckets = max(1, math.ceil((hi - first) / step))
    buckets = np.clip(((times - first) // step).astype(np.int64), 0, n_buckets - 1)
    order, starts = _by_bucket(buckets, durations)
    p50, p95 = _bucket_percentiles(buckets, durations, n_buckets, order, starts)
    point_ids, point_times, point_durations = _sample_points(
        ids, times, durations, order, starts, max_points
    )
    edges, counts, log = _histogram(durations, histogram_bins)
    known = np.sort(durations[~np.isnan(durations)])
    by_class, breakdown = _status_series(statuses, buckets, n_buckets)
    return ChartData(
        start=lo,
        end=hi,
        bucket_seconds=step,
        bucket_starts=first + step * np.arange(n_buckets, dtype=np.float64),
        total=int(ids.size),
        point_ids=point_ids,
        point_times=point_times,
        point_durations=point_durations,
        p50_by_bucket=p50,
        p95_by_bucket=p95,
        histogram_edges=edges,
        histogram_log=log,
        histogram_counts=counts,
        p50_ms=percentiles.linear(known, 50),
        p95_ms=percentiles.linear(known, 95),
        p99_ms=percentiles.linear(known, 99),
        status_by_bucket=by_class,
        status_codes=breakdown,
        consumers_by_bucket=_consumer_series(conn, consumers, buckets, n_buckets, top_consumers),
    )
