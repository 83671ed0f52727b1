"""`inspector export readme|apitally|otlp|elasticsearch`: send exchanges to a hosted service.

Each command is generated from the option schema its destination's module declares (listed by
inspector.exporters.registry), so flags, `[export.NAME]` config keys and environment variables
can never drift apart; it is made when first asked for, so other commands load no exporter.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

from inspector.cli.app import config_option, db_option
from inspector.cli.export import export_group
from inspector.cli.filter_option import compile_cli_filter, filter_option
from inspector.errors import InspectorError
from inspector.exporters.options import Destination, OptionError, OptionSpec
from inspector.exporters.registry import DESTINATIONS

if TYPE_CHECKING:
    from inspector.exporters.service import ServiceExporter


def _click_option(spec: OptionSpec) -> Callable[[Any], Any]:
    help_text = spec.help
    if spec.env:
        help_text += f" [env: {spec.env}]"
    if spec.default not in (None, "", ()) and not spec.secret:
        help_text += f" [default: {spec.default}]"
    name = spec.name
    if spec.kind == "bool":
        flag = spec.flag
        return click.option(
            f"{flag}/--no-{flag[2:]}", name, default=None, help=help_text, show_default=False
        )
    if spec.kind == "list":
        return click.option(spec.flag, name, multiple=True, help=help_text + " (repeatable)")
    kinds: dict[str, Any] = {
        "int": int,
        "float": float,
        "str": str,
        "choice": click.Choice(spec.choices),
    }
    return click.option(
        spec.flag, name, type=kinds[spec.kind], default=None, help=help_text,
        metavar="SECRET" if spec.secret else None,
    )  # fmt: skip


def _config_table(config_path: Path | None, name: str) -> tuple[dict[str, Any], Path | None]:
    """The `[export.NAME]` table of the configuration file and the file, or ({}, None)."""
    from inspector.paths import default_config_path

    path = config_path or default_config_path()
    if path is None:
        return {}, None
    from inspector.config import load_config

    config = load_config(path)
    exports: dict[str, dict[str, Any]] = getattr(config, "exports", {}) or {}
    return dict(exports.get(name, {})), path


def _located(error: OptionError, path: Path | None) -> InspectorError:
    """The error with the configuration file and the line of the key, when it came from there."""
    if error.config_key is None or path is None:
        return error
    from inspector.config.locate import line_of

    try:
        line = line_of(path.read_text(encoding="utf-8"), ("export", *error.config_key))
    except OSError:
        line = None
    where = f"{path}, line {line}" if line else str(path)
    return InspectorError(f"{where}: {error}")


def _run(destination: Destination, params: dict[str, Any]) -> None:
    from inspector.exporters.delivery import RetryPolicy
    from inspector.exporters.export_run import ExportRun
    from inspector.exporters.registry import build_exporter

    db_path: Path = params.pop("db_path")
    filter_text: str = params.pop("filter_text") or ""
    resend_all: bool = params.pop("resend_all")
    config_path: Path | None = params.pop("config_path")
    policy = RetryPolicy(
        max_attempts=params.pop("max_attempts"), max_total_s=params.pop("max_retry_time")
    )
    quiet: bool = params.pop("quiet")
    sql_filter = compile_cli_filter(filter_text)
    table, table_path = _config_table(config_path, destination.name)
    try:
        exporter = build_exporter(destination.name, params, table)
    except OptionError as exc:
        raise _located(exc, table_path) from None
    _warn_if_unencrypted(exporter)
    run = ExportRun(
        db_path, exporter, selection=sql_filter, resend_all=resend_all, policy=policy,
    )  # fmt: skip
    total = run.total()
    # A bar only for a person watching: pipes and scripts get the summary line alone.
    if not quiet and sys.stderr.isatty() and total > 0:
        with click.progressbar(length=total, label=destination.title, file=sys.stderr) as bar:
            report = run.run(on_progress=bar.update)
    else:
        report = run.run()
    for failure in report.failures:
        click.echo(f"  refused: {failure}", err=True)
    if report.failed > len(report.failures):
        click.echo(f"  ... and {report.failed - len(report.failures)} more", err=True)
    retries = f", {run.retries} retried" if run.retries else ""
    nothing = "nothing new since the last run: " if not report.examined and not report.error else ""
    click.echo(f"{destination.title}: {nothing}{report.summary()}{retries}.")
    if report.error is not None:
        raise report.error
    if report.failed:
        raise _ItemsRefused(
            f"{destination.title} refused {report.failed} item(s); see the reasons above."
        )


def _warn_if_unencrypted(exporter: ServiceExporter) -> None:
    """Credentials over plain HTTP are fine on this machine, not across a network."""
    parts = urlsplit(exporter.base_url)
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if exporter.sends_credentials and parts.scheme == "http" and not local:
        click.echo(
            f"Warning: {exporter.title} credentials will cross the network unencrypted "
            f"(http://{parts.hostname}); use an https:// base URL.",
            err=True,
        )


class _ItemsRefused(InspectorError):
    exit_code = 1


def _make_command(destination: Destination) -> click.Command:
    def command(**params: Any) -> None:
        _run(destination, params)

    command.__doc__ = (
        f"{destination.summary}\n\n"
        "Sends what is new since the last run to this destination (a cursor kept in the "
        "database); --filter narrows it, --all resends everything the filter selects. Failed "
        "requests are retried with backoff; items keep stable ids, so nothing is duplicated. "
        "Secrets come from options or environment variables, never from arguments."
    )
    for spec in reversed(destination.options):
        command = _click_option(spec)(command)
    common = [
        db_option,
        filter_option(help="Export only the exchanges this filter selects."),
        click.option(
            "--all",
            "resend_all",
            is_flag=True,
            help="Ignore the cursor: send everything the filter selects again.",
        ),
        config_option("Configuration file with an [export.NAME] table."),
        click.option(
            "--max-attempts",
            type=click.IntRange(min=1),
            default=10,
            show_default=True,
            help="Tries per request before the run stops.",
        ),
        click.option(
            "--max-retry-time",
            type=click.FloatRange(min=0),
            default=300.0,
            show_default=True,
            help="Seconds one request may spend retrying before the run stops.",
        ),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar."),
    ]
    for decorator in reversed(common):
        command = decorator(command)
    return click.command(destination.name)(command)


def _command_for(name: str) -> Callable[[], click.Command]:
    return lambda: _make_command(DESTINATIONS[name])


# Names only: each destination's module is imported when its command is first asked for.
for _name in DESTINATIONS:
    export_group.lazy[_name] = _command_for(_name)
