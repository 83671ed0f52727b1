"""`inspector run -- COMMAND`: one command's HTTP and HTTPS traffic through a capture."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import click

from inspector.cli.app import config_option, db_option, main
from inspector.cli.capture import _listen_callback, set_option
from inspector.errors import InspectorError
from inspector.proxy_modes import DEFAULT_LISTEN_HOST, DEFAULT_LISTEN_PORT, ProxySettings

DEFAULT_ADDRESS = (DEFAULT_LISTEN_HOST, DEFAULT_LISTEN_PORT)
# How a shell reports a command it could not run.
_NOT_FOUND, _NOT_EXECUTABLE = 127, 126
# A running capture commits every ~250 ms: the count is final once it stays put this long.
_SETTLED_S = 0.75
_SETTLE_LIMIT_S = 10.0


class _RunFailed(InspectorError):
    exit_code = 1


def _say(message: str) -> None:
    click.echo(f"inspector run: {message}", err=True)


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _run_command(command: tuple[str, ...], env: dict[str, str]) -> int:
    """Run the command in the foreground; its exit status as a shell reports it."""
    try:
        child = subprocess.Popen(list(command), env=env)
    except FileNotFoundError:
        _say(f"{command[0]}: command not found")
        return _NOT_FOUND
    except PermissionError:
        _say(f"{command[0]}: permission denied")
        return _NOT_EXECUTABLE

    def forward(signum: int, frame: FrameType | None) -> None:
        child.send_signal(signum)

    # Ctrl-C reaches the command from the terminal; we wait for it to end and then report.
    # A SIGTERM or SIGHUP sent to us is passed on, so the command never outlives us unawares.
    previous = {signal.SIGINT: signal.signal(signal.SIGINT, signal.SIG_IGN)}
    for name in ("SIGTERM", "SIGHUP"):  # Windows has no SIGHUP
        signum = getattr(signal, name, None)
        if signum is not None:
            previous[signum] = signal.signal(signum, forward)
    try:
        status = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 128 - status if status < 0 else status


@dataclass(frozen=True)
class _RunFigures:
    """What the closing line says about this run's requests."""

    requests: int
    errors: int
    p95_ms: float | None
    unverified_upstream: int


def _source_figures(db_path: Path, source: str, since: float) -> _RunFigures | None:
    from inspector.store import DatabaseError, open_db
    from inspector.store.filters import SqlFilter
    from inspector.store.queries import count_requests, summary
    from inspector.store.selection import Selection

    if not db_path.exists():
        return None
    try:
        conn = open_db(db_path, readonly=True)
    except DatabaseError:
        return None
    try:
        # This run's requests: an earlier run may have drawn the same label, however unlikely.
        flt = SqlFilter("e.source = ? AND e.started_at >= ?", (source, since))
        answer = summary(conn, Selection(filter=flt))
        # mitmproxy's words when the API's certificate is not trusted (a self-signed dev API).
        unverified = SqlFilter("e.error LIKE ?", ("%certificate verify failed%",))
        return _RunFigures(
            requests=answer.requests,
            errors=answer.errors,
            p95_ms=answer.latency_ms.p95,
            unverified_upstream=count_requests(conn, Selection(filter=flt.and_(unverified))),
        )
    finally:
        conn.close()


def _settled_figures(db_path: Path, source: str, since: float) -> _RunFigures | None:
    """The source's figures once a running capture has committed its last requests."""
    figures = _source_figures(db_path, source, since)
    changed = time.monotonic()
    deadline = changed + _SETTLE_LIMIT_S
    while time.monotonic() < deadline:
        time.sleep(0.1)
        latest = _source_figures(db_path, source, since)
        if _requests(latest) != _requests(figures):
            figures, changed = latest, time.monotonic()
        elif time.monotonic() - changed >= _SETTLED_S:
            break
    return figures


def _requests(figures: _RunFigures | None) -> int:
    return figures.requests if figures else 0


def _summary(figures: _RunFigures | None, source: str, db_path: Path) -> str:
    from inspector.units import duration_text

    where = f"source:{source} in {db_path}"
    if figures is None or not figures.requests:
        return (
            f"no requests captured ({where}). The command's HTTP client may ignore the proxy "
            "variables: see `inspector run --help`."
        )
    requests, errors = figures.requests, figures.errors
    return (
        f"{requests} {'request' if requests == 1 else 'requests'} captured, "
        f"{errors} {'error' if errors == 1 else 'errors'}, "
        f"p95 {duration_text(figures.p95_ms, 'n/a')} ({where})"
    )


@main.command(
    "run",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@db_option
@config_option("Configuration file (grouping, redaction) for the capture this command starts.")
@click.option(
    "--listen",
    "listen",
    metavar="HOST:PORT",
    callback=_listen_callback,
    help="Where the capture listens [default: 127.0.0.1:8080]. A capture already listening "
    "there (the app's, say) is joined; otherwise one is started for the command and stopped "
    "after it. Port 0 always starts one, on a free port.",
)
@set_option("A mitmproxy option for the capture it starts, e.g. --set ssl_insecure=true for "
            "an API with a self-signed certificate.")  # fmt: skip
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@click.pass_context
def run_command(
    ctx: click.Context,
    db_path: Path,
    config_path: Path | None,
    listen: tuple[str, int] | None,
    mitmproxy_options: tuple[str, ...],
    command: tuple[str, ...],
) -> None:
    """Run COMMAND with its HTTP and HTTPS traffic captured: `inspector run -- npm test`.

    COMMAND gets both spellings of the proxy variables (HTTP_PROXY, http_proxy, HTTPS_PROXY,
    https_proxy), an empty NO_PROXY (so an API on localhost is captured), and trusts mitmproxy's
    CA through the variables curl, Python (requests, httpx, urllib), Node, Deno, Go, Ruby, git,
    the AWS SDKs and Java read, pointing at private files deleted afterwards. Its requests are
    tagged with a source (`source:curl-3fa9c2`). Exits with COMMAND's status, after a one-line
    summary on standard error: requests captured, errors, p95.

    Node before 24, which ignores proxy variables, gets a preloaded script (NODE_OPTIONS) that
    sends its http, https and fetch requests through the capture. Go never proxies localhost
    and loopback addresses: call the API by the machine's name instead.
    """
    from inspector.intercept.capture_child import CaptureChild, CaptureChildFailed
    from inspector.intercept.probe import NotACapture, probe_capture
    from inspector.intercept.session import InterceptSession
    from inspector.intercept.tags import source_label
    from inspector.intercept.trust import TrustError

    program = command[0]
    if os.sep not in program and shutil.which(program) is None:
        _say(f"{program}: command not found")
        sys.exit(_NOT_FOUND)
    host, port = listen if listen is not None else DEFAULT_ADDRESS
    host = host or DEFAULT_LISTEN_HOST
    source = source_label(command)
    db_path = db_path.expanduser().resolve()
    explicit_db = ctx.get_parameter_source("db_path") is click.core.ParameterSource.COMMANDLINE

    info = None
    if port:
        try:
            info = probe_capture(host, port)
        except NotACapture as exc:
            raise _RunFailed(
                f"{exc}; stop it, or choose another address with --listen (port 0 picks a "
                "free one)."
            ) from None
    child: CaptureChild | None = None
    if info is not None:
        reverse = info.reverse_mode
        if reverse is not None:
            raise InspectorError(
                f"The capture on {_address(host, port)} is a reverse proxy ({reverse}): point "
                f"the command's base URL at http://{_address(host, port)} instead, without "
                "inspector run."
            )
        if explicit_db and info.db_path != db_path:
            _say(f"the capture on {_address(host, port)} records into {info.db_path}, not --db")
        if config_path is not None or mitmproxy_options:
            _say(
                f"--config and --set apply to a capture it starts; the one on "
                f"{_address(host, port)} keeps its own (use --listen 127.0.0.1:0 for a new one)"
            )
        _say(f"using the capture already running on {_address(host, port)}")
        db_path = info.db_path
    else:
        settings = ProxySettings(db_path, _address(host, port), config_path=config_path,
                                 mitmproxy_options=mitmproxy_options)  # fmt: skip
        child = CaptureChild(settings, source=source)
        try:
            child.wait_listening()
            host, port = child.host, child.port
            info = probe_capture(host, port)
        except CaptureChildFailed as exc:
            error = InspectorError(f"The capture could not start: {exc}")
            error.exit_code = exc.exit_code
            raise error from None
        except NotACapture as exc:
            child.stop()
            raise _RunFailed(f"The capture started but does not answer: {exc}.") from None
        except BaseException:
            child.stop()
            raise
        assert info is not None

    status = _NOT_FOUND
    started = time.time() - 1.0  # clocks are the same machine's; a second of slack is plenty
    try:
        with InterceptSession(host, port, info.confdir) as session:
            status = _run_command(command, session.environment(source))
    except TrustError as exc:
        raise _RunFailed(str(exc)) from None
    finally:
        if child is not None:
            child.stop()  # every exchange is committed when it returns
    if child is not None:
        figures = _source_figures(db_path, source, started)
    else:
        figures = _settled_figures(db_path, source, started)
    _say(_summary(figures, source, db_path))
    if figures and figures.unverified_upstream:
        _say(
            "the capture did not trust the API's certificate (self-signed?); for a test API, "
            "capture with --set ssl_insecure=true (inspector run --listen 127.0.0.1:0 --set "
            "ssl_insecure=true -- ...)."
        )
    sys.exit(status)
