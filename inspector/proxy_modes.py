"""The proxy's defaults (where it listens, in which mode), the one record a capture proxy is
started with, and checks on a listen address and a mode string before mitmproxy sees them, for
the command line, the capture and the app.

mitmproxy reads `reverse:127.0.0.1:8000` (no scheme) as HTTPS to that address, so every request
to a plain-HTTP API then fails with 502; nobody means that, so it is refused with the fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_MODE = "regular"  # a forward proxy, mitmproxy's name for it
DEFAULT_LISTEN_HOST = "127.0.0.1"
DEFAULT_LISTEN_PORT = 8080
DEFAULT_LISTEN = f"{DEFAULT_LISTEN_HOST}:{DEFAULT_LISTEN_PORT}"

# The one line `inspector capture` prints once it really listens; the app and `inspector run`
# wait for it. Written and read here so the two sides cannot drift apart.
_LISTENING = re.compile(
    r"^Listening on (?P<address>(?:\[(?P<ipv6>[^\]]+)\]|(?P<host>[^:\s]+)):(?P<port>\d+)) "
)


def listening_line(address: str, modes: str, db_path: object) -> str:
    """`Listening on 127.0.0.1:8080 (HTTP(S) proxy) -> /path/capture.db`."""
    return f"Listening on {address} ({modes}) -> {db_path}"


def parse_listening(line: str) -> tuple[str, str, int] | None:
    """(address as printed, host without brackets, port) from a listening line; else None."""
    match = _LISTENING.match(line.strip() + " ")
    if match is None:
        return None
    return match["address"], match["ipv6"] or match["host"], int(match["port"])


_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.IGNORECASE)


def mode_problem(mode: str) -> str | None:
    """Why `mode` would not do what its writer meant, in one sentence; None when it is fine."""
    for kind in ("reverse", "upstream"):
        if mode.startswith(f"{kind}:"):
            target = mode.removeprefix(f"{kind}:")
            if not target:
                return f"--mode {kind}: needs a URL, for example {kind}:http://localhost:8000"
            if not _SCHEME.match(target):
                return (
                    f"--mode {mode} has no scheme, which mitmproxy takes as https://{target}; "
                    f"write {kind}:http://{target} for a plain-HTTP server "
                    f"(or {kind}:https://{target})"
                )
    return None


def parse_listen(value: str) -> tuple[str, int]:
    """`HOST:PORT`, `[IPv6]:PORT` or a bare `PORT` (host "": the default) -> (host, port)."""
    text = value.strip()
    if text.isdigit():
        host, port_text = "", text
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep or not port_text.isdigit():
            raise ValueError(f"{value!r} is not HOST:PORT (for example 127.0.0.1:8080)")
        host = host.strip("[]")
    port = int(port_text)
    if not 0 <= port <= 65535:
        raise ValueError(f"port {port} in {value!r} is outside 0-65535")
    return host, port


@dataclass(frozen=True, slots=True)
class ProxySettings:
    """What one capture proxy is started with: the options of `inspector capture`, as one record
    for the command itself, the app's proxy and the capture `inspector run` starts. The app and
    `run` start the command as a child with `arguments()`, which the child reads back into the
    same record. None means "our default, unless a --set mitmproxy option says otherwise"."""

    db_path: Path
    listen: str | None = None  # HOST:PORT, checked by parse_listen
    mode: str | None = None
    config_path: Path | None = None
    mitmproxy_options: tuple[str, ...] = ()  # raw KEY=VALUE strings, passed through
    forward: tuple[str, ...] = ()  # destinations the proxy forwards to live
    allow_remote: bool = False
    # Stop (committing everything) when the process that started us goes away: a killed app
    # must not leave an orphan proxy holding its port.
    exit_with_parent: bool = False

    def with_changes(self, **changes: object) -> ProxySettings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def listen_address(self) -> str:
        """Where it is asked to listen, as a person reads it."""
        return self.listen or DEFAULT_LISTEN

    @property
    def proxy_mode(self) -> str:
        return self.mode or DEFAULT_MODE

    @property
    def confdir(self) -> Path:
        """mitmproxy's configuration directory, where its CA certificate lives."""
        for option in self.mitmproxy_options:
            key, _, value = option.partition("=")
            if key.strip() == "confdir" and value:
                return Path(value).expanduser()
        return Path("~/.mitmproxy").expanduser()

    def arguments(self) -> list[str]:
        """`inspector capture ...` (after `python -m inspector`) that starts this proxy."""
        args = ["capture", "--db", str(self.db_path)]
        if self.listen is not None:
            args += ["--listen", self.listen]
        if self.mode is not None:
            args += ["--mode", self.mode]
        if self.config_path is not None:
            args += ["--config", str(self.config_path)]
        for option in self.mitmproxy_options:
            args += ["--set", option]
        for name in self.forward:
            args += ["--forward", name]
        if self.allow_remote:
            args.append("--allow-remote")
        if self.exit_with_parent:
            args.append("--exit-with-parent")
        return args
