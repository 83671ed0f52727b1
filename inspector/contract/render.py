"""A drift report as text for a terminal, or as Markdown for a pull-request comment."""

from __future__ import annotations

from inspector.contract.drift import DriftReport, Finding

_SHOWN = 50  # findings per kind; --json has them all
_CONSUMERS = 5

TITLES = {
    "undocumented-operation": "Operations the spec lacks",
    "undocumented-status": "Statuses the spec lacks",
    "invalid-response": "Responses that do not match the spec",
    "undocumented-field": "Response fields the spec never names",
}


def _consumers(finding: Finding) -> str:
    names = [name for name, _ in finding.consumers.most_common(_CONSUMERS)]
    if not names:
        return "no known consumer"
    more = len(finding.consumers) - len(names)
    return ", ".join(names) + (f" (+{more} more)" if more > 0 else "")


def _how_many(finding: Finding) -> str:
    if finding.out_of:
        return f"{finding.count:,} of {finding.out_of:,} bodies read"
    return f"{finding.count:,} request" + ("" if finding.count == 1 else "s")


def _line(finding: Finding) -> str:
    where = f"{finding.method} {finding.endpoint}"
    if finding.spec_path and finding.spec_path != finding.endpoint:
        where += f" (spec: {finding.spec_path})"
    return f"{where}: {finding.detail} · {_how_many(finding)} · {_consumers(finding)}"


def headline(report: DriftReport) -> str:
    return (f"Drift from {report.spec}: {report.exchanges:,} exchanges checked, "
            f"{report.bodies_checked:,} response bodies read")  # fmt: skip


def text(report: DriftReport) -> str:
    lines = [headline(report)]
    if not report.findings:
        lines.append("No drift: every operation, status and body read matches the spec.")
    for kind, title in TITLES.items():
        found = report.of_kind(kind)
        if found:
            lines += ["", f"{title} ({len(found)}):"]
            lines += [f"  {_line(f)}" for f in found[:_SHOWN]]
            if len(found) > _SHOWN:
                lines.append(f"  … and {len(found) - _SHOWN} more (--json has them all)")
    if report.uncalled:
        lines += ["", f"In the spec, never called ({len(report.uncalled)}):"]
        lines += [f"  {op.method} {op.template}" for op in report.uncalled[:_SHOWN]]
    return "\n".join(lines)


def _cell(value: str) -> str:
    return value.replace("|", "\\|")


def markdown(report: DriftReport) -> str:
    lines = [f"### {headline(report)}", ""]
    if not report.findings:
        lines.append("No drift: every operation, status and body read matches the spec.")
    for kind, title in TITLES.items():
        found = report.of_kind(kind)
        if not found:
            continue
        lines += [f"**{title}** ({len(found)})", "", "| Operation | What | How many | Consumers |",
                  "|---|---|---|---|"]  # fmt: skip
        for f in found[:_SHOWN]:
            lines.append(f"| `{f.method} {_cell(f.endpoint)}` | {_cell(f.detail)} | "
                         f"{_how_many(f)} | {_cell(_consumers(f))} |")  # fmt: skip
        lines.append("")
    if report.uncalled:
        called = ", ".join(f"`{op.method} {op.template}`" for op in report.uncalled[:_SHOWN])
        lines += [f"In the spec, never called: {called}", ""]
    return "\n".join(lines).rstrip()
