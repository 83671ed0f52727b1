"""Headline figures: one machine-readable line each, gathered by run_all.py into a Markdown table.

A script prints its figures for people as it likes, and calls `figure()` once per number that
belongs in the README's Performance table.
"""

from __future__ import annotations

import json

MARK = "FIGURE "


def figure(what: str, measured: str, target: str = "", missed: bool = False) -> None:
    """Print one table row: what was measured, the result as people read it, and its target."""
    row = {"what": what, "measured": measured, "target": target, "missed": missed}
    print(MARK + json.dumps(row), flush=True)


def parse(output: str) -> tuple[list[dict[str, object]], str]:
    """Split a script's output into its figure rows and the rest of its text."""
    rows: list[dict[str, object]] = []
    rest: list[str] = []
    for line in output.splitlines():
        if line.startswith(MARK):
            rows.append(json.loads(line.removeprefix(MARK)))
        else:
            rest.append(line)
    return rows, "\n".join(rest)
