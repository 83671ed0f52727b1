"""The proxy's defaults (where it listens, in which mode) and checks on a mode string before
mitmproxy sees it, for the command line, the capture and the app.

mitmproxy reads `reverse:127.0.0.1:8000` (no scheme) as HTTPS to that address, so every request
to a plain-HTTP API then fails with 502; nobody means that, so it is refused with the fix.
"""

from __future__ import annotations

import re

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
