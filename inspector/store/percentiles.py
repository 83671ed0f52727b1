"""The one percentile method: exact by linear interpolation, or from a mergeable latency sketch.

Exact: for n sorted durations v[0..n-1] the p-th percentile sits at fractional rank
h = (n - 1) * p / 100, between v[floor(h)] and v[ceil(h)] (numpy's default `method="linear"`).

Sketch (for selections too large to sort, answered from rollups): durations are counted in
logarithmic bins, DDSketch-style. Bin i holds the durations in (GAMMA^(i-1), GAMMA^i] and stands
for 2 * GAMMA^i / (GAMMA + 1), which is within RELATIVE_ERROR of every value in the bin. The two
ranks floor(h) and ceil(h) are looked up in the bins and interpolated as above, so a percentile
from a sketch is within RELATIVE_ERROR of the exact one. Bins of different sketches add up, so
per-minute sketches merge into any time range, consumer or endpoint, and subtract on deletes.
Durations under MIN_TRACKED_MS (a microsecond), and negative ones an odd HAR file may carry,
count in a bin that stands for 0.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

PERCENTILES = (50, 95, 99)
RELATIVE_ERROR = 0.01
GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)
_LOG_GAMMA = math.log(GAMMA)
MIN_TRACKED_MS = 1e-3
ZERO_BIN = -32768  # the bin of durations under MIN_TRACKED_MS
# A sketch is stored as packed (bin, count) pairs: 6 bytes a bin in use.
PAIR = np.dtype([("bin", "<i2"), ("count", "<i4")])

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def linear(ordered: FloatArray, p: float) -> float | None:
    """The p-th percentile of already sorted values; None for none."""
    n = ordered.size
    if n == 0:
        return None
    h = (n - 1) * p / 100
    low = math.floor(h)
    high = min(low + 1, n - 1)
    weight = h - low
    return float(ordered[low] + (ordered[high] - ordered[low]) * weight)


def grouped(ordered: FloatArray, counts: IntArray, ps: tuple[int, ...]) -> dict[int, FloatArray]:
    """Per-group percentiles, where `ordered` holds each group's values as a sorted run.

    `counts[g]` is the length of group g's run; NaN where a group has no values. Integer
    arithmetic for the rank keeps it identical to `linear`.
    """
    starts = np.cumsum(counts) - counts
    has_data = counts > 0
    result: dict[int, FloatArray] = {}
    for p in ps:
        if not ordered.size:
            result[p] = np.full(counts.size, np.nan)
            continue
        scaled = np.maximum(counts - 1, 0) * p
        lower = np.where(has_data, starts + scaled // 100, 0)
        upper = np.where(has_data, np.minimum(lower + 1, starts + counts - 1), 0)
        weight = (scaled % 100) / 100
        low, high = ordered[lower], ordered[upper]
        value = np.where(weight > 0, low + (high - low) * weight, low)
        result[p] = np.where(has_data, value, np.nan)
    return result


def bins_of(durations: FloatArray) -> IntArray:
    """The sketch bin of each duration (no NaN expected)."""
    safe = np.maximum(durations, MIN_TRACKED_MS)
    index = np.ceil(np.log(safe) / _LOG_GAMMA).astype(np.int64)
    return np.where(durations < MIN_TRACKED_MS, ZERO_BIN, index)


def bin_value(bins: IntArray) -> FloatArray:
    """The duration each bin stands for."""
    value = 2 * np.power(GAMMA, bins.astype(np.float64)) / (GAMMA + 1)
    return np.where(bins == ZERO_BIN, 0.0, value)


def decode(blob: bytes) -> tuple[IntArray, IntArray]:
    """A stored sketch's (bins, counts); rollups._store packs them as PAIR records."""
    pairs = np.frombuffer(blob, dtype=PAIR)
    return pairs["bin"].astype(np.int64), pairs["count"].astype(np.int64)


def merge(bins: IntArray, counts: IntArray) -> tuple[IntArray, IntArray]:
    """Add up counts of equal bins: (distinct bins ascending, their counts)."""
    if not bins.size:
        return bins, counts
    distinct, codes = np.unique(bins, return_inverse=True)
    return distinct, np.bincount(codes, weights=counts, minlength=distinct.size).astype(np.int64)


def from_sketch(bins: IntArray, counts: IntArray, p: float) -> float | None:
    """The p-th percentile of a merged sketch (bins ascending); None when it is empty."""
    total = int(counts.sum())
    if total <= 0:
        return None
    cumulative = np.cumsum(counts)
    h = (total - 1) * p / 100
    low = math.floor(h)
    high = min(low + 1, total - 1)
    # The value of rank r (from 0) lies in the first bin whose cumulative count exceeds r.
    values = bin_value(bins[np.searchsorted(cumulative, [low, high], side="right")])
    return float(values[0] + (values[1] - values[0]) * (h - low))
