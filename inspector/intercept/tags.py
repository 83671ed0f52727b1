"""What a launched program and a capture agree on: source-tagged proxy URLs and the probe."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import PurePath

# `GET http://inspector.invalid/capture` through a capture's proxy port is answered by the
# capture itself (.invalid is reserved: no real host has that name).
PROBE_HOST = "inspector.invalid"
PROBE_PATH = "/capture"

# Proxy credentials `src-LABEL:x` name the program; the capture strips them before anything
# is forwarded or stored. Only URL-safe characters, so every client sends the label unchanged.
SOURCE_USER = re.compile(r"src-(?P<label>[A-Za-z0-9._~-]{1,80})")
SOURCE_PASSWORD = "x"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Programs that run something else: the label names what they run (`npm-test`, `python-app.py`).
_RUNNERS = frozenset(
    {"python", "python3", "node", "deno", "bun", "ruby", "java", "sh", "bash", "zsh", "env",
     "npm", "npx", "pnpm", "yarn", "uv", "uvx", "poetry", "pipenv", "go", "cargo", "dotnet",
     "make", "sudo", "time", "nice", "exec"}
)  # fmt: skip


def _clean(word: str) -> str:
    return _UNSAFE.sub("-", word).strip("-.")[:32]


def _program(arg: str, *, first: bool) -> str:
    """`/usr/bin/python3.12` -> `python`; a shell's `-c "curl ..."` string -> `curl`."""
    parts = [arg] if first else arg.split()
    name = PurePath(parts[0] if parts else arg).name
    return "python" if re.fullmatch(r"python\d+(\.\d+)?", name) else name


def source_label(command: Sequence[str], suffix: str | None = None) -> str:
    """A short, readable tag for one launched program: `curl-3fa9c2`, `npm-test-07bc11`.

    The random suffix tells two runs of the same command apart; `source:curl` finds them all.
    """
    words: list[str] = []
    args = list(command)
    while args:
        name = _program(args.pop(0), first=not words)
        words.append(_clean(name))
        if name not in _RUNNERS:
            break
        # The first argument that is not an option (`-m pytest` counts as its module name).
        while args and args[0].startswith("-") and args[0] != "-m":
            args.pop(0)
        if args and args[0] == "-m" and len(args) > 1:
            words.append(_clean(args[1]))
            break
        if len(words) == 2:
            break
    stem = "-".join(word for word in words if word)[:40].strip("-") or "command"
    return f"{stem}-{suffix if suffix is not None else os.urandom(3).hex()}"


def proxy_url(host: str, port: int, label: str | None = None) -> str:
    """The proxy URL a launched program gets: with the source tag as credentials when given."""
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if label is None:
        return f"http://{authority}"
    if not SOURCE_USER.fullmatch(f"src-{label}"):
        raise ValueError(f"{label!r} is not a valid source label")
    return f"http://src-{label}:{SOURCE_PASSWORD}@{authority}"
