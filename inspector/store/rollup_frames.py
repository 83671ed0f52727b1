"""Rollup rows in memory: exchanges aggregated per time bucket and dimension key, and merging them.

A frame holds one row per (bucket, key) with exact counts and sums, the maxima, and the latency
sketch as (row, bin, count) pairs (store.percentiles). The writer builds frames from each batch,
a rebuild from stored exchanges, and queries read them back from the rollup tables; `regroup`
merges any frame into coarser groups (an hour from its minutes, a consumer from its keys), which
is all the answers need.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from inspector.store import percentiles
from inspector.store.percentiles import FloatArray, IntArray

_ZERO = np.zeros(0, dtype=np.int64)
_EMPTY = np.zeros(0, dtype=np.float64)


def _ints() -> IntArray:
    return _ZERO.copy()


def _floats() -> FloatArray:
    return _EMPTY.copy()


@dataclass
class Frame:
    """Aggregates per row; `pair_row` points sketch pairs at their row."""

    bucket: IntArray = field(default_factory=_ints)  # bucket start, epoch seconds
    key: IntArray = field(default_factory=_ints)  # rollup_keys.key_id
    requests: IntArray = field(default_factory=_ints)
    errors: IntArray = field(default_factory=_ints)
    timed: IntArray = field(default_factory=_ints)  # exchanges with a duration
    duration_sum: FloatArray = field(default_factory=_floats)
    duration_max: FloatArray = field(default_factory=_floats)  # NaN: no duration
    slowest_id: IntArray = field(default_factory=_ints)  # -1: no duration
    request_bytes: IntArray = field(default_factory=_ints)
    response_bytes: IntArray = field(default_factory=_ints)
    last_seen: FloatArray = field(default_factory=_floats)
    pair_row: IntArray = field(default_factory=_ints)
    pair_bin: IntArray = field(default_factory=_ints)
    pair_count: IntArray = field(default_factory=_ints)

    def __len__(self) -> int:
        return int(self.bucket.size)


def _group_max(
    codes: IntArray, values: FloatArray, ids: IntArray, groups: int
) -> tuple[FloatArray, IntArray]:
    """Per group the largest value (NaN ignored) and the id it came with (-1 when none)."""
    best = np.full(groups, np.nan)
    best_id = np.full(groups, -1, dtype=np.int64)
    known = ~np.isnan(values)
    if not known.any():
        return best, best_id
    order = np.lexsort((values[known], codes[known]))
    sorted_codes = codes[known][order]
    last = np.flatnonzero(np.r_[sorted_codes[1:] != sorted_codes[:-1], True])
    best[sorted_codes[last]] = values[known][order][last]
    best_id[sorted_codes[last]] = ids[known][order][last]
    return best, best_id


def _pairs(
    codes: IntArray, bins: IntArray, counts: IntArray
) -> tuple[IntArray, IntArray, IntArray]:
    """Sum counts per (code, bin): pairs sorted by code, then bin."""
    if not codes.size:
        return _ints(), _ints(), _ints()
    low = int(np.min(bins))
    width = int(np.max(bins)) - low + 1
    combined = codes * width + (bins - low)
    distinct, inverse = np.unique(combined, return_inverse=True)
    summed = np.bincount(inverse, weights=counts, minlength=distinct.size).astype(np.int64)
    keep = summed != 0
    distinct, summed = distinct[keep], summed[keep]
    return distinct // width, distinct % width + low, summed


def from_exchanges(
    level: int,
    ids: IntArray,
    started_at: FloatArray,
    keys: IntArray,
    durations: FloatArray,
    errors: IntArray,
    request_bytes: IntArray,
    response_bytes: IntArray,
) -> Frame:
    """Aggregate single exchanges (NaN duration: failed) into `level`-second buckets."""
    if not ids.size:
        return Frame()
    buckets = (np.floor(started_at / level) * level).astype(np.int64)
    width = int(np.max(keys)) + 1
    combined = buckets // level * width + keys
    distinct, codes = np.unique(combined, return_inverse=True)
    codes = codes.astype(np.int64)
    groups = distinct.size
    timed = ~np.isnan(durations)
    duration_max, slowest = _group_max(codes, durations, ids, groups)
    last_seen = np.full(groups, -np.inf)
    np.maximum.at(last_seen, codes, started_at)
    pair_row, pair_bin, pair_count = _pairs(
        codes[timed], percentiles.bins_of(durations[timed]), np.ones(int(timed.sum()), np.int64)
    )
    return Frame(
        bucket=distinct // width * level,
        key=distinct % width,
        requests=np.bincount(codes, minlength=groups).astype(np.int64),
        errors=np.bincount(codes, weights=errors, minlength=groups).astype(np.int64),
        timed=np.bincount(codes, weights=timed, minlength=groups).astype(np.int64),
        duration_sum=np.bincount(
            codes, weights=np.where(timed, durations, 0.0), minlength=groups
        ).astype(np.float64),
        duration_max=duration_max,
        slowest_id=slowest,
        request_bytes=np.bincount(codes, weights=request_bytes, minlength=groups).astype(np.int64),
        response_bytes=np.bincount(codes, weights=response_bytes, minlength=groups).astype(
            np.int64
        ),
        last_seen=last_seen,
        pair_row=pair_row,
        pair_bin=pair_bin,
        pair_count=pair_count,
    )


def concat(frames: list[Frame]) -> Frame:
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return Frame()
    if len(frames) == 1:
        return frames[0]
    offsets = np.cumsum([0] + [len(frame) for frame in frames[:-1]])
    return Frame(
        bucket=np.concatenate([f.bucket for f in frames]),
        key=np.concatenate([f.key for f in frames]),
        requests=np.concatenate([f.requests for f in frames]),
        errors=np.concatenate([f.errors for f in frames]),
        timed=np.concatenate([f.timed for f in frames]),
        duration_sum=np.concatenate([f.duration_sum for f in frames]),
        duration_max=np.concatenate([f.duration_max for f in frames]),
        slowest_id=np.concatenate([f.slowest_id for f in frames]),
        request_bytes=np.concatenate([f.request_bytes for f in frames]),
        response_bytes=np.concatenate([f.response_bytes for f in frames]),
        last_seen=np.concatenate([f.last_seen for f in frames]),
        pair_row=np.concatenate(
            [f.pair_row + offset for f, offset in zip(frames, offsets, strict=True)]
        ),
        pair_bin=np.concatenate([f.pair_bin for f in frames]),
        pair_count=np.concatenate([f.pair_count for f in frames]),
    )


@dataclass
class Groups:
    """A frame merged into groups: the figures every answer is made of."""

    requests: IntArray
    errors: IntArray
    timed: IntArray
    duration_sum: FloatArray
    duration_max: FloatArray
    slowest_id: IntArray
    request_bytes: IntArray
    response_bytes: IntArray
    last_seen: FloatArray
    pair_group: IntArray  # merged sketch pairs, sorted by group then bin
    pair_bin: IntArray
    pair_count: IntArray

    def percentile(self, group: int, p: float) -> float | None:
        start, stop = np.searchsorted(self.pair_group, [group, group + 1])
        return percentiles.from_sketch(self.pair_bin[start:stop], self.pair_count[start:stop], p)

    def maximum(self, group: int) -> float | None:
        value = float(self.duration_max[group])
        return None if math.isnan(value) else value


def regroup(frame: Frame, codes: IntArray, groups: int) -> Groups:
    """Merge the frame's rows into `groups` groups; codes[i] is row i's group."""
    duration_max, slowest = _group_max(codes, frame.duration_max, frame.slowest_id, groups)
    last_seen = np.full(groups, -np.inf)
    if len(frame):
        np.maximum.at(last_seen, codes, frame.last_seen)
    pair_group, pair_bin, pair_count = _pairs(
        codes[frame.pair_row], frame.pair_bin, frame.pair_count
    )

    def total(values: IntArray) -> IntArray:
        return np.bincount(codes, weights=values, minlength=groups).astype(np.int64)

    return Groups(
        requests=total(frame.requests),
        errors=total(frame.errors),
        timed=total(frame.timed),
        duration_sum=np.bincount(codes, weights=frame.duration_sum, minlength=groups).astype(
            np.float64
        ),
        duration_max=duration_max,
        slowest_id=slowest,
        request_bytes=total(frame.request_bytes),
        response_bytes=total(frame.response_bytes),
        last_seen=last_seen,
        pair_group=pair_group,
        pair_bin=pair_bin,
        pair_count=pair_count,
    )


def as_frame(groups: Groups, bucket: IntArray, key: IntArray) -> Frame:
    """Groups back as a frame (a rebuilt hour from its minutes): group g gets bucket[g], key[g]."""
    return Frame(
        bucket=bucket, key=key, requests=groups.requests, errors=groups.errors,
        timed=groups.timed, duration_sum=groups.duration_sum, duration_max=groups.duration_max,
        slowest_id=groups.slowest_id, request_bytes=groups.request_bytes,
        response_bytes=groups.response_bytes, last_seen=groups.last_seen,
        pair_row=groups.pair_group, pair_bin=groups.pair_bin, pair_count=groups.pair_count,
    )  # fmt: skip
