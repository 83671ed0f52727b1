"""Finding the line of a key path in TOML text (tomllib gives values, not positions)."""

from __future__ import annotations

import re

from inspector.config.errors import KeyPath

_BARE_KEY = r"[A-Za-z0-9_\-]+"
_QUOTED_KEY = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_KEY = rf"(?:{_BARE_KEY}|{_QUOTED_KEY})"
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_ARRAY_TABLE = re.compile(rf"^\s*\[\[\s*({_DOTTED})\s*\]\]")
_TABLE = re.compile(rf"^\s*\[\s*({_DOTTED})\s*\]")
_ASSIGNMENT = re.compile(rf"^\s*({_DOTTED})\s*=")
_INLINE_KEY = re.compile(rf"[{{,]\s*({_DOTTED})\s*=")
_PART = re.compile(_KEY)


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(part[1:-1] if part[:1] in ("'", '"') else part for part in _PART.findall(dotted))


def key_lines(text: str) -> dict[KeyPath, int]:
    """Maps each table and key path found in the text to its first line (1-based)."""
    lines: dict[KeyPath, int] = {}
    array_counts: dict[tuple[str, ...], int] = {}
    table: KeyPath = ()
    in_multiline: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline is not None:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        for quote in ('"""', "'''"):
            if line.count(quote) % 2 == 1:
                in_multiline = quote
        if match := _ARRAY_TABLE.match(line):
            name = _parts(match.group(1))
            index = array_counts.get(name, 0)
            array_counts[name] = index + 1
            table = (*name, index)
            lines.setdefault(name, number)
            lines.setdefault(table, number)
        elif match := _TABLE.match(line):
            table = _parts(match.group(1))
            lines.setdefault(table, number)
        elif match := _ASSIGNMENT.match(line):
            key = (*table, *_parts(match.group(1)))
            lines.setdefault(key, number)
            # Keys of inline tables on the same line: `retention = { max_age = "7d" }`.
            for inline in _INLINE_KEY.finditer(line, match.end()):
                lines.setdefault((*key, *_parts(inline.group(1))), number)
    return lines


def line_of(text: str, key_path: KeyPath) -> int | None:
    """The line of the key, or of its closest enclosing table or key that is written out."""
    lines = key_lines(text)
    path = tuple(key_path)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None
