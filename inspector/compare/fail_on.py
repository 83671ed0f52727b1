"""`--fail-on EXPR`: the regressions that should fail a CI run, e.g.
`p95:+20% errors:+1pp new-5xx removed-field`.

Latency and error thresholds fire only for changes that are also significant (see
significance.py), and latency ones only past an absolute floor, so two runs of the same
traffic on a busy machine do not fail the build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inspector.compare.report import LATENCY_FLOOR_MS, Report
from inspector.contract.drift import KINDS as DRIFT_KINDS
from inspector.contract.drift import DriftReport
from inspector.errors import InspectorError

COMPARE_FLAGS = ("new-5xx", "new-4xx", "new-status", "new-endpoint", "gone-endpoint",
                 "removed-field", "type-changed", "added-field")  # fmt: skip
# Drift from a spec (compare --spec, inspector drift); `drift` is any of them.
DRIFT_FLAGS = (*DRIFT_KINDS, "drift")
FLAGS = COMPARE_FLAGS + DRIFT_FLAGS
_THRESHOLD = re.compile(
    r"(?P<metric>p50|p95|p99):\+(?P<value>\d+(?:\.\d+)?)(?P<unit>%|ms)$|"
    r"errors:\+(?P<pp>\d+(?:\.\d+)?)pp$"
)


class FailOnError(InspectorError):
    """A bad --fail-on expression (exit 2), naming the term and its position."""


@dataclass(frozen=True)
class Rule:
    text: str
    metric: str  # p50, p95, p99, errors, or a flag
    value: float = 0.0
    unit: str = ""


def parse(expression: str, *, drift_only: bool = False) -> list[Rule]:
    rules = []
    for match in re.finditer(r"\S+", expression):
        term = match.group()
        if term in (DRIFT_FLAGS if drift_only else FLAGS):
            rules.append(Rule(term, term))
            continue
        found = None if drift_only else _THRESHOLD.match(term)
        if drift_only and found is None:
            raise FailOnError(
                f"--fail-on: {term!r} at position {match.start() + 1} is not a rule; use one "
                "or more of " + ", ".join(DRIFT_FLAGS)
            )
        if found is None:
            raise FailOnError(
                f"--fail-on: {term!r} at position {match.start() + 1} is not a rule; use "
                "p50|p95|p99:+N% or :+Nms, errors:+Npp, or one of " + ", ".join(FLAGS)
            )
        if found.group("pp") is not None:
            rules.append(Rule(term, "errors", float(found.group("pp")), "pp"))
        else:
            rules.append(Rule(term, found.group("metric"), float(found.group("value")),
                              found.group("unit")))  # fmt: skip
    if not rules:
        raise FailOnError("--fail-on: the expression is empty")
    return rules


def _latency(rule: Rule, report: Report) -> list[str]:
    hits = []
    percentile = int(rule.metric[1:])
    for change in report.endpoints:
        moved = change.latency_change(percentile)
        # Significant at the rule's own percentile, not only as a whole distribution.
        if moved is None or not change.slower_at(percentile) or moved[0] < LATENCY_FLOOR_MS:
            continue
        amount = moved[1] if rule.unit == "%" else moved[0]
        if amount >= rule.value:
            hits.append(f"{rule.text}: {change.name} {rule.metric} {moved[0]:+.1f} ms "
                        f"({moved[1]:+.0f}%)")  # fmt: skip
    return hits


def _flag(rule: Rule, report: Report) -> list[str]:
    metric = rule.metric
    if metric in ("new-5xx", "new-4xx", "new-status"):
        first = {"new-5xx": "5", "new-4xx": "4", "new-status": ""}[metric]
        return [f"{rule.text}: {s.endpoint} now answers {s.status} ({s.head}x)"
                for s in report.statuses
                if s.kind == "new" and s.status.startswith(first)]  # fmt: skip
    if metric == "new-endpoint":
        return [f"{rule.text}: {name}" for name in report.new_endpoints]
    if metric == "gone-endpoint":
        return [f"{rule.text}: {name}" for name in report.gone_endpoints]
    kind = {"removed-field": "removed", "added-field": "added", "type-changed": "type-changed"}
    return [f"{rule.text}: {f.endpoint} {f.path}" for f in report.fields if f.kind == kind[metric]]


def uses_drift(rules: list[Rule]) -> bool:
    return any(rule.metric in DRIFT_FLAGS for rule in rules)


def drift_hits(rules: list[Rule], drift: DriftReport) -> list[str]:
    hits = []
    for rule in rules:
        if rule.metric in DRIFT_FLAGS:
            hits += [f"{rule.text}: {f.kind} {f.method} {f.endpoint} {f.detail}"
                     for f in drift.findings if rule.metric in ("drift", f.kind)]  # fmt: skip
    return hits


def regressions(rules: list[Rule], report: Report, drift: DriftReport | None = None) -> list[str]:
    """One line per rule that fires, naming what triggered it."""
    hits: list[str] = drift_hits(rules, drift) if drift is not None else []
    for rule in rules:
        if rule.metric in DRIFT_FLAGS:
            continue
        if rule.metric in ("p50", "p95", "p99"):
            hits += _latency(rule, report)
        elif rule.metric == "errors":
            for change in report.endpoints:
                moved = change.error_change_pp()
                if moved is not None and change.errors_significant and moved >= rule.value:
                    hits.append(f"{rule.text}: {change.name} errors {moved:+.1f} pp")
        else:
            hits += _flag(rule, report)
    return hits
