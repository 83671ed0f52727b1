"""`inspector capture`: the proxy, headless, recording into the capture database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from inspector.cli.app import config_option, db_option, main
from inspector.errors import InspectorError
from inspector.proxy_modes import ProxySettings, mode_problem, parse_listen


class _CaptureDataLost(InspectorError):
    exit_code = 1


def _listen_callback(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[str, int] | None:
    if value is None:
        return None
    try:
        return parse_listen(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def checked_listen(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """`--listen` checked, and kept as written: the proxy settings carry it as text."""
    _listen_callback(ctx, param, value)
    return value


def mode_callback(value: str | None) -> str | None:
    """Refuse a mode that would silently mean something else (reverse:HOST:PORT is HTTPS)."""
    problem = mode_problem(value) if value else None
    if problem is not None:
        raise click.BadParameter(problem)
    return value


def set_callback(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    """`--set KEY=VALUE` for mitmproxy, checked the same way wherever a capture is started."""
    for value in values:
        key, sep, _ = value.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{value!r} is not KEY=VALUE (for example ssl_insecure=true)")
    return values


def set_option(help: str) -> Any:
    """`--set KEY=VALUE` into `mitmproxy_options`, repeatable, checked by set_callback."""
    return click.option("--set", "mitmproxy_options", metavar="KEY=VALUE", multiple=True,
                        callback=set_callback, help=f"{help} Repeatable.")  # fmt: skip


def stopped_line(written: int, lost_with_old_file: int, db_path: Path) -> str:
    """The last line: how many exchanges are in the database now, and how many are not."""
    if not lost_with_old_file:
        return f"Stopped; {written} exchanges recorded into {db_path}."
    kept = written - lost_with_old_file
    return (
        f"Stopped; {kept} exchanges recorded into {db_path}. {lost_with_old_file} more went into "
        "the file that was deleted or replaced while capturing, and are gone with it."
    )


@main.command("capture")
@db_option
@click.option(
    "--listen",
    "listen",
    metavar="HOST:PORT",
    callback=checked_listen,
    help="Address the proxy listens on [default: 127.0.0.1:8080]. Port 0 picks a free port; "
    "the line printed at start names the real one.",
)
@click.option(
    "--mode",
    metavar="MODE",
    callback=lambda ctx, param, value: mode_callback(value),
    help="mitmproxy proxy mode: regular (default), reverse:URL, upstream:URL, socks5, ...",
)
@config_option(
    "Configuration file (TOML) [default: $INSPECTOR_CONFIG or config.toml in the user config "
    "directory]; edits take effect while capturing."
)
@set_option("Any mitmproxy option, e.g. --set ssl_insecure=true or --set confdir=DIR.")
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a listen address other than loopback. Anyone who can reach it can then use "
    "the proxy and read the traffic.",
)
@click.option(
    "--forward",
    "forward",
    metavar="NAME",
    multiple=True,
    help="Forward exchanges live to a destination (readme, apitally, otlp, elasticsearch, or "
    "an [export.NAME] table of the configuration), while capturing. Repeatable.",
)
@click.option(
    "--exit-with-parent",
    is_flag=True,
    hidden=True,  # the app's own flag: a killed app must not leave its proxy running
)
def capture_command(
    db_path: Path,
    listen: str | None,
    mode: str | None,
    config_path: Path | None,
    mitmproxy_options: tuple[str, ...],
    allow_remote: bool,
    forward: tuple[str, ...],
    exit_with_parent: bool,
) -> None:
    """Run the capture proxy without the window, recording into the database.

    Prints one line, `Listening on HOST:PORT (MODE) -> DATABASE`, once the proxy accepts
    connections. Stop it with Ctrl-C or SIGTERM: everything captured is committed first.
    """
    from inspector.capture.runner import run_capture
    from inspector.config import load_config
    from inspector.exporters.forwarding import start_forwarders, stop_forwarders
    from inspector.paths import default_config_path

    settings = ProxySettings(
        db_path=db_path.expanduser(),
        listen=listen,
        mode=mode,
        config_path=config_path,
        mitmproxy_options=mitmproxy_options,
        forward=forward,
        allow_remote=allow_remote,
        exit_with_parent=exit_with_parent,
    )
    forwarders = []
    if forward:
        config = load_config(config_path or default_config_path())
        forwarders = start_forwarders(settings.db_path, settings.forward, config)
    try:
        outcome = run_capture(settings)
    finally:
        # After the proxy stops, so the forwarders see the writer's last commit.
        stop_forwarders(forwarders)
    stats = outcome.stats
    click.echo(stopped_line(stats.written, stats.written_to_replaced, settings.db_path), err=True)
    if stats.dropped:
        kept = (
            f" {stats.kept_in_spool} of them are in the spool beside it; the next capture on "
            "it writes them."
            if stats.kept_in_spool
            else ""
        )
        raise _CaptureDataLost(
            f"{stats.dropped} captured exchanges could not be written to {settings.db_path}.{kept}"
        )
