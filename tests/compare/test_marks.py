"""What changed for one row in words (`slower p95`, `more errors`), which way, and the count."""

from __future__ import annotations

from inspector.compare.marks import NOT_SIGNIFICANT, Mark, marks, significant_count, verdict
from inspector.compare.report import Change, FieldChange, Figures, Report, StatusChange

SIGNIFICANT = 0.0001
NOISE = 0.5


def _figures(errors: int = 0, p50: float = 10.0, p95: float = 20.0, p99: float = 30.0) -> Figures:
    return Figures(100, errors, p50, p95, p99)


def test_a_row_on_one_side_only_is_new_or_gone() -> None:
    assert marks(Change("GET /a", None, _figures())) == [Mark("new", "new")]
    assert marks(Change("GET /a", _figures(), None)) == [Mark("gone", "gone")]


def test_slower_names_each_percentile_that_is_significantly_slower_past_the_floors() -> None:
    change = Change("GET /a", _figures(), _figures(p50=10.5, p95=60.0, p99=90.0),
                    latency_p=SIGNIFICANT,
                    slower_p=(SIGNIFICANT, SIGNIFICANT, SIGNIFICANT))  # fmt: skip
    # p50 moved 0.5 ms: significant, but under the 2 ms floor, so not named.
    assert marks(change) == [Mark("slower p95, p99", "worse", ("p95", "p99"))]
    assert verdict(marks(change)) == "slower p95, p99"


def test_a_whole_distribution_shift_reads_by_its_median() -> None:
    faster = Change("GET /a", _figures(p50=40.0, p95=80.0), _figures(), latency_p=SIGNIFICANT)
    assert marks(faster) == [Mark("faster p50, p95", "better", ("p50", "p95"))]
    # Slower overall, though no single percentile is significantly slower on its own.
    slower = Change("GET /a", _figures(), _figures(p50=20.0, p95=21.0), latency_p=SIGNIFICANT)
    assert marks(slower) == [Mark("slower p50", "worse", ("p50",))]


def test_error_rate_changes_read_more_or_fewer() -> None:
    worse = Change("GET /a", _figures(errors=1), _figures(errors=30), error_p=SIGNIFICANT)
    better = Change("GET /a", _figures(errors=30), _figures(errors=1), error_p=SIGNIFICANT)
    assert marks(worse) == [Mark("more errors", "worse", ("errors",))]
    assert marks(better) == [Mark("fewer errors", "better", ("errors",))]


def test_latency_and_errors_together_are_both_said() -> None:
    change = Change("GET /a", _figures(), _figures(errors=30, p95=90.0), error_p=SIGNIFICANT,
                    latency_p=NOISE, slower_p=(None, SIGNIFICANT, None))  # fmt: skip
    assert verdict(marks(change)) == "slower p95, more errors"


def test_noise_is_not_significant_and_untested_rows_are_too_few_to_tell() -> None:
    noise = Change("GET /a", _figures(), _figures(p50=11.0), error_p=NOISE, latency_p=NOISE)
    assert marks(noise) == [] and verdict(marks(noise)) == NOT_SIGNIFICANT
    untested = Change("GET /a", _figures(), _figures(errors=50, p50=90.0))
    assert marks(untested) == [Mark("too few to tell", "unknown")]
    assert not marks(untested)[0].counts


def test_the_count_takes_changed_endpoints_statuses_and_fields_but_not_consumers() -> None:
    changed = Change("GET /slow", _figures(), _figures(errors=30), error_p=SIGNIFICANT)
    report = Report(
        "base", "head", 100, 100,
        endpoints=[changed, Change("GET /new", None, _figures()),
                   Change("GET /few", _figures(), _figures()),
                   Change("GET /same", _figures(), _figures(), error_p=NOISE, latency_p=NOISE)],
        consumers=[changed, Change("key 1", None, _figures())],
        statuses=[StatusChange("GET /slow", "500", 0, 30, "new")],
        fields=[FieldChange("GET /slow", "id", "type-changed", ("integer",), ("string",))],
    )  # fmt: skip
    assert significant_count(report) == 2 + 1 + 1
    assert significant_count(Report("base", "head", 0, 0)) == 0
