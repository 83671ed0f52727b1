"""`inspector compare BASE [HEAD]`: what changed between two captures or two windows of one."""

from __future__ import annotations

import json
from pathlib import Path

import click

from inspector.cli.app import FILE, main
from inspector.cli.contract import load_checked_spec
from inspector.cli.filter_option import compile_cli_filter, filter_option
from inspector.cli.query import read_only
from inspector.errors import InspectorError
from inspector.store.filters import SqlFilter


class _Regressed(InspectorError):
    exit_code = 1


def _both(first: SqlFilter, second: SqlFilter) -> SqlFilter:
    return SqlFilter(f"({first.where}) AND ({second.where})", first.params + second.params)


@main.command("compare")
@click.argument("base", type=FILE)
@click.argument("head", required=False, type=FILE)
@filter_option(help="Only exchanges matching the filter, on both sides.")
@filter_option("--base-filter", help="The base side's window or subset, e.g. 'since:2h until:1h'.")
@filter_option("--head-filter", help="The head side's window or subset, e.g. 'since:1h'.")
@click.option("--fail-on", "fail_on", metavar="EXPR", default=None,
              help="Exit 1 when a regression passes a threshold, e.g. "
              "'p95:+20% errors:+1pp new-5xx removed-field'.")  # fmt: skip
@click.option(
    "--spec",
    "spec_path",
    type=FILE,
    default=None,
    help="Also check HEAD against this OpenAPI spec, as drift does.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.option("--markdown", "as_markdown", is_flag=True,
              help="Markdown, for a pull-request comment.")  # fmt: skip
def compare_command(
    base: Path,
    head: Path | None,
    filter_text: str,
    base_filter: str,
    head_filter: str,
    fail_on: str | None,
    spec_path: Path | None,
    as_json: bool,
    as_markdown: bool,
) -> None:
    """Compare BASE with HEAD (capture files), or two windows of BASE alone.

    Per endpoint and per consumer: requests, error rate and p50/p95/p99 on both sides, with
    whether the change is significant; endpoints and status codes that appeared or vanished;
    JSON response fields added, removed or changed in type; with --spec, HEAD's drift from an
    OpenAPI spec.
    """
    from inspector.compare import fail_on as failing
    from inspector.compare import render
    from inspector.compare.report import compare
    from inspector.compare.sides import load_side, require_exchanges
    from inspector.contract import render as drift_render
    from inspector.contract.drift import check
    from inspector.store.selection import Selection

    if as_json and as_markdown:
        raise click.UsageError("--json and --markdown are exclusive: pick one")
    if head is None and not (base_filter or head_filter):
        raise click.UsageError(
            "give HEAD, or compare two windows of BASE with --base-filter and --head-filter"
        )
    rules = failing.parse(fail_on) if fail_on is not None else []
    if failing.uses_drift(rules) and spec_path is None:
        raise click.UsageError("--fail-on's drift rules need --spec (the spec to check against)")
    spec = load_checked_spec(spec_path) if spec_path is not None else None
    common = compile_cli_filter(filter_text)
    sides = []
    drift = None
    for path, side_filter, name in ((base, base_filter, "base"), (head or base, head_filter,
                                                                   "head")):  # fmt: skip
        selection = Selection(_both(common, compile_cli_filter(side_filter)))
        label = str(path) + (f" [{side_filter}]" if side_filter else "")
        with read_only(path) as conn:
            sides.append(require_exchanges(load_side(conn, selection, label), name))
            if name == "head" and spec is not None:
                drift = check(conn, selection, spec)
    report = compare(sides[0], sides[1])
    if as_json:
        out = report.to_json()
        if drift is not None:
            out["drift"] = drift.to_json()
        click.echo(json.dumps(out, indent=2))
    elif as_markdown:
        click.echo(render.markdown(report))
        if drift is not None:
            click.echo("\n" + drift_render.markdown(drift))
    else:
        click.echo(render.text(report))
        if drift is not None:
            click.echo("\n" + drift_render.text(drift))
    hits = failing.regressions(rules, report, drift)
    if hits:
        click.echo("\n".join(["Regressions (--fail-on):", *hits]), err=True)
        raise _Regressed(f"{len(hits)} regression(s) passed --fail-on {fail_on!r}")
