"""How durations and sizes read to a person: one style for the command line and the app."""

from __future__ import annotations


def duration_text(ms: float | None, missing: str = "") -> str:
    """`4.2 ms`, `38.4 ms`, `250 ms`, `1.53 s`; `missing` when there is none (no response).

    One decimal below 100 ms, where a local API's answers mostly are and tenths still matter.
    """
    if ms is None:
        return missing
    if ms < 100:
        return f"{ms:.1f} ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    return f"{ms / 1000:.2f} s"


def period_text(seconds: int, *, spaced: bool = False) -> str:
    """604800 -> `7d`, 5400 -> `90m`, 45 -> `45s`: the largest unit, up to days, that divides it
    exactly, as the configuration writes a period (`max_age = "7d"`). `spaced` is for prose
    beside other words: `7 d`, `90 min`, `45 s`."""
    for unit, spaced_unit, size in (("d", "d", 86400), ("h", "h", 3600), ("m", "min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {spaced_unit}" if spaced else f"{seconds // size}{unit}"
    return f"{seconds} s" if spaced else f"{seconds}s"


def size_text(count: float | None, missing: str = "") -> str:
    """`512 B`, `1.5 KB`, `5.0 MB`: binary multiples, as the filter language's `size:>10k`."""
    if count is None:
        return missing
    if count < 1024:
        return f"{count:.0f} B"
    value = float(count)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable: the loop returns at TB")
