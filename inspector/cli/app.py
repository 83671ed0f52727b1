"""The root command group and the conventions every command shares."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from click_default_group import DefaultGroup

from inspector import __version__
from inspector.errors import InspectorError
from inspector.paths import default_db_path


class InspectorGroup(DefaultGroup):
    """Runs `gui` when no command is given, and turns user errors into plain messages."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InspectorError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=InspectorGroup, default="gui", default_if_no_args=True)
@click.version_option(__version__, prog_name="inspector")
def main() -> None:
    """API Inspector: see who calls your HTTP API, how fast it answers and what fails.

    With no command, opens the desktop app (the same as `inspector gui`).
    """


# A parameter naming one file (never a folder), handed to the command as a Path.
FILE = click.Path(dir_okay=False, path_type=Path)


def db_option(func: Any) -> Any:
    """`--db PATH`, defaulting to $INSPECTOR_DB or the platform data directory."""
    return click.option(
        "--db",
        "db_path",
        type=FILE,
        default=default_db_path,
        show_default="$INSPECTOR_DB or the user data directory",
        help="The capture database (SQLite).",
    )(func)


def config_option(help: str, *, default: Any = None, show_default: str | None = None) -> Any:
    """`--config FILE` into `config_path`: the configuration (TOML) the command applies."""
    return click.option("--config", "config_path", type=FILE, default=default,
                        show_default=show_default, help=help)  # fmt: skip
