"""A comparison as terminal text and as Markdown: cells, verdicts, the details and the row cap."""

from __future__ import annotations

from inspector.compare.render import (
    NO_DETAILS,
    detail_lines,
    errors_cell,
    latency_cell,
    markdown,
    text,
)
from inspector.compare.report import Change, FieldChange, Figures, Report, StatusChange

SIGNIFICANT = 0.0001
NOISE = 0.5


def _figures(requests: int = 100, errors: int = 0, p50: float | None = 10.0) -> Figures:
    return Figures(requests, errors, p50, None if p50 is None else p50 * 2,
                   None if p50 is None else p50 * 3)  # fmt: skip


def _report(*changes: Change, **details: list[StatusChange] | list[FieldChange]) -> Report:
    report = Report("main", "feature", 100, 120, endpoints=list(changes))
    report.statuses = [s for s in details.get("statuses", []) if isinstance(s, StatusChange)]
    report.fields = [f for f in details.get("fields", []) if isinstance(f, FieldChange)]
    return report


def _row(output: str, name: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(name))


def test_latency_cell_shows_both_sides_and_the_change_in_percent() -> None:
    change = Change("GET /a", _figures(p50=12.5), _figures(p50=70.0))
    assert latency_cell(change, 50) == "12.5 ms → 70.0 ms (+460%)"
    assert latency_cell(change, 95) == "25.0 ms → 140 ms (+460%)"


def test_latency_cell_leaves_out_a_change_of_nothing_and_dashes_a_missing_side() -> None:
    assert latency_cell(Change("GET /a", _figures(), _figures()), 50) == "10.0 ms → 10.0 ms"
    assert latency_cell(Change("GET /a", None, _figures(p50=3.0)), 50) == "- → 3.0 ms"
    assert latency_cell(Change("GET /a", _figures(p50=None), _figures()), 99) == "- → 30.0 ms"


def test_errors_cell_shows_rates_and_the_change_in_points() -> None:
    change = Change("GET /a", _figures(errors=1), _figures(errors=25))
    assert errors_cell(change) == "1.0% → 25.0% (+24.0 pp)"
    assert errors_cell(Change("GET /a", _figures(errors=3), _figures(errors=3))) == "3.0% → 3.0%"
    assert errors_cell(Change("GET /a", _figures(errors=4), None)) == "4.0% → -"
    # A side with no requests has no error rate to divide by.
    assert errors_cell(Change("GET /a", _figures(requests=0), _figures())) == "0.0% → 0.0%"


def test_each_row_gets_the_verdict_its_figures_and_tests_give() -> None:
    rows = [
        Change("GET /new", None, _figures()),
        Change("GET /gone", _figures(), None),
        Change("GET /lonely", _figures(requests=3), _figures(requests=3)),
        Change("GET /same", _figures(), _figures(), error_p=NOISE, latency_p=NOISE),
        Change(
            "GET /slow",
            _figures(errors=1),
            _figures(errors=30, p50=50.0),
            error_p=SIGNIFICANT,
            latency_p=SIGNIFICANT,
        ),
        Change("GET /fast", _figures(p50=50.0), _figures(), error_p=NOISE, latency_p=SIGNIFICANT),
        # Significant but below the 2 ms floor: not worth a reader's time.
        Change("GET /drift", _figures(p50=10.0), _figures(p50=10.5), latency_p=SIGNIFICANT),
    ]
    output = text(_report(*rows))
    verdicts = {change.name: _row(output, change.name).split("  ")[-1].strip() for change in rows}
    assert verdicts == {
        "GET /new": "new",
        "GET /gone": "gone",
        "GET /lonely": "too few to tell",
        "GET /same": "no significant change",
        "GET /slow": "changed: slower, errors",
        "GET /fast": "changed: faster",
        "GET /drift": "no significant change",
    }
    assert "100 → 0" in _row(output, "GET /gone") and "0 → 100" in _row(output, "GET /new")


def test_text_lines_up_its_columns_under_the_header() -> None:
    output = text(_report(Change("GET /a-much-longer-name", _figures(), _figures()),
                          Change("GET /b", _figures(), _figures())))  # fmt: skip
    header = _row(output, "Endpoint")
    rows = [_row(output, "GET /a-much"), _row(output, "GET /b ")]
    column = header.index("requests")
    assert all(row[column - 2 : column] == "  " and row[column] != " " for row in rows)
    assert output.startswith("Base: main (100 requests)\nHead: feature (120 requests)\n")


def test_only_the_fifty_busiest_rows_are_shown() -> None:
    rows = [Change(f"GET /r{n:03d}", _figures(), _figures()) for n in range(60)]
    output = text(_report(*rows))
    assert "GET /r049" in output and "GET /r050" not in output
    assert "| GET /r049 |" in markdown(_report(*rows)) and "GET /r050" not in markdown(
        _report(*rows)
    )


def test_detail_lines_name_every_kind_of_change() -> None:
    report = _report(
        Change("GET /v2", None, _figures()),
        Change("GET /v1", _figures(), None),
        statuses=[
            StatusChange("GET /orders", "500", 0, 20, "new"),
            StatusChange("GET /orders", "404", 7, 0, "gone"),
        ],
        fields=[
            FieldChange("GET /users", "email", "removed", ("string",), ()),
            FieldChange("GET /users", "tags[]", "added", (), ("string", "null")),
            FieldChange("GET /users", "id", "type-changed", ("integer",), ("string",)),
        ],
    )
    assert detail_lines(report) == [
        "New endpoint: GET /v2",
        "Endpoint no longer called: GET /v1",
        "New status: GET /orders answered 500 20 time(s)",
        "Status no longer seen: GET /orders 404 (was 7)",
        "Field removed: GET /users email (string)",
        "Field added: GET /users tags[] (string|null)",
        "Field type changed: GET /users id integer → string",
    ]
    assert "- Field added: GET /users tags[] (string|null)" in markdown(report).splitlines()


def test_nothing_changed_is_said_in_words() -> None:
    report = _report(Change("GET /a", _figures(), _figures()))
    assert detail_lines(report) == []
    assert NO_DETAILS in text(report).splitlines()
    assert "No endpoint, status or field changes." in markdown(report).splitlines()


def test_markdown_escapes_pipes_so_a_name_cannot_break_the_table() -> None:
    output = markdown(_report(Change("GET /a|b", _figures(), _figures())))
    row = next(line for line in output.splitlines() if "/a" in line)
    assert row.startswith("| GET /a\\|b | 100 → 100 |")
    # Same column count as the header: the escaped pipe is no cell border.
    header = next(line for line in output.splitlines() if line.startswith("| Endpoint"))
    assert row.replace("\\|", "").count("|") == header.count("|")


def test_unicode_names_pass_through_both_formats() -> None:
    report = _report(Change("GET /café/ürün", None, _figures()))
    assert "GET /café/ürün" in text(report) and "`main`" in markdown(report)
    assert detail_lines(report) == ["New endpoint: GET /café/ürün"]
