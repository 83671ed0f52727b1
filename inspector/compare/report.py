"""What changed between two sides: figures per endpoint and consumer with their significance,
endpoints and status codes that appeared or vanished, and response fields that changed."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from inspector.compare.sides import Group, Shape, Side
from inspector.compare.significance import (
    MIN_SAMPLES,
    mann_whitney_p,
    proportions_p,
    significant,
    slower_tail_p,
)
from inspector.store.percentiles import linear

# A field counts as part of an endpoint's shape when at least this share of its bodies has it.
_USUAL = 0.5
# A significant latency shift smaller than this (in ms, and in %) is not worth a reader's time:
# with hundreds of samples a 0.2 ms drift is "significant" and meaningless.
LATENCY_FLOOR_MS = 2.0
LATENCY_FLOOR_PERCENT = 5.0


@dataclass(frozen=True)
class Figures:
    requests: int
    errors: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    def to_json(self) -> dict[str, object]:
        return {"requests": self.requests, "errors": self.errors,
                "error_rate": round(self.error_rate, 6), "p50_ms": self.p50_ms,
                "p95_ms": self.p95_ms, "p99_ms": self.p99_ms}  # fmt: skip


def _figures(group: Group) -> Figures:
    ordered = np.sort(np.frombuffer(group.durations_ms, dtype=np.float64))
    return Figures(group.requests, group.errors,
                   *(linear(ordered, p) for p in (50, 95, 99)))  # fmt: skip


@dataclass(frozen=True)
class Change:
    """One endpoint or consumer on both sides (None: absent on that side)."""

    name: str
    base: Figures | None
    head: Figures | None
    error_p: float | None = None
    latency_p: float | None = None
    # Per percentile (50, 95, 99): is HEAD slower there? (significance.slower_tail_p)
    slower_p: tuple[float | None, float | None, float | None] = (None, None, None)

    def slower_at(self, percentile: int) -> bool:
        """HEAD significantly slower at this percentile (50, 95 or 99)."""
        return significant(self.slower_p[(50, 95, 99).index(percentile)])

    @property
    def latency_changed(self) -> bool:
        """Significant, and large enough at the median or p95 to matter."""
        if not self.latency_significant:
            return False
        moves = [self.latency_change(p) for p in (50, 95)]
        return any(
            m is not None and abs(m[0]) >= LATENCY_FLOOR_MS and abs(m[1]) >= LATENCY_FLOOR_PERCENT
            for m in moves
        )

    @property
    def errors_significant(self) -> bool:
        return significant(self.error_p)

    @property
    def latency_significant(self) -> bool:
        return significant(self.latency_p)

    def error_change_pp(self) -> float | None:
        if self.base is None or self.head is None:
            return None
        return (self.head.error_rate - self.base.error_rate) * 100

    def latency_change(self, percentile: int) -> tuple[float, float] | None:
        """(change in ms, change in %) of a percentile; None when a side has none."""
        if self.base is None or self.head is None:
            return None
        before = getattr(self.base, f"p{percentile}_ms")
        after = getattr(self.head, f"p{percentile}_ms")
        if before is None or after is None:
            return None
        percent = (after - before) / before * 100 if before > 0 else (0.0 if after == 0 else 100.0)
        return after - before, percent

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "name": self.name,
            "base": self.base.to_json() if self.base else None,
            "head": self.head.to_json() if self.head else None,
            "error_rate_change_pp": self.error_change_pp(),
            "errors_p_value": self.error_p,
            "errors_significant": self.errors_significant,
            "latency_p_value": self.latency_p,
            "latency_significant": self.latency_significant,
            "latency_changed": self.latency_changed,
        }
        for percentile, slower_p in zip((50, 95, 99), self.slower_p, strict=True):
            change = self.latency_change(percentile)
            out[f"p{percentile}_change_ms"] = change[0] if change else None
            out[f"p{percentile}_change_percent"] = change[1] if change else None
            out[f"p{percentile}_slower_p_value"] = slower_p
        return out


@dataclass(frozen=True)
class StatusChange:
    endpoint: str
    status: str
    base: int
    head: int
    kind: str  # "new" or "gone"


@dataclass(frozen=True)
class FieldChange:
    endpoint: str
    path: str
    kind: str  # "added", "removed" or "type-changed"
    base_types: tuple[str, ...]
    head_types: tuple[str, ...]


@dataclass
class Report:
    base_label: str
    head_label: str
    base_requests: int
    head_requests: int
    endpoints: list[Change] = field(default_factory=list)
    consumers: list[Change] = field(default_factory=list)
    statuses: list[StatusChange] = field(default_factory=list)
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def new_endpoints(self) -> list[str]:
        return [c.name for c in self.endpoints if c.base is None]

    @property
    def gone_endpoints(self) -> list[str]:
        return [c.name for c in self.endpoints if c.head is None]

    def to_json(self) -> dict[str, object]:
        return {
            "base": {"label": self.base_label, "requests": self.base_requests},
            "head": {"label": self.head_label, "requests": self.head_requests},
            "tests": {
                "errors": "two-proportion z-test",
                "latency": "Mann-Whitney U (normal approximation, tie-corrected)",
                "alpha": 0.01,
                "min_samples": MIN_SAMPLES,
            },
            "endpoints": [c.to_json() for c in self.endpoints],
            "consumers": [c.to_json() for c in self.consumers],
            "new_endpoints": self.new_endpoints,
            "gone_endpoints": self.gone_endpoints,
            "status_changes": [vars(s) for s in self.statuses],
            "field_changes": [
                {**vars(f), "base_types": list(f.base_types), "head_types": list(f.head_types)}
                for f in self.fields
            ],
        }


def _changes(base: dict[str, Group], head: dict[str, Group]) -> list[Change]:
    def volume(name: str) -> tuple[int, str]:
        # Busiest first; equal volumes by name, not in the set's order (which changes per run).
        return -sum(side[name].requests for side in (base, head) if name in side), name

    changes = []
    for name in sorted(base.keys() | head.keys(), key=volume):
        before, after = base.get(name), head.get(name)
        error_p = latency_p = None
        slower_p: tuple[float | None, float | None, float | None] = (None, None, None)
        if before is not None and after is not None:
            error_p = proportions_p(before.errors, before.requests, after.errors, after.requests)
            durations_before = np.frombuffer(before.durations_ms, dtype=np.float64)
            durations_after = np.frombuffer(after.durations_ms, dtype=np.float64)
            latency_p = mann_whitney_p(durations_before, durations_after)
            slower_p = (
                slower_tail_p(durations_before, durations_after, 50),
                slower_tail_p(durations_before, durations_after, 95),
                slower_tail_p(durations_before, durations_after, 99),
            )
        changes.append(Change(name, _figures(before) if before else None,
                              _figures(after) if after else None, error_p, latency_p,
                              slower_p))  # fmt: skip
    return changes


def _status_changes(base: dict[str, Group], head: dict[str, Group]) -> list[StatusChange]:
    found = []
    for name in sorted(base.keys() & head.keys()):
        before, after = base[name].statuses, head[name].statuses
        for status in sorted(before.keys() | after.keys()):
            if not before[status]:
                found.append(StatusChange(name, status, 0, after[status], "new"))
            elif not after[status]:
                found.append(StatusChange(name, status, before[status], 0, "gone"))
    return found


def _usual(shape: Shape) -> dict[str, set[str]]:
    return {path: types for path, types in shape.types.items()
            if shape.seen[path] >= _USUAL * shape.bodies}  # fmt: skip


def _field_changes(base: dict[str, Shape], head: dict[str, Shape]) -> list[FieldChange]:
    found = []
    for name in sorted(base.keys() & head.keys()):
        if not base[name].bodies or not head[name].bodies:
            continue
        before, after = _usual(base[name]), _usual(head[name])
        for path in sorted(before.keys() | after.keys()):
            if path not in head[name].types:  # never seen in any sampled body, not just rarely
                found.append(FieldChange(name, path, "removed", tuple(sorted(before[path])), ()))
            elif path not in base[name].types:
                found.append(FieldChange(name, path, "added", (), tuple(sorted(after[path]))))
            elif path in before and path in after:
                # null next to a type is optionality, not a change of type
                old, new = before[path] - {"null"}, after[path] - {"null"}
                if old and new and old != new:
                    found.append(FieldChange(name, path, "type-changed", tuple(sorted(old)),
                                             tuple(sorted(new))))  # fmt: skip
    return found


def compare(base: Side, head: Side) -> Report:
    return Report(
        base.label, head.label, base.requests, head.requests,
        _changes(base.endpoints, head.endpoints), _changes(base.consumers, head.consumers),
        _status_changes(base.endpoints, head.endpoints), _field_changes(base.shapes, head.shapes),
    )  # fmt: skip
