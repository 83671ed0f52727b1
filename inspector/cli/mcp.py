"""`inspector mcp`: the Model Context Protocol server over a capture, for AI coding agents."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

import click

from inspector.cli.app import db_option, main
from inspector.cli.capture import _listen_callback
from inspector.paths import APP_NAME

TOKEN_VARIABLE = "INSPECTOR_MCP_TOKEN"


def _token_file() -> Path:
    import platformdirs

    return platformdirs.user_config_path(APP_NAME) / "mcp-token"


def _token() -> str:
    """$INSPECTOR_MCP_TOKEN, else one kept in a file only its owner can read."""
    if os.environ.get(TOKEN_VARIABLE):
        return os.environ[TOKEN_VARIABLE]
    path = _token_file()
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    path.write_text(token + "\n")
    return token


@main.command("mcp")
@db_option
@click.option(
    "--http",
    "http_listen",
    metavar="HOST:PORT",
    callback=_listen_callback,
    help="Serve streamable HTTP on this loopback address instead of stdio; clients send "
    f"'Authorization: Bearer TOKEN' (${TOKEN_VARIABLE}, else a token kept in the user config "
    "directory, whose path is printed).",
)
def mcp_command(db_path: Path, http_listen: tuple[str, int] | None) -> None:
    """Serve the capture to AI agents over the Model Context Protocol (read-only).

    Tools: whats_wrong, stats, endpoints, consumers, requests and exchange, each taking the
    filter language. Register it with an agent, e.g. `claude mcp add inspector -- inspector
    mcp --db PATH`.
    """
    from inspector.agent.server import build_server

    if http_listen is None:
        build_server(db_path.expanduser()).run("stdio")
        return
    from inspector.agent.http import serve_http

    host, port = http_listen
    if host not in ("127.0.0.1", "localhost", "::1", ""):
        raise click.BadParameter("the agent interface listens on loopback only",
                                 param_hint="--http")  # fmt: skip
    token = _token()
    source = TOKEN_VARIABLE if os.environ.get(TOKEN_VARIABLE) else str(_token_file())
    click.echo(f"MCP over streamable HTTP at http://{host or '127.0.0.1'}:{port}/mcp "
               f"(bearer token from {source})", err=True)  # fmt: skip
    serve_http(db_path.expanduser(), host or "127.0.0.1", port, token)
