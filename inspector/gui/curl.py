"""An Exchange's request as a `curl` command line a user can paste into a shell."""

from __future__ import annotations

import shlex

from inspector.model import Exchange

# curl computes these itself; copying them would make the command wrong after edits.
_SKIPPED_HEADERS = {"host", "content-length", "connection", "transfer-encoding"}


def as_curl(exchange: Exchange) -> str:
    """One option per line, joined with backslashes, every value shell-quoted."""
    segments = [f"curl {shlex.quote(exchange.url)}"]
    body = exchange.request_body
    if exchange.method != "GET" or body.content:
        segments.append(f"-X {shlex.quote(exchange.method)}")
    compressed = False
    for name, value in exchange.request_headers:
        lowered = name.lower()
        if lowered == "accept-encoding":
            compressed = True
            continue
        if lowered in _SKIPPED_HEADERS or name.startswith(":"):
            continue
        segments.append(f"-H {shlex.quote(f'{name}: {value}')}")
    if compressed:
        segments.append("--compressed")
    if body.content:
        text = body.text
        if text is not None:
            segments.append(f"--data-raw {shlex.quote(text)}")
        else:
            # Last, because the shell comment ends the command.
            segments.append(f"--data-binary @body.bin  # {body.size} bytes of binary body")
    return " \\\n  ".join(segments)
