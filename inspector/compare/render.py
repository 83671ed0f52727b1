"""A comparison as text for a terminal, or as Markdown for a pull-request comment."""

from __future__ import annotations

from inspector.compare.report import Change, Report
from inspector.units import duration_text

_ROWS = 50  # busiest endpoints and consumers shown; --json has them all
NO_DETAILS = "No endpoint, status code or response field appeared or vanished."


def _ms(value: float | None) -> str:
    return "-" if value is None else duration_text(value)


def latency_cell(change: Change, percentile: int) -> str:
    """`12.5 ms → 70.0 ms (+460%)`: a percentile on both sides and its change."""
    before = getattr(change.base, f"p{percentile}_ms") if change.base else None
    after = getattr(change.head, f"p{percentile}_ms") if change.head else None
    moved = change.latency_change(percentile)
    text = f"{_ms(before)} → {_ms(after)}"
    if moved is not None and moved[0] != 0:
        text += f" ({moved[1]:+.0f}%)"
    return text


def errors_cell(change: Change) -> str:
    """`1.0% → 25.0% (+24.0 pp)`: the error rate on both sides and its change."""
    before = f"{change.base.error_rate:.1%}" if change.base else "-"
    after = f"{change.head.error_rate:.1%}" if change.head else "-"
    moved = change.error_change_pp()
    text = f"{before} → {after}"
    if moved:
        text += f" ({moved:+.1f} pp)"
    return text


def _verdict(change: Change) -> str:
    if change.base is None:
        return "new"
    if change.head is None:
        return "gone"
    marks = []
    if change.latency_changed:
        marks.append("slower" if (change.latency_change(50) or (0.0, 0.0))[0] > 0 else "faster")
    if change.errors_significant:
        marks.append("errors")
    if change.latency_p is None and change.error_p is None:
        return "too few to tell"
    return "changed: " + ", ".join(marks) if marks else "no significant change"


def _rows(changes: list[Change]) -> list[list[str]]:
    return [[c.name, f"{c.base.requests if c.base else 0} → {c.head.requests if c.head else 0}",
             errors_cell(c), *(latency_cell(c, p) for p in (50, 95, 99)), _verdict(c)]
            for c in changes[:_ROWS]]  # fmt: skip


_HEADER = ["", "requests", "error rate", "p50", "p95", "p99", "verdict"]


def _table_text(title: str, rows: list[list[str]]) -> list[str]:
    header = [title, *_HEADER[1:]]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(r: list[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)).rstrip()

    return [line(header), *(line(r) for r in rows)]


def detail_lines(report: Report) -> list[str]:
    """Endpoints, status codes and response fields that appeared, vanished or changed."""
    lines = []
    for name in report.new_endpoints:
        lines.append(f"New endpoint: {name}")
    for name in report.gone_endpoints:
        lines.append(f"Endpoint no longer called: {name}")
    for status in report.statuses:
        if status.kind == "new":
            lines.append(f"New status: {status.endpoint} answered {status.status} "
                         f"{status.head} time(s)")  # fmt: skip
        else:
            lines.append(f"Status no longer seen: {status.endpoint} {status.status} "
                         f"(was {status.base})")  # fmt: skip
    for f in report.fields:
        if f.kind == "removed":
            lines.append(f"Field removed: {f.endpoint} {f.path} ({'|'.join(f.base_types)})")
        elif f.kind == "added":
            lines.append(f"Field added: {f.endpoint} {f.path} ({'|'.join(f.head_types)})")
        else:
            lines.append(f"Field type changed: {f.endpoint} {f.path} "
                         f"{'|'.join(f.base_types)} → {'|'.join(f.head_types)}")  # fmt: skip
    return lines


_TESTS = ("Significance at 1%: two-proportion z-test for error rates, Mann-Whitney U for "
          "latency (and a shift of at least 2 ms and 5% at p50 or p95); sides with fewer than "
          "8 requests are not tested.")  # fmt: skip


def text(report: Report) -> str:
    lines = [f"Base: {report.base_label} ({report.base_requests} requests)",
             f"Head: {report.head_label} ({report.head_requests} requests)", ""]  # fmt: skip
    lines += [*_table_text("Endpoint", _rows(report.endpoints)), ""]
    lines += [*_table_text("Consumer", _rows(report.consumers)), ""]
    details = detail_lines(report)
    lines += details or [NO_DETAILS]
    lines += ["", _TESTS]
    return "\n".join(lines)


def _table_markdown(title: str, rows: list[list[str]]) -> list[str]:
    header = [title, *_HEADER[1:]]

    def escape(cell: str) -> str:
        return cell.replace("|", "\\|")

    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(escape(c) for c in row) + " |" for row in rows),
    ]


def markdown(report: Report) -> str:
    lines = ["## API changes", "",
             f"Base: `{report.base_label}` ({report.base_requests} requests) · "
             f"head: `{report.head_label}` ({report.head_requests} requests)", ""]  # fmt: skip
    lines += [*_table_markdown("Endpoint", _rows(report.endpoints)), ""]
    lines += [*_table_markdown("Consumer", _rows(report.consumers)), ""]
    details = detail_lines(report)
    lines += [f"- {line}" for line in details] or ["No endpoint, status or field changes."]
    lines += ["", f"_{_TESTS}_"]
    return "\n".join(lines)
