"""`inspector gui` (also plain `inspector`): the desktop app with its capture proxy."""

from __future__ import annotations

from pathlib import Path

import click

from inspector.cli.app import config_option, db_option, main
from inspector.cli.capture import checked_listen, mode_callback, set_option
from inspector.errors import InspectorError
from inspector.paths import default_config_path
from inspector.proxy_modes import DEFAULT_LISTEN, DEFAULT_MODE


class NoDisplayError(InspectorError):
    exit_code = 2


@main.command("gui")
@db_option
@click.option(
    "--listen",
    default=DEFAULT_LISTEN,
    show_default=True,
    metavar="HOST:PORT",
    callback=checked_listen,
    help="Where the app's proxy listens.",
)
@click.option(
    "--mode",
    default=DEFAULT_MODE,
    show_default=True,
    callback=lambda ctx, param, value: mode_callback(value),
    help="mitmproxy mode: regular, reverse:URL, upstream:URL, socks5, ...",
)
@config_option("Grouping and redaction rules (TOML).", default=default_config_path,
               show_default="$INSPECTOR_CONFIG or the user config file")  # fmt: skip
@set_option("A mitmproxy option for the proxy, e.g. --set confdir=DIR.")
@click.option(
    "--demo",
    is_flag=True,
    help="Start a sample API and traffic from several consumers into a temporary "
    "database, so every view fills up within seconds.",
)
def gui_command(db_path: Path, listen: str, mode: str, config_path: Path | None,
                mitmproxy_options: tuple[str, ...], demo: bool) -> None:  # fmt: skip
    """Open the desktop app; it runs the capture proxy while it is open."""
    from inspector.gui.app import missing_display

    source = click.get_current_context().get_parameter_source("config_path")
    if demo and source != click.core.ParameterSource.COMMANDLINE:
        # The demo's own rules name its consumers; only an explicit --config replaces them.
        config_path = None

    if missing_display():
        raise NoDisplayError(
            "No display found (DISPLAY and WAYLAND_DISPLAY are unset). Run the app under a "
            "virtual display with `xvfb-run inspector`, or capture without the app: "
            "`inspector capture`."
        )
    if config_path is not None and not config_path.is_file():
        raise InspectorError(f"{config_path} does not exist (given with --config).")
    if not demo:
        from inspector.store import open_db

        # Create or check the database before any window: a foreign file is refused here.
        open_db(db_path).close()

    from inspector.gui.app import run
    from inspector.proxy_modes import ProxySettings

    settings = ProxySettings(db_path, listen, mode, config_path, mitmproxy_options)
    status = run(settings, with_demo=demo)
    raise SystemExit(status)
