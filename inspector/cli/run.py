"""`inspector run -- COMMAND`: one command's HTTP and HTTPS traffic through a capture, in one step.

The command gets both spellings of the proxy variables (curl reads only the lower-case
`http_proxy`), an empty NO_PROXY (so a local API on localhost is captured too) and the CA bundle
variables that curl, Python, Node, Go, Ruby, git and the AWS SDKs read, pointing at a private
bundle of the system's CAs plus mitmproxy's. Nothing is installed system-wide; the bundle is
deleted when the command ends.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import certifi
import click

from inspector.cli.app import db_option, main
from inspector.cli.capture import _listen_callback, _set_callback
from inspector.errors import InspectorError

DEFAULT_LISTEN = ("127.0.0.1", 8080)
_START_TIMEOUT_S = 30.0
# Exit status of a command that could not be run, as shells report it.
_NOT_FOUND, _NOT_EXECUTABLE = 127, 126


class _RunError(InspectorError):
    exit_code = 1


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _confdir(mitmproxy_options: tuple[str, ...]) -> Path:
    for option in mitmproxy_options:
        key, _, value = option.partition("=")
        if key.strip() == "confdir" and value.strip():
            return Path(value.strip()).expanduser()
    return Path("~/.mitmproxy").expanduser()


class _Capture:
    """`inspector capture` in a child process, stopped (everything committed) on close."""

    def __init__(self, argv: list[str]) -> None:
        self.process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True,  # Ctrl-C in the terminal is for the command, not for us
        )  # fmt: skip
        self._stderr: list[str] = []
        assert self.process.stderr is not None
        self._reader = threading.Thread(
            target=lambda: self._stderr.extend(self.process.stderr or ()), daemon=True
        )
        self._reader.start()

    def wait_listening(self) -> tuple[str, int]:
        """The real address from the `Listening on HOST:PORT ...` line."""
        stdout = self.process.stdout
        assert stdout is not None
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            ready, _, _ = select.select([stdout], [], [], 0.2)
            if ready:
                line = stdout.readline()
                if line.startswith("Listening on "):
                    address = line.split()[2]
                    host, _, port = address.rpartition(":")
                    return host.strip("[]"), int(port)
                if not line and self.process.poll() is not None:
                    break
            elif self.process.poll() is not None:
                break
        self.stop()
        reason = "".join(self._stderr).strip() or "it did not start listening within 30 s"
        raise _RunError(f"The capture proxy could not start: {reason}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(5)


@contextmanager
def _ca_bundle(confdir: Path) -> Iterator[tuple[Path, Path]]:
    """(a private bundle of the system CAs plus mitmproxy's, mitmproxy's CA alone)."""
    ca = confdir / "mitmproxy-ca-cert.pem"
    if not ca.is_file():
        raise _RunError(
            f"mitmproxy's CA certificate {ca} is missing: pass the running capture's "
            "--set confdir=DIR"
        )
    scratch = Path(tempfile.mkdtemp(prefix="inspector-run-"))  # 0700
    try:
        bundle = scratch / "ca-bundle.pem"
        system = Path(certifi.where()).read_bytes()
        bundle.write_bytes(system.rstrip(b"\n") + b"\n" + ca.read_bytes())
        yield bundle, ca
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def proxy_environment(
    base: dict[str, str], proxy_url: str, bundle: Path, ca: Path
) -> dict[str, str]:
    """`base` with everything set for the command's clients to use the proxy and trust its CA."""
    env = dict(base)
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        env[name] = proxy_url
    # Clients skip the proxy for NO_PROXY hosts, often localhost: a local API is the point here.
    env["NO_PROXY"] = env["no_proxy"] = ""
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO",
                 "AWS_CA_BUNDLE", "PIP_CERT"):  # fmt: skip
        env[name] = str(bundle)  # these replace the trusted set: system CAs included
    env["NODE_EXTRA_CA_CERTS"] = str(ca)  # added to Node's own CAs
    env["DENO_CERT"] = str(ca)
    env["NODE_USE_ENV_PROXY"] = "1"  # Node 24+ reads HTTP(S)_PROXY only when asked to
    host, _, port = proxy_url.removeprefix("http://").rpartition(":")
    java = (f"-Dhttp.proxyHost={host} -Dhttp.proxyPort={port} -Dhttps.proxyHost={host} "
            f"-Dhttps.proxyPort={port} -Dhttp.nonProxyHosts=")  # fmt: skip
    env["JAVA_TOOL_OPTIONS"] = f"{env.get('JAVA_TOOL_OPTIONS', '')} {java}".strip()
    env["INSPECTOR_PROXY"] = proxy_url
    return env


def _run(command: tuple[str, ...], env: dict[str, str]) -> int:
    try:
        child = subprocess.Popen(list(command), env=env)
    except FileNotFoundError:
        click.echo(f"inspector run: {command[0]}: command not found", err=True)
        return _NOT_FOUND
    except PermissionError:
        click.echo(f"inspector run: {command[0]}: permission denied", err=True)
        return _NOT_EXECUTABLE
    # Ctrl-C goes to the command (same terminal group); we wait for it to end, then report.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return child.wait()
    finally:
        signal.signal(signal.SIGINT, previous)


def _summary(db_path: Path, since: float) -> str:
    """One line: requests captured since the command started, errors, p95."""
    from inspector.store import DatabaseError, open_db
    from inspector.store.queries import summary
    from inspector.store.selection import Selection
    from inspector.units import duration_text

    if not db_path.exists():
        return f"no requests captured (no database at {db_path})"
    try:
        conn = open_db(db_path, readonly=True)
    except DatabaseError as exc:
        return f"the capture could not be read: {exc}"
    try:
        answer = summary(conn, Selection(start=since))
    finally:
        conn.close()
    if not answer.requests:
        return f"no requests captured into {db_path}"
    noun = "request" if answer.requests == 1 else "requests"
    errors = "1 error" if answer.errors == 1 else f"{answer.errors} errors"
    p95 = answer.latency_ms.p95
    latency = f", p95 {duration_text(p95)}" if p95 is not None else ""
    return f"{answer.requests} {noun} captured, {errors}{latency}, into {db_path}"


@main.command(
    "run",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@db_option
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Configuration file for the capture this command starts (grouping, redaction).",
)
@click.option(
    "--listen",
    "listen",
    metavar="HOST:PORT",
    callback=_listen_callback,
    help="Where the proxy listens [default: 127.0.0.1:8080]. A capture already listening there "
    "(the app's, say) is used as it is; otherwise one is started for the command. Port 0 "
    "starts one on a free port.",
)
@click.option(
    "--set",
    "mitmproxy_options",
    metavar="KEY=VALUE",
    multiple=True,
    callback=_set_callback,
    help="A mitmproxy option for the capture it starts (--set ssl_insecure=true, --set "
    "confdir=DIR). Repeatable.",
)
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def run_command(
    db_path: Path,
    config_path: Path | None,
    listen: tuple[str, int] | None,
    mitmproxy_options: tuple[str, ...],
    command: tuple[str, ...],
) -> None:
    """Run COMMAND with its HTTP and HTTPS traffic going through a capture.

    Use `--` before the command: `inspector run -- curl https://localhost:8443/users`. Exits with
    the command's status and prints a one-line summary (requests, errors, p95) on stderr.
    """
    host, port = listen if listen is not None else DEFAULT_LISTEN
    host = host or DEFAULT_LISTEN[0]
    db_path = db_path.expanduser()
    capture: _Capture | None = None
    if port and _listening(host, port):
        click.echo(f"inspector run: using the capture already listening on {host}:{port}",
                   err=True)  # fmt: skip
    else:
        argv = [sys.executable, "-m", "inspector", "capture", "--db", str(db_path),
                "--listen", f"{host}:{port}", "--exit-with-parent"]  # fmt: skip
        if config_path is not None:
            argv += ["--config", str(config_path)]
        for option in mitmproxy_options:
            argv += ["--set", option]
        capture = _Capture(argv)
        host, port = capture.wait_listening()
    started = time.time()
    try:
        with _ca_bundle(_confdir(mitmproxy_options)) as (bundle, ca):
            env = proxy_environment(dict(os.environ), f"http://{host}:{port}", bundle, ca)
            status = _run(command, env)
    finally:
        if capture is not None:
            capture.stop()  # every exchange committed before the summary reads them
    if capture is None:
        time.sleep(0.5)  # the running capture commits in batches of about 250 ms
    click.echo(f"inspector run: {_summary(db_path, started)}", err=True)
    sys.exit(status)
