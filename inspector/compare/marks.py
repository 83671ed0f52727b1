"""What changed significantly for one endpoint or consumer, in words, and whether it got worse.

The app's Compare table says "slower p95" or "more errors" where the command line's verdict says
"changed: slower": a table cell has room for which percentile moved, and a colour needs to know
whether a change is a regression or an improvement. The tests behind it are the command line's
(`Change.slower_at`, `latency_changed`, `errors_significant`), so both read the same traffic the
same way; the percentile marks follow `--fail-on p95:...`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from inspector.compare.report import (
    LATENCY_FLOOR_MS,
    LATENCY_FLOOR_PERCENT,
    Change,
    Report,
)

MarkKind = Literal["worse", "better", "new", "gone", "unknown"]
PERCENTILES = (50, 95, 99)
NOT_SIGNIFICANT = "not significant"


@dataclass(frozen=True)
class Mark:
    """One significant change: `text` for the reader, and the figures it is about."""

    text: str
    kind: MarkKind
    metrics: tuple[str, ...] = ()  # "errors", "p50", "p95", "p99"

    @property
    def counts(self) -> bool:
        """A change a summary counts ("too few to tell" is not one)."""
        return self.kind != "unknown"


def _matters(move: tuple[float, float] | None) -> bool:
    """Past the floors below which a significant shift is not worth a reader's time."""
    return (move is not None and abs(move[0]) >= LATENCY_FLOOR_MS
            and abs(move[1]) >= LATENCY_FLOOR_PERCENT)  # fmt: skip


def _latency_mark(change: Change) -> Mark | None:
    slower = [p for p in PERCENTILES if change.slower_at(p) and _matters(change.latency_change(p))]
    if slower:
        names = tuple(f"p{p}" for p in slower)
        return Mark("slower " + ", ".join(names), "worse", names)
    if not change.latency_changed:
        return None
    # The whole distribution moved (Mann-Whitney) without one percentile being significantly
    # slower: the median says which way, as the command line's verdict does.
    median = change.latency_change(50) or (0.0, 0.0)
    up = median[0] > 0
    moved = []
    for p in (50, 95):
        move = change.latency_change(p)
        if move is not None and _matters(move) and (move[0] > 0) == up:
            moved.append(f"p{p}")
    text = " ".join(["slower" if up else "faster", ", ".join(moved)]).strip()
    return Mark(text, "worse" if up else "better", tuple(moved))


def marks(change: Change) -> list[Mark]:
    """The significant changes of one row; empty when nothing changed beyond noise."""
    if change.base is None:
        return [Mark("new", "new")]
    if change.head is None:
        return [Mark("gone", "gone")]
    found = []
    latency = _latency_mark(change)
    if latency is not None:
        found.append(latency)
    if change.errors_significant:
        more = (change.error_change_pp() or 0.0) > 0
        found.append(Mark("more errors" if more else "fewer errors", "worse" if more else "better",
                          ("errors",)))  # fmt: skip
    if not found and change.latency_p is None and change.error_p is None:
        return [Mark("too few to tell", "unknown")]
    return found


def verdict(found: list[Mark]) -> str:
    """`slower p95, more errors`; `not significant` when nothing moved beyond noise."""
    return ", ".join(mark.text for mark in found) or NOT_SIGNIFICANT


def significant_count(report: Report) -> int:
    """Endpoints that changed significantly (or appeared or vanished), plus every status code and
    response field that did. Consumers are the same traffic cut another way: not counted again."""
    rows = sum(any(mark.counts for mark in marks(change)) for change in report.endpoints)
    return rows + len(report.statuses) + len(report.fields)
