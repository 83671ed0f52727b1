"""`--fail-on EXPR`: reading the expression (errors name the term and where it is), and which
rules fire on a comparison or a drift report, with the line naming what triggered each."""

from __future__ import annotations

import random
from array import array
from collections import Counter

import pytest

from inspector.compare.fail_on import FailOnError, Rule, parse, regressions
from inspector.compare.report import compare
from inspector.compare.sides import Group, Shape, Side
from inspector.contract.drift import DriftReport, Finding

ENDPOINT = "GET /users/{id}"


def _group(durations: list[float], statuses: dict[str, int]) -> Group:
    errors = sum(n for status, n in statuses.items() if status == "failed" or status >= "500")
    return Group(sum(statuses.values()), errors, array("d", durations), Counter(statuses))


def _side(label: str, durations: list[float], statuses: dict[str, int] | None = None) -> Side:
    side = Side(label)
    side.endpoints[ENDPOINT] = _group(durations, statuses or {"200": len(durations)})
    return side


def _durations(centre: float, count: int = 400, seed: int = 1) -> list[float]:
    rng = random.Random(seed)
    return [centre + rng.uniform(-1, 1) for _ in range(count)]


def test_every_kind_of_term_is_read() -> None:
    rules = parse("p95:+20%  p50:+3.5ms errors:+1pp new-5xx removed-field drift")
    assert rules == [
        Rule("p95:+20%", "p95", 20.0, "%"),
        Rule("p50:+3.5ms", "p50", 3.5, "ms"),
        Rule("errors:+1pp", "errors", 1.0, "pp"),
        Rule("new-5xx", "new-5xx"),
        Rule("removed-field", "removed-field"),
        Rule("drift", "drift"),
    ]


@pytest.mark.parametrize(
    ("expression", "term", "position"),
    [
        ("p95:+20% p96:+1%", "p96:+1%", 10),
        ("p95:20%", "p95:20%", 1),  # the + is required: only regressions are gated
        ("errors:+1%", "errors:+1%", 1),
        ("new-5xx  NEW-4XX", "NEW-4XX", 10),
        ("p99:+1.5.2ms", "p99:+1.5.2ms", 1),
    ],
)
def test_a_bad_term_is_named_with_its_position(expression: str, term: str, position: int) -> None:
    with pytest.raises(FailOnError) as caught:
        parse(expression)
    assert str(caught.value).startswith(f"--fail-on: {term!r} at position {position} is not")
    assert "p50|p95|p99:+N% or :+Nms" in str(caught.value)


@pytest.mark.parametrize("expression", ["", "   ", "\t\n"])
def test_an_empty_expression_is_refused(expression: str) -> None:
    with pytest.raises(FailOnError, match="the expression is empty"):
        parse(expression)


def test_drift_alone_takes_only_drift_flags() -> None:
    assert [rule.metric for rule in parse("invalid-response drift", drift_only=True)] == [
        "invalid-response",
        "drift",
    ]
    with pytest.raises(FailOnError) as caught:
        parse("drift p95:+5%", drift_only=True)
    assert "'p95:+5%' at position 7" in str(caught.value)
    assert "p50|p95" not in str(caught.value)


def test_identical_runs_fire_no_rule() -> None:
    durations = _durations(50.0)
    report = compare(_side("base", durations), _side("head", list(durations)))
    everything = parse("p50:+0% p95:+0ms p99:+0% errors:+0pp new-status new-endpoint "
                       "gone-endpoint removed-field added-field type-changed")  # fmt: skip
    assert regressions(everything, report) == []


def test_a_slower_head_fires_the_latency_rule_it_passes_and_not_a_stricter_one() -> None:
    report = compare(_side("base", _durations(50.0)), _side("head", _durations(80.0, seed=2)))
    hits = regressions(parse("p50:+50% p50:+70% p95:+20ms"), report)
    assert len(hits) == 2
    assert hits[0].startswith(f"p50:+50%: {ENDPOINT} p50 +")
    assert hits[0].endswith("%)")
    assert hits[1].startswith(f"p95:+20ms: {ENDPOINT} p95 +")


def test_a_significant_slowdown_under_the_floor_of_2_ms_does_not_fail_the_build() -> None:
    # 1 ms on 1 ms is +100% and, with 400 samples each side, highly significant.
    base = _side("base", [1.0 + i / 1000 for i in range(400)])
    head = _side("head", [2.0 + i / 1000 for i in range(400)])
    assert regressions(parse("p50:+10% p95:+10%"), compare(base, head)) == []


def test_a_faster_head_fires_no_latency_rule() -> None:
    report = compare(_side("base", _durations(80.0)), _side("head", _durations(50.0, seed=2)))
    assert regressions(parse("p50:+0% p95:+0ms p99:+0%"), report) == []


def test_a_rise_in_errors_fires_past_its_threshold_in_percentage_points() -> None:
    durations = _durations(50.0)
    base = _side("base", durations, {"200": 400})
    head = _side("head", durations, {"200": 340, "503": 60})
    hits = regressions(parse("errors:+10pp errors:+20pp"), compare(base, head))
    assert hits == [f"errors:+10pp: {ENDPOINT} errors +15.0 pp"]


def test_new_statuses_endpoints_and_fields_are_named() -> None:
    base = _side("base", [10.0] * 20, {"200": 20})
    head = _side("head", [10.0] * 20, {"200": 18, "503": 1, "404": 1})
    base.endpoints["GET /old"] = _group([5.0], {"200": 1})
    head.endpoints["POST /new"] = _group([5.0], {"201": 1})
    base.shapes[ENDPOINT] = Shape(2, {"id": {"number"}, "name": {"string"}}, Counter(id=2, name=2))
    head.shapes[ENDPOINT] = Shape(2, {"id": {"string"}}, Counter(id=2))
    report = compare(base, head)
    rules = parse("new-5xx new-4xx new-endpoint gone-endpoint removed-field type-changed")
    assert regressions(rules, report) == [
        f"new-5xx: {ENDPOINT} now answers 503 (1x)",
        f"new-4xx: {ENDPOINT} now answers 404 (1x)",
        "new-endpoint: POST /new",
        "gone-endpoint: GET /old",
        f"removed-field: {ENDPOINT} name",
        f"type-changed: {ENDPOINT} id",
    ]
    assert regressions(parse("new-status"), report) == [
        f"new-status: {ENDPOINT} now answers 404 (1x)",
        f"new-status: {ENDPOINT} now answers 503 (1x)",
    ]


def test_drift_rules_fire_on_the_findings_of_their_kind() -> None:
    same = _side("base", [10.0])
    drift = DriftReport("spec.yaml", findings=[
        Finding("undocumented-status", "GET", "/users/{id}", "/users/{id}", "418"),
        Finding("invalid-response", "GET", "/users/{id}", "/users/{id}", "id: not a string"),
    ])  # fmt: skip
    report = compare(same, same)
    assert regressions(parse("invalid-response"), report, drift) == [
        "invalid-response: invalid-response GET /users/{id} id: not a string"
    ]
    assert len(regressions(parse("drift"), report, drift)) == 2
    assert regressions(parse("undocumented-field"), report, drift) == []
    assert regressions(parse("drift"), report, None) == []
