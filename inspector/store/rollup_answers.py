"""Answers from the rollups: summaries, consumers, endpoints and chart series of large selections.

A selection can be answered here when its filter names only rollup dimensions (consumer, method,
scheme, host, port, endpoint, status, user agent: no free text, path, duration, size, type or
since/until terms) and the rollups are current. Its time range is covered by stored buckets,
coarsest first, and the parts of minutes at either end are counted from their rows. Counts, sums
and maxima are exact; percentiles come from the merged sketches (store.percentiles). Selections
of at most EXACT_LIMIT exchanges are left to the exact path, so their percentiles stay exact.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from inspector.store import percentiles, rollups
from inspector.store.answers import (
    ConsumerList,
    EndpointStats,
    Latency,
    Method,
    Summary,
    Totals,
    by_count,
    endpoint_order,
    host_key,
)
from inspector.store.filters import SqlFilter
from inspector.store.percentiles import IntArray
from inspector.store.rollup_frames import Frame, Groups, concat, regroup
from inspector.store.selection import Selection, consumers_join
from inspector.store.series import histogram_edges
from inspector.store.stats import consumer_records

EXACT_LIMIT = 50_000  # selections up to this many exchanges are answered from their rows
_COLUMN = re.compile(r"\b([a-z_]+)\.([a-z_]+)\b")
_ROLLUP_COLUMNS = set(rollups.DIMENSIONS)
_FAR = 2**40  # beyond any epoch second we will see
_SKETCH = Method(rollups=True, exact_percentiles=False)
T = TypeVar("T")


def filter_allows_rollups(flt: SqlFilter) -> bool:
    """Whether the condition reads only dimensions every exchange of a rollup row shares."""
    for table, column in _COLUMN.findall(flt.where):
        if table == "e" and column not in _ROLLUP_COLUMNS:
            return False
        if table not in ("e", "c"):
            return False
    return "exchanges_fts" not in flt.where


@dataclass
class Plan:
    keys: rollups.Keys
    frame: Frame

    @property
    def total(self) -> int:
        return int(self.frame.requests.sum())

    def dims(self, row_keys: np.ndarray) -> list[rollups.Dims]:
        return [self.keys.dims[int(key)] for key in row_keys]


def _cover(low: int, high: int, levels: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """(level, low, high) pieces covering [low, high), coarsest level first where it fits."""
    for index in range(len(levels) - 1, -1, -1):
        level = levels[index]
        first, last = math.ceil(low / level) * level, math.floor(high / level) * level
        if first < last:
            finer = levels[:index]
            return [*_cover(low, first, finer), (level, first, last), *_cover(last, high, finer)]
    return []


def plan(
    conn: sqlite3.Connection,
    selection: Selection,
    levels: tuple[int, ...] = rollups.LEVELS,
    minimum: int | None = None,
) -> Plan | None:
    """The selection's rollup rows, or None when the exact path must (or should) answer."""
    if not filter_allows_rollups(selection.filter) or not rollups.is_current(conn):
        return None
    keys = rollups.Keys(conn)
    condition = selection.filter.and_(selection.consumer_condition())
    key_ids: list[int] | None = None
    if not condition.is_empty:
        join = consumers_join(condition.where)
        key_ids = [
            row[0]
            for row in conn.execute(
                f"SELECT e.key_id FROM rollup_keys e {join} WHERE ({condition.where})",
                condition.params,
            )
        ]
    start = -_FAR if selection.start is None else selection.start
    end = _FAR if selection.end is None else selection.end
    finest = levels[0]
    inner_low = math.ceil(start / finest) * finest
    inner_high = math.floor(end / finest) * finest
    if inner_low >= inner_high:
        return None  # under two minutes: the rows are few
    frames = [rollups.read_frame(conn, level, low, high, key_ids)
              for level, low, high in _cover(inner_low, inner_high, levels)]  # fmt: skip
    for low, high in ((start, inner_low), (inner_high, end)):
        if low < high:
            edge = Selection(condition, None, low, high).where()
            frame = rollups.scan_frame(conn, edge.where, edge.params, finest, keys)
            if frame is None:
                return None
            frames.append(frame)
    result = Plan(keys, concat(frames))
    return result if result.total > (EXACT_LIMIT if minimum is None else minimum) else None


def _codes(values: Sequence[T]) -> tuple[IntArray, list[T]]:
    """Integer codes for values, in order of first appearance, and the values coded."""
    index: dict[T, int] = {}
    codes = np.fromiter(
        (index.setdefault(v, len(index)) for v in values), dtype=np.int64, count=len(values)
    )
    return codes, list(index)


def _by_consumer(plan_: Plan) -> tuple[list[int | None], Groups]:
    dims = plan_.dims(plan_.frame.key)
    codes, consumers = _codes([d[0] for d in dims])
    return consumers, regroup(plan_.frame, codes, len(consumers))


def consumer_list(conn: sqlite3.Connection, plan_: Plan) -> ConsumerList:
    consumers, groups = _by_consumer(plan_)
    everyone = regroup(plan_.frame, np.zeros(len(plan_.frame), dtype=np.int64), 1)
    anonymous = Totals()
    figures: dict[int, tuple[int, int, float | None, float | None, float]] = {}
    for code, consumer in enumerate(consumers):
        numbers = (int(groups.requests[code]), int(groups.errors[code]),
                   groups.percentile(code, 50), groups.percentile(code, 95),
                   float(groups.last_seen[code]))  # fmt: skip
        if consumer is None:
            anonymous = Totals(*numbers)
        else:
            figures[consumer] = numbers
    return ConsumerList(_totals(everyone), anonymous, consumer_records(conn, figures), _SKETCH)


def _totals(groups: Groups) -> Totals:
    return Totals(int(groups.requests[0]), int(groups.errors[0]), groups.percentile(0, 50),
                  groups.percentile(0, 95), float(groups.last_seen[0]))  # fmt: skip


def endpoint_stats(plan_: Plan) -> tuple[EndpointStats, ...]:
    dims = plan_.dims(plan_.frame.key)
    codes, endpoints = _codes([(d[1], d[5]) for d in dims])
    groups = regroup(plan_.frame, codes, len(endpoints))
    rows = []
    for code, key in enumerate(endpoints):
        method, endpoint = key
        requests = int(groups.requests[code])
        rows.append(EndpointStats(
            method, endpoint, requests, int(groups.errors[code]), groups.percentile(code, 50),
            groups.percentile(code, 95), groups.percentile(code, 99), groups.maximum(code),
            round(int(groups.request_bytes[code]) / max(requests, 1), 1),
            round(int(groups.response_bytes[code]) / max(requests, 1), 1),
        ))  # fmt: skip
    rows.sort(key=endpoint_order)
    return tuple(rows)


def summary(conn: sqlite3.Connection, plan_: Plan) -> Summary:
    frame = plan_.frame
    # Per key first: a handful of keys, however many rows.
    key_codes, keys = _codes(frame.key.tolist())
    per_key = np.bincount(key_codes, weights=frame.requests, minlength=len(keys))
    methods: Counter[str] = Counter()
    schemes: Counter[str] = Counter()
    hosts: Counter[str] = Counter()
    agents: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    unidentified = 0
    for key, count in zip(keys, per_key.astype(np.int64).tolist(), strict=True):
        consumer, method, scheme, host, port, _endpoint, status, agent = plan_.keys.dims[key]
        methods[method] += count
        schemes[scheme] += count
        hosts[host_key(scheme, host, port)] += count
        agents[agent] += count
        statuses["failed" if status is None else str(status)] += count
        if consumer is None:
            unidentified += count
    everyone = regroup(frame, np.zeros(len(frame), dtype=np.int64), 1)
    latency = Latency(everyone.percentile(0, 50), everyone.percentile(0, 95),
                      everyone.percentile(0, 99), everyone.maximum(0))  # fmt: skip
    listed = consumer_list(conn, plan_)
    return Summary(
        requests=int(everyone.requests[0]),
        errors=int(everyone.errors[0]),
        failed=statuses.get("failed", 0),
        unidentified_requests=unidentified,
        methods=by_count(methods),
        schemes=by_count(schemes),
        hosts=by_count(hosts),
        user_agents=by_count(agents),
        status_codes=by_count(statuses),
        latency_ms=latency,
        consumers=listed.consumers,
        endpoints=endpoint_stats(plan_),
        method=_SKETCH,
    )


def histogram(groups: Groups, bins: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """The latency histogram from the merged sketch (group 0), as the exact path draws it."""
    values = percentiles.bin_value(groups.pair_bin)
    counts = groups.pair_count
    if not counts.sum():
        return np.zeros(0), np.zeros(0, dtype=np.int64), False
    edges, log = histogram_edges(float(np.min(values)), float(groups.duration_max[0]), bins)
    clipped = np.clip(values, edges[0], edges[-1])
    hist, edges = np.histogram(clipped, bins=edges, weights=counts)
    return edges.astype(np.float64), hist.astype(np.int64), log
