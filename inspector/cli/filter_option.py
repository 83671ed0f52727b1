"""`--filter EXPR`, the same on every command that takes one: the filter language's help, and a
bad filter refused before anything is opened, shown with a caret under the fault."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from inspector.errors import InspectorError

if TYPE_CHECKING:  # the store loads when a filter is compiled, not when --help is asked for
    from inspector.store.filters import SqlFilter

FILTER_HELP = (
    "Only exchanges matching this filter, e.g. 'method:POST status:>=400 consumer:acme'. "
    "See the Filters section of the README."
)
_SHOWN_WIDTH = 100  # the filter echoed under an error is clipped around the fault to this width


class FilterUsageError(InspectorError):
    """A bad --filter, shown with the filter text and a caret under the fault."""


def caret_lines(text: str, position: int, length: int) -> str:
    """The filter and a line of carets under [position, position + length), clipped to fit."""
    # One character per position, so the caret lines up: no tabs, newlines or control codes.
    flat = "".join(" " if char.isspace() else char if char.isprintable() else "?" for char in text)
    start = max(0, min(position - _SHOWN_WIDTH // 2, len(flat) - _SHOWN_WIDTH))
    shown = flat[start : start + _SHOWN_WIDTH]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + _SHOWN_WIDTH < len(flat) else ""
    carets = "^" * max(1, min(length, _SHOWN_WIDTH - (position - start)))
    return f"  {prefix}{shown}{suffix}\n  {' ' * (len(prefix) + position - start)}{carets}"


def compile_cli_filter(text: str) -> SqlFilter:
    """compile_filter for a `--filter`: an error shows the filter with a caret under the fault."""
    from inspector.store.filters import FilterError, compile_filter

    try:
        return compile_filter(text)
    except FilterError as exc:
        raise FilterUsageError(f"{exc}\n{caret_lines(text, exc.position, exc.length)}") from None


def _checked(ctx: click.Context, param: click.Parameter, value: str) -> str:
    compile_cli_filter(value)
    return value


def filter_option(
    *param_decls: str, help: str = FILTER_HELP
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--filter/-f EXPR` into `filter_text` (or the names given), checked as it is read."""
    decls = param_decls or ("--filter", "-f", "filter_text")
    return click.option(*decls, default="", metavar="EXPR", callback=_checked, help=help)
