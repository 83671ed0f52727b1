"""Is a change more than noise? Two-sided tests with their normal approximations.

- Error rates: the two-proportion z-test (pooled standard error).
- Latency: the Mann-Whitney U test, ties averaged and tie-corrected, which compares whole
  distributions without assuming a shape (response times are skewed, so a t-test would not do).
- One percentile (what a `--fail-on p95:...` gate asks about): the share of HEAD slower than
  BASE's own p95, against BASE's share, by a one-sided Fisher exact test. Mann-Whitney alone
  let a slight shift of the whole distribution (significant with enough requests) pair with two
  tail outliers and fail a gate on two runs of the same code.

Both need a few observations a side; below MIN_SAMPLES a change is reported, never called
significant. The level is 1%: a comparison looks at many endpoints at once, and a CI gate that
fails on noise gets switched off.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

ALPHA = 0.01
MIN_SAMPLES = 8


def _two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def proportions_p(errors_a: int, total_a: int, errors_b: int, total_b: int) -> float | None:
    """p-value that two error rates differ; None when either side is too small to say."""
    if min(total_a, total_b) < MIN_SAMPLES:
        return None
    pooled = (errors_a + errors_b) / (total_a + total_b)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / total_a + 1 / total_b))
    if spread == 0:
        return 1.0  # both sides all errors or all successes: nothing differs
    return _two_sided_p((errors_b / total_b - errors_a / total_a) / spread)


def mann_whitney_p(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float | None:
    """p-value that one side's durations tend to be larger; None when a side is too small."""
    n_a, n_b = a.size, b.size
    if min(n_a, n_b) < MIN_SAMPLES:
        return None
    values = np.concatenate([a, b])
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = np.arange(1, values.size + 1)
    # Equal durations share the mean of their ranks.
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    ranks = (sums / counts)[inverse]
    u = float(ranks[:n_a].sum()) - n_a * (n_a + 1) / 2
    n = n_a + n_b
    tie_term = float(np.sum(counts.astype(np.float64) ** 3 - counts)) / (n * (n - 1))
    variance = n_a * n_b / 12 * ((n + 1) - tie_term)
    if variance <= 0:
        return 1.0
    z = (u - n_a * n_b / 2) / math.sqrt(variance)
    return _two_sided_p(z)


def significant(p: float | None) -> bool:
    return p is not None and p < ALPHA


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def fisher_greater_p(hits_a: int, size_a: int, hits_b: int, size_b: int) -> float:
    """One-sided Fisher exact p-value that B's share of hits is larger than A's."""
    hits, size = hits_a + hits_b, size_a + size_b
    low, high = max(0, hits - size_a), min(hits, size_b)
    if hits_b <= low:
        return 1.0
    denominator = _log_choose(size, hits)

    def probability(x: int) -> float:
        return math.exp(_log_choose(size_b, x) + _log_choose(size_a, hits - x) - denominator)

    # The upper tail; terms shrink fast past the mode, so stop once they stop counting.
    total = 0.0
    for x in range(hits_b, high + 1):
        term = probability(x)
        total += term
        if x > hits_b + 50 and term < total * 1e-12:
            break
    return min(1.0, total)


def slower_tail_p(
    base: npt.NDArray[np.float64], head: npt.NDArray[np.float64], percentile: float
) -> float | None:
    """p-value that HEAD has more requests above BASE's `percentile` than BASE has.

    Under no change about (100 - percentile)% of each side lies above it; a regression at that
    percentile puts more of HEAD there. None when a side is too small to say.
    """
    if min(base.size, head.size) < MIN_SAMPLES:
        return None
    threshold = float(np.percentile(base, percentile))
    above_base = int(np.count_nonzero(base > threshold))
    above_head = int(np.count_nonzero(head > threshold))
    return fisher_greater_p(above_base, base.size, above_head, head.size)
