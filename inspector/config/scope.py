"""What is captured at all: `[capture] hosts` and `exclude_paths`."""

from __future__ import annotations

import re
from collections.abc import Sequence


class Scope:
    """A cheap check on host, port and path, run before a flow is converted."""

    def __init__(self, hosts: Sequence[str], exclude_paths: Sequence[re.Pattern[str]]) -> None:
        self._any_port: set[str] = set()
        self._with_port: set[tuple[str, int]] = set()
        self._suffixes: list[tuple[str, int | None]] = []
        for entry in hosts:
            host, port = split_host_port(entry)
            if host.startswith("*."):
                self._suffixes.append((host[1:], port))
            elif port is None:
                self._any_port.add(host)
            else:
                self._with_port.add((host, port))
        self._all_hosts = not hosts
        self._excludes = tuple(exclude_paths)
        # One alternation is much faster than a loop; patterns with their own global flags
        # cannot be combined, and then the loop is the fallback.
        self._combined: re.Pattern[str] | None = None
        if self._excludes:
            try:
                self._combined = re.compile("|".join(_scoped(p.pattern) for p in self._excludes))
            except re.error:
                self._combined = None

    def wants_host(self, host: str, port: int) -> bool:
        if self._all_hosts:
            return True
        host = host.lower().rstrip(".")
        if host in self._any_port or (host, port) in self._with_port:
            return True
        return any(
            host.endswith(suffix) and (want is None or want == port)
            for suffix, want in self._suffixes
        )

    def wants_path(self, path: str) -> bool:
        if not self._excludes:
            return True
        if self._combined is not None:
            return self._combined.search(path) is None
        return not any(pattern.search(path) for pattern in self._excludes)

    def wants(self, host: str, port: int, path: str) -> bool:
        return self.wants_host(host, port) and self.wants_path(path.partition("?")[0])


_LEADING_FLAGS = re.compile(r"^\(\?([aiLmsux]+)\)")


def _scoped(pattern: str) -> str:
    """`(?i)/health` -> `(?i:/health)`: global flags are only allowed at the very start."""
    flags = _LEADING_FLAGS.match(pattern)
    if flags:
        return f"(?{flags.group(1)}:{pattern[flags.end() :]})"
    return f"(?:{pattern})"


def split_host_port(entry: str) -> tuple[str, int | None]:
    """`api.local:8000` -> ("api.local", 8000); `[::1]:80` -> ("::1", 80); raises ValueError."""
    entry = entry.strip().lower()
    if not entry:
        raise ValueError("an empty host")
    if entry.startswith("["):
        host, bracket, rest = entry[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"{entry!r} is not [IPv6]:port")
        port_text = rest[1:]
    elif entry.count(":") == 1:
        host, _, port_text = entry.partition(":")
    else:
        host, port_text = entry, ""
    if not port_text:
        return host.rstrip("."), None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"{port_text!r} is not a port number")
    return host.rstrip("."), int(port_text)
