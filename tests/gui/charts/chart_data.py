"""Hand-made ChartData for the chart widget tests: what the store would hand the charts."""

from __future__ import annotations

import numpy as np

from inspector.store.series import ChartData

START = 1_795_000_000.0


def chart_data(
    buckets: int = 4, bucket_seconds: int = 60, total: int = 0, **fields: object
) -> ChartData:
    """`buckets` buckets of `bucket_seconds` from START; other fields as given."""
    return ChartData(
        start=START, end=START + buckets * bucket_seconds, bucket_seconds=bucket_seconds,
        bucket_starts=START + bucket_seconds * np.arange(buckets, dtype=np.float64),
        total=total, **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def ints(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def floats(*values: float) -> np.ndarray:
    return np.array(values, dtype=np.float64)
