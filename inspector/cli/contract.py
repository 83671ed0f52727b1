"""`inspector openapi` (a spec inferred from the traffic) and `inspector drift` (traffic against a
spec): the API's contract, from the capture database."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from inspector.cli.app import FILE, db_option, main
from inspector.cli.filter_option import compile_cli_filter, filter_option
from inspector.cli.query import read_only
from inspector.errors import InspectorError

_SAMPLES_HELP = "Response bodies read per operation and status (a seeded random sample)."


class _Drifted(InspectorError):
    exit_code = 1


def _dump(document: dict[str, Any], as_json: bool) -> str:
    if as_json:
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    import yaml

    return str(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100))


def _write(path: Path, text: str) -> None:
    """Whole or not at all: a spec half written over yesterday's is worse than either."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InspectorError(f"Cannot write {path}: {exc.strerror}.") from None


@main.command("openapi")
@db_option
@filter_option()
@click.option(
    "--output",
    "-o",
    type=FILE,
    default=None,
    help="Write the spec to this file (.json: JSON, else YAML); default: print it.",
)
@click.option("--title", default="", help="The spec's info.title.")
@click.option("--samples", type=click.IntRange(1, 100_000), default=200, show_default=True,
              help=_SAMPLES_HELP)  # fmt: skip
def openapi_command(
    db_path: Path, filter_text: str, output: Path | None, title: str, samples: int
) -> None:
    """Infer an OpenAPI 3.1 spec from the captured traffic.

    Paths come from the endpoint templates (or `[capture] openapi`), with parameters, request
    and response schemas merged across the sampled exchanges (required when every sampled body
    had the field), examples from the stored (already redacted) bodies, and the consumers of
    each operation in x-consumers.
    """
    from inspector.contract.infer import infer
    from inspector.store.selection import Selection

    selection = Selection(compile_cli_filter(filter_text))
    with read_only(db_path) as conn:
        inferred = infer(conn, selection, title=title, samples=samples)
    if not inferred.operations:
        matched = "matched the filter" if filter_text else "are in the database"
        why = (f" ({inferred.exchanges:,} exchanges have no URL path, e.g. CONNECT)"
               if inferred.exchanges else "")  # fmt: skip
        raise InspectorError(f"No HTTP requests {matched}{why}: there is nothing to infer a "
                             f"spec from. Database: {db_path}")  # fmt: skip
    text = _dump(inferred.document, as_json=output is not None and output.suffix == ".json")
    if output is None:
        click.echo(text, nl=False)
    else:
        _write(output, text)
    paths = len(inferred.document["paths"])
    summary = (
        f"{'Wrote ' + str(output) if output else 'Inferred'}: {paths} paths, "
        f"{inferred.operations} operations from {inferred.described:,} of "
        f"{inferred.exchanges:,} exchanges ({inferred.bodies_read:,} bodies read)."
    )
    if inferred.left_out:
        summary += (f" {inferred.left_out} endpoints left out (not URL paths, or past the "
                    "busiest 2,000).")  # fmt: skip
    click.echo(summary, err=True)


def load_checked_spec(path: Path) -> Any:
    """The spec, with a warning on stderr when it does not validate as OpenAPI."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    from inspector.openapi import OpenApiError, OpenApiSpec

    try:
        spec = OpenApiSpec.load(path)
    except OpenApiError as exc:
        raise InspectorError(str(exc)) from None
    try:
        validate(spec.document)
    except OpenAPIValidationError as exc:
        click.echo(f"warning: {path} is not a valid OpenAPI document at {exc.json_path}: "
                   f"{exc.message}. Drift is checked anyway.", err=True)  # fmt: skip
    except Exception as exc:
        click.echo(f"warning: {path} could not be validated ({exc}).", err=True)
    return spec


@main.command("drift")
@db_option
@click.option("--spec", "spec_path", required=True,
              type=FILE,
              help="The OpenAPI 3.x spec (YAML or JSON) the traffic should follow.")  # fmt: skip
@filter_option()
@click.option("--samples", type=click.IntRange(1, 100_000), default=200, show_default=True,
              help=_SAMPLES_HELP)  # fmt: skip
@click.option(
    "--fail-on",
    "fail_on",
    metavar="KINDS",
    default=None,
    help="Exit 1 when any of these is found: undocumented-operation, "
    "undocumented-status, invalid-response, undocumented-field, or drift (any).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.option("--markdown", "as_markdown", is_flag=True,
              help="Markdown, for a pull-request comment.")  # fmt: skip
def drift_command(db_path: Path, spec_path: Path, filter_text: str, samples: int,
                  fail_on: str | None, as_json: bool, as_markdown: bool) -> None:  # fmt: skip
    """Where the traffic leaves an OpenAPI spec, and which consumers it touches.

    Operations called that the spec lacks, statuses it does not document, response bodies that
    do not validate against its schemas, and fields it never names; then its operations that
    nobody called.
    """
    from inspector.compare import fail_on as failing
    from inspector.contract import render
    from inspector.contract.drift import check
    from inspector.store.selection import Selection

    if as_json and as_markdown:
        raise click.UsageError("--json and --markdown are exclusive: pick one")
    rules = failing.parse(fail_on, drift_only=True) if fail_on is not None else []
    selection = Selection(compile_cli_filter(filter_text))
    spec = load_checked_spec(spec_path)
    with read_only(db_path) as conn:
        report = check(conn, selection, spec, samples=samples)
    if not report.exchanges:
        where = f"matched the filter in {db_path}" if filter_text else f"in {db_path}"
        raise InspectorError(f"No exchanges {where}: no traffic to check against {spec_path}.")
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        click.echo(render.markdown(report) if as_markdown else render.text(report))
    hits = failing.drift_hits(rules, report)
    if hits:
        click.echo("\n".join(["Drift (--fail-on):", *hits]), err=True)
        raise _Drifted(f"{len(hits)} finding(s) passed --fail-on {fail_on!r}")
