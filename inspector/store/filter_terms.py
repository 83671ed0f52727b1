"""The terms of the filter language: one compiler per key, each to a parameterised condition."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

from inspector.store.filter_syntax import FilterError, Word
from inspector.store.filter_values import (
    BadValue,
    Bounds,
    parse_bytes,
    parse_comparison,
    parse_duration_ms,
    parse_instant,
    parse_port,
    parse_status,
)

Compiled = tuple[str, tuple[object, ...]]

# An error, for every count, rate and filter (DESIGN section 4): an HTTP status of 400 or more,
# or no response at all. `status:error` compiles to exactly this; statistics count with it.
IS_ERROR_SQL = "(e.status IS NULL OR e.status >= 400)"


@dataclass(frozen=True)
class TermContext:
    word: Word
    key: str  # canonical key
    value: str
    value_start: int  # index into word.text
    now: float

    def error(
        self, message: str, detail: str = "", begin: int = 0, stop: int | None = None
    ) -> FilterError:
        """`message at position N: detail`, locating value[begin:stop] in the raw text."""
        position, length = self.word.span(
            self.value_start + begin, None if stop is None else self.value_start + stop
        )
        suffix = f": {detail}" if detail else ""
        return FilterError(f"{message} at position {position}{suffix}", position, length)


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _glob_escape(value: str) -> str:
    """Literal text for GLOB: `*` stays a wildcard, `?` and `[` become literal."""
    return "".join(f"[{c}]" if c in "?[" else c for c in value)


def _prefix_range(prefix: str) -> tuple[str, str] | None:
    """Bounds [low, high) of strings starting with `prefix`, so an index on the column serves."""
    if not prefix or ord(prefix[-1]) >= 0x10FFFF or 0xD7FF <= ord(prefix[-1]) < 0xE000:
        return None
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _comma_items(ctx: TermContext) -> list[tuple[str, int]]:
    items: list[tuple[str, int]] = []
    offset = 0
    for item in ctx.value.split(","):
        if not item.strip():
            raise ctx.error(
                f"Empty item in the {ctx.key} list", begin=min(offset, len(ctx.value) - 1)
            )
        items.append((item.strip(), offset + len(item) - len(item.lstrip())))
        offset += len(item) + 1
    return items


def _any_of(parts: list[Compiled]) -> Compiled:
    if len(parts) == 1:
        return parts[0]
    sql = " OR ".join(f"({part[0]})" for part in parts)
    params: tuple[object, ...] = tuple(p for part in parts for p in part[1])
    return sql, params


def _term_method(ctx: TermContext) -> Compiled:
    methods: list[str] = []
    for item, offset in _comma_items(ctx):
        if not re.fullmatch(r"[A-Za-z][A-Za-z_-]*", item):
            raise ctx.error(
                f"Bad method {item!r}", "expected a word such as GET or POST",
                offset, offset + len(item),
            )  # fmt: skip
        methods.append(item.upper())
    return f"upper(e.method) IN ({', '.join('?' for _ in methods)})", tuple(methods)


def _bounds_sql(column: str, bounds: Bounds, cast: Callable[[float], object] = float) -> Compiled:
    """`column` within bounds from parse_comparison; an exact value compares with `=`."""
    low, high, low_open, high_open = bounds
    if low is not None and low == high and not low_open and not high_open:
        return f"{column} = ?", (cast(low),)
    conditions: list[str] = []
    params: list[object] = []
    if low is not None:
        conditions.append(f"{column} {'>' if low_open else '>='} ?")
        params.append(cast(low))
    if high is not None:
        conditions.append(f"{column} {'<' if high_open else '<='} ?")
        params.append(cast(high))
    return " AND ".join(conditions), tuple(params)


def _numeric(column: str, ctx: TermContext, parse: Callable[[str], float]) -> Compiled:
    parts: list[Compiled] = []
    for item, offset in _comma_items(ctx):
        try:
            bounds = parse_comparison(item, parse)
        except BadValue as exc:
            raise ctx.error(
                f"Bad {ctx.key} value {item!r}", str(exc), offset, offset + len(item)
            ) from None
        parts.append(_bounds_sql(column, bounds))
    return _any_of(parts)


def _term_status(ctx: TermContext) -> Compiled:
    parts: list[Compiled] = []
    for item, offset in _comma_items(ctx):
        if item.lower() == "failed":  # what the request table shows when no response came
            parts.append(("e.status IS NULL", ()))
            continue
        if item.lower() in ("error", "errors"):  # what the Errors columns count
            parts.append((IS_ERROR_SQL, ()))
            continue
        try:
            bounds = parse_status(item)
        except BadValue as exc:
            raise ctx.error(f"Bad status {item!r}", str(exc), offset, offset + len(item)) from None
        parts.append(_bounds_sql("e.status", bounds, int))
    return _any_of(parts)


def _split_host_port(item: str) -> tuple[str, str | None]:
    if item.startswith("["):  # [::1]:8080
        host, _, rest = item[1:].partition("]")
        return host, rest[1:] if rest.startswith(":") else None
    if item.count(":") == 1:
        host, _, port = item.partition(":")
        return host, port
    return item, None  # a bare IPv6 address has several colons


def _term_host(ctx: TermContext) -> Compiled:
    parts: list[Compiled] = []
    for item, offset in _comma_items(ctx):
        host, port = _split_host_port(item)
        if not host:
            raise ctx.error("Empty host", "", offset, offset + len(item))
        if "*" in host:
            sql, params = "lower(e.host) GLOB ?", [_glob_escape(host.lower())]
        else:
            sql, params = "lower(e.host) = ?", [host.lower()]
        params_out: list[object] = list(params)
        if port is not None:
            if not port.isdigit() or not 0 < int(port) < 65536:
                raise ctx.error(
                    f"Bad port {port!r} in host {item!r}", "", offset, offset + len(item)
                )
            sql += " AND e.port = ?"
            params_out.append(int(port))
        parts.append((sql, tuple(params_out)))
    return _any_of(parts)


def _term_path(ctx: TermContext) -> Compiled:
    value = ctx.value
    literal = value.split("*", 1)[0]
    bounds = _prefix_range(literal)
    conditions: list[str] = []
    params: list[object] = []
    if bounds:
        conditions.append("e.path >= ? AND e.path < ?")
        params.extend(bounds)
    if "*" in value or not bounds:
        pattern = _glob_escape(value)
        conditions.append("e.path GLOB ?")
        params.append(pattern if pattern.endswith("*") else pattern + "*")
    return " AND ".join(conditions), tuple(params)


def _term_endpoint(ctx: TermContext) -> Compiled:
    if "*" in ctx.value:
        return "e.endpoint GLOB ?", (_glob_escape(ctx.value),)
    return "e.endpoint = ?", (ctx.value,)


def _term_consumer(ctx: TermContext) -> Compiled:
    pattern = f"%{_like_escape(ctx.value)}%"
    columns = ("label", "email", "identifier", "consumer_group")
    matches = " OR ".join(f"{column} LIKE ? ESCAPE '\\'" for column in columns)
    return (
        f"e.consumer_id IN (SELECT id FROM consumers WHERE {matches})",
        (pattern,) * len(columns),
    )


def _term_duration(ctx: TermContext) -> Compiled:
    return _numeric("e.duration_ms", ctx, parse_duration_ms)


def _term_size(ctx: TermContext) -> Compiled:
    return _numeric("e.response_bytes", ctx, parse_bytes)


def _term_port(ctx: TermContext) -> Compiled:
    return _numeric("e.port", ctx, parse_port)


def _instant(ctx: TermContext, *, end_of_day: bool) -> float:
    try:
        return parse_instant(ctx.value, ctx.now, end_of_day=end_of_day)
    except BadValue as exc:
        raise ctx.error(f"Bad {ctx.key} value {ctx.value!r}", str(exc)) from None


def _term_since(ctx: TermContext) -> Compiled:
    return "e.started_at >= ?", (_instant(ctx, end_of_day=False),)


def _term_until(ctx: TermContext) -> Compiled:
    return "e.started_at < ?", (_instant(ctx, end_of_day=True),)


_WEBSOCKET = "(e.websocket_messages IS NOT NULL OR e.status = 101)"
_BINARY_TYPES = ("image/", "audio/", "video/", "font/", "application/octet-stream",
                 "application/pdf", "application/zip", "application/gzip", "protobuf")  # fmt: skip
_TYPE_ALIASES: dict[str, tuple[str, ...]] = {
    "json": ("json",),
    "html": ("html",),
    "xml": ("xml",),
    "text": ("text/",),
    "image": ("image/",),
    "binary": _BINARY_TYPES,
}


def _term_type(ctx: TermContext) -> Compiled:
    parts: list[Compiled] = []
    for item, _offset in _comma_items(ctx):
        kind = item.lower()
        if kind in ("websocket", "ws"):
            parts.append((_WEBSOCKET, ()))
        elif kind == "form":
            # Forms are what clients send: match the request body's type.
            parts.append(
                (
                    "(e.request_content_type LIKE ? OR e.request_content_type LIKE ?)",
                    ("%x-www-form-urlencoded%", "%multipart/form-data%"),
                )
            )
        else:
            fragments = _TYPE_ALIASES.get(kind, (kind,))
            sql = " OR ".join("e.response_content_type LIKE ? ESCAPE '\\'" for _ in fragments)
            params = tuple(f"%{_like_escape(fragment)}%" for fragment in fragments)
            parts.append((sql, params))
    return _any_of(parts)


_HAS: dict[str, str] = {
    "error": "e.status IS NULL",
    "failed": "e.status IS NULL",
    "body": "(e.request_bytes > 0 OR e.response_bytes > 0)",
    "consumer": "e.consumer_id IS NOT NULL",
    "query": "e.query != ''",
    "source": "e.source != ''",
    "websocket": _WEBSOCKET,
    "ws": _WEBSOCKET,
}


def _term_has(ctx: TermContext) -> Compiled:
    kind = ctx.value.lower()
    if kind not in _HAS:
        choices = ", ".join(k for k in _HAS if k not in ("failed", "ws"))
        hint = difflib.get_close_matches(kind, list(_HAS), n=1)
        suggestion = f" (did you mean '{hint[0]}'?)" if hint else f"; expected one of {choices}"
        message = f"Unknown has:{ctx.value}"
        position, length = ctx.word.span(ctx.value_start)
        raise FilterError(f"{message} at position {position}{suggestion}", position, length)
    return _HAS[kind], ()


def _term_scheme(ctx: TermContext) -> Compiled:
    items = [item.lower() for item, _ in _comma_items(ctx)]
    return f"lower(e.scheme) IN ({', '.join('?' for _ in items)})", tuple(items)


def _term_ua(ctx: TermContext) -> Compiled:
    return "e.user_agent LIKE ? ESCAPE '\\'", (f"%{_like_escape(ctx.value)}%",)


def _term_source(ctx: TermContext) -> Compiled:
    return "e.source LIKE ? ESCAPE '\\'", (f"%{_like_escape(ctx.value)}%",)


TERMS: dict[str, Callable[[TermContext], Compiled]] = {
    "method": _term_method,
    "status": _term_status,
    "host": _term_host,
    "path": _term_path,
    "endpoint": _term_endpoint,
    "consumer": _term_consumer,
    "duration": _term_duration,
    "size": _term_size,
    "since": _term_since,
    "until": _term_until,
    "type": _term_type,
    "has": _term_has,
    "scheme": _term_scheme,
    "port": _term_port,
    "ua": _term_ua,
    "source": _term_source,
}
