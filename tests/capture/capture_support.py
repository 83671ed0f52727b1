"""Helpers for capture tests: a running proxy process, polling with a deadline, reading rows."""

from __future__ import annotations

import os
import re
import signal
import ssl
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from inspector.model import Exchange
from inspector.store import iter_exchanges, open_db
from inspector.store.filters import SqlFilter
from inspector.testing import wait_until
from tests.commands import inspector_argv

# The body cap the capture fixtures configure: small, so truncation is cheap to exercise.
MAX_BODY_BYTES = 64 * 1024
REPO = Path(__file__).resolve().parents[2]
_LISTENING = re.compile(r"^Listening on (?P<host>\[[^\]]+\]|[^:\s]+):(?P<port>\d+) ")
_MITMDUMP_LISTENING = re.compile(r"listening at (?P<host>[^\s:]+):(?P<port>\d+)")


def exchanges_under(db_path: Path, prefix: str) -> list[Exchange]:
    """Every stored exchange whose path starts with `prefix`, in id order."""
    if not db_path.exists():
        return []
    conn = open_db(db_path, readonly=True)
    try:
        return [
            exchange
            for _, exchange in iter_exchanges(conn, SqlFilter("e.path LIKE ?", (prefix + "%",)))
        ]
    finally:
        conn.close()


def wait_for_exchanges(db_path: Path, prefix: str, count: int = 1) -> list[Exchange]:
    """Poll the database until `count` exchanges under `prefix` are committed."""
    return wait_until(
        lambda: found if len(found := exchanges_under(db_path, prefix)) >= count else None,
        what=f"{count} exchange(s) under {prefix} in {db_path}",
    )


@dataclass
class ProxyProcess:
    """A proxy running in a child process, with its output collected by reader threads."""

    process: subprocess.Popen[str]
    db_path: Path
    confdir: Path
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    host: str = ""
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ca_cert(self) -> Path:
        return self.confdir / "mitmproxy-ca-cert.pem"

    def tls_context(self) -> ssl.SSLContext:
        """A client TLS context trusting this proxy's CA (and nothing else)."""
        return ssl.create_default_context(cafile=str(self.ca_cert))

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
            raise AssertionError(f"the proxy did not stop within {timeout} s") from None
        for thread in getattr(self, "_readers", []):
            thread.join(5)
        return code

    def text(self, stream: str = "stderr") -> str:
        return "".join(getattr(self, stream))


def _pump(pipe: object, sink: list[str]) -> None:
    for line in pipe:  # type: ignore[attr-defined]
        sink.append(line)


def start_process(
    argv: Sequence[str],
    *,
    db_path: Path,
    confdir: Path,
    listening: re.Pattern[str] = _LISTENING,
    stream: str = "stdout",
    timeout: float = 30.0,
) -> ProxyProcess:
    """Start a proxy and wait until it announces its listening address."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("INSPECTOR_CONFIG", None)
    process = subprocess.Popen(
        list(argv),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )
    proxy = ProxyProcess(process=process, db_path=db_path, confdir=confdir)
    readers = [
        threading.Thread(target=_pump, args=(process.stdout, proxy.stdout), daemon=True),
        threading.Thread(target=_pump, args=(process.stderr, proxy.stderr), daemon=True),
    ]
    for reader in readers:
        reader.start()
    proxy._readers = readers  # type: ignore[attr-defined]

    def announced() -> re.Match[str] | None:
        if process.poll() is not None:
            raise AssertionError(
                f"the proxy exited with {process.returncode}: {proxy.text('stderr')}"
            )
        for line in getattr(proxy, stream):
            match = listening.search(line)
            if match:
                return match
        return None

    try:
        match = wait_until(announced, timeout=timeout, what="the proxy to listen")
    except BaseException:
        proxy.stop(signal.SIGKILL)
        raise
    proxy.host = match.group("host").strip("[]")
    proxy.port = int(match.group("port"))
    return proxy


def start_capture(
    tmp_path: Path, *extra: str, db_path: Path | None = None, config: Path | None = None
) -> ProxyProcess:
    """`inspector capture` on a free loopback port, with its CA in tmp_path."""
    db_path = db_path or tmp_path / "capture.db"
    confdir = tmp_path / "mitmproxy"
    argv = inspector_argv(
        "capture",
        "--db", db_path,
        "--listen", "127.0.0.1:0",
        "--set", f"confdir={confdir}",
        "--set", "ssl_insecure=true",
        *(["--config", str(config)] if config else []),
        *extra,
    )  # fmt: skip
    return start_process(argv, db_path=db_path, confdir=confdir)


def start_mitmdump(tmp_path: Path, db_path: Path, config: Path | None = None) -> ProxyProcess:
    """The user's own mitmdump with our addon script."""
    confdir = tmp_path / "mitmproxy"
    mitmdump = Path(sys.executable).with_name("mitmdump")
    argv = [
        str(mitmdump),
        "-s", str(REPO / "addons" / "capture.py"),
        "--listen-host", "127.0.0.1",
        "--listen-port", "0",
        "--set", f"confdir={confdir}",
        "--set", f"inspector_db={db_path}",
        *(["--set", f"inspector_config={config}"] if config else []),
    ]  # fmt: skip
    return start_process(
        argv, db_path=db_path, confdir=confdir, listening=_MITMDUMP_LISTENING, stream="stdout"
    )
