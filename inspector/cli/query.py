"""`inspector requests` and `inspector stats`: read-only views of a capture database."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from inspector.cli.app import db_option, main
from inspector.cli.db_errors import DamagedValueError, reading
from inspector.cli.filter_option import compile_cli_filter, filter_option
from inspector.errors import InspectorError
from inspector.model import Consumer
from inspector.records import iso_utc
from inspector.store import open_db
from inspector.store.answers import ConsumerStats, Summary
from inspector.store.percentiles import RELATIVE_ERROR
from inspector.store.queries import RequestRecord, count_requests, iter_requests
from inspector.store.queries import summary as stats_summary
from inspector.store.selection import Selection
from inspector.units import duration_text, size_text

_SQLITE_MAX_INTEGER = 2**63 - 1


@contextmanager
def read_only(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection; a missing file is an error, never created."""
    if not db_path.exists():
        raise InspectorError(
            f"{db_path} does not exist. Capture traffic first (inspector capture --db {db_path}) "
            "or pass the --db of an existing capture."
        )
    conn = open_db(db_path, readonly=True)
    try:
        with reading(db_path):
            yield conn
    finally:
        conn.close()


def _write_lines(lines: Iterable[str]) -> None:
    """Print lines as they come; a closed pipe (`| head`) ends quietly."""
    out = sys.stdout
    try:
        for line in lines:
            out.write(line)
            out.write("\n")
        out.flush()
    except BrokenPipeError:
        # Python would complain again while flushing at exit: point stdout at nothing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)


# --- Human-readable formatting ------------------------------------------------------------------


def format_duration(ms: float | None) -> str:
    return duration_text(ms, missing="-")


def format_bytes(size: float | None) -> str:
    return size_text(size, missing="-")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _consumer_name(consumer: Consumer | ConsumerStats | None) -> str:
    if consumer is None:
        return "-"
    name = consumer.label or consumer.email or consumer.id or "-"
    if name.startswith("sha512-") and "?" in name:
        # A credential's fingerprint: its last characters are what tells two keys apart.
        return "sha512-…?" + name.rsplit("?", 1)[1]
    return name


def _local_time(epoch_s: float) -> str:
    try:
        return dt.datetime.fromtimestamp(epoch_s).strftime("%Y-%m-%d %H:%M:%S")
    except (ValueError, OverflowError, OSError):
        pass
    # Near the ends of the calendar (an imported year 1) local time may not exist: show UTC.
    try:
        utc = dt.datetime.fromtimestamp(epoch_s, dt.UTC)
        return f"{utc.year:04d}-{utc:%m-%d %H:%M:%S}Z"
    except (ValueError, OverflowError, OSError):
        return f"{epoch_s:.0f} s"  # beyond any calendar: only damage stores such a time


_TABLE = "{:<19}  {:<7}  {:>6}  {:>9}  {:>9}  {:<24}  {}"


def _table_lines(rows: Iterable[RequestRecord]) -> Iterator[str]:
    yield _TABLE.format("TIME", "METHOD", "STATUS", "DURATION", "SIZE", "CONSUMER", "URL")
    for row in rows:
        yield _TABLE.format(
            _local_time(row.started_at),
            _clip(row.method, 7),
            "failed" if row.status is None else str(row.status),
            format_duration(row.duration_ms),
            format_bytes(row.response_bytes),
            _clip(_consumer_name(row.consumer), 24),
            row.url,
        )


def _unexpected_value(value: object) -> object:
    # Our columns hold text and numbers; anything else (bytes in a text column) is damage.
    raise DamagedValueError(f"a {type(value).__name__} value where text or a number belongs")


def _json_array_lines(rows: Iterable[RequestRecord]) -> Iterator[str]:
    """A JSON array written one element per line, so millions of rows stream."""
    yield "["
    pending: str | None = None
    for row in rows:
        if pending is not None:
            yield f"  {pending},"
        pending = json.dumps(row.to_json(), ensure_ascii=False, default=_unexpected_value)
    if pending is not None:
        yield f"  {pending}"
    yield "]"


def _counted(rows: Iterable[RequestRecord], tally: list[int]) -> Iterator[RequestRecord]:
    for row in rows:
        tally[0] += 1
        yield row


# --- Commands -----------------------------------------------------------------------------------


@main.command("requests")
@db_option
@filter_option()
@click.option(
    "--limit",
    "-n",
    type=click.IntRange(min=0),
    default=100,
    show_default=True,
    help="Show at most this many requests, newest first; 0 shows all.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def requests_command(db_path: Path, filter_text: str, limit: int, as_json: bool) -> None:
    """List captured requests, newest first."""
    limit = min(limit, _SQLITE_MAX_INTEGER)  # SQLite cannot take more; nothing holds more rows
    selection = Selection(compile_cli_filter(filter_text))
    with read_only(db_path) as conn:
        rows = iter_requests(conn, selection, limit=limit or None)
        if as_json:
            _write_lines(_json_array_lines(rows))
            return
        shown = [0]
        first = next(rows, None)
        if first is None:
            what = "match the filter" if filter_text.strip() else "have been captured yet"
            click.echo(f"No requests {what} in {db_path}.")
            return
        _write_lines(_table_lines(_counted(itertools.chain([first], rows), shown)))
        if limit and shown[0] == limit:
            total = count_requests(conn, selection)
            if total > limit:
                click.echo(
                    f"Showing the {limit:,} newest of {total:,} requests; --limit 0 shows them all."
                )


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _count_section(title: str, counts: dict[str, int], total: int, top: int = 10) -> list[str]:
    lines = [title]
    items = list(counts.items())
    width = min(48, max((len(key or "(none)") for key, _ in items[:top]), default=0))
    for key, count in items[:top]:
        name = _clip(key or "(none)", 48)
        lines.append(f"  {name:<{width}}  {count:>10,}  {_percent(count, total):>6}")
    if len(items) > top:
        rest = sum(count for _, count in items[top:])
        lines.append(f"  … and {len(items) - top} more ({rest:,} requests)")
    return lines


def _stats_lines(stats: Summary, top: int) -> Iterator[str]:
    total, errors = stats.requests, stats.errors
    yield (
        f"Requests   {total:,}   errors {errors:,} ({_percent(errors, total)})   "
        f"failed {stats.failed:,}   without consumer {stats.unidentified_requests:,}"
    )
    latency = stats.latency_ms.to_json()
    approximate = (
        ""
        if stats.method.exact_percentiles
        else (f"   (percentiles within {RELATIVE_ERROR:.0%}, from rollups)")
    )
    yield (
        "Latency    "
        + "   ".join(f"{name} {format_duration(latency[name])}" for name in latency)
        + approximate
    )
    for title, counts in (("Status codes", stats.status_codes), ("Methods", stats.methods),
                          ("Schemes", stats.schemes), ("Hosts", stats.hosts),
                          ("User agents", stats.user_agents)):  # fmt: skip
        yield ""
        yield from _count_section(title, counts, total, top)
    consumers = stats.consumers
    yield ""
    yield f"Consumers ({len(consumers):,})"
    if consumers:
        row = "  {:<28}  {:>10}  {:>8}  {:>9}  {:>9}  {}"
        yield row.format("CONSUMER", "REQUESTS", "ERRORS", "P50", "P95", "LAST SEEN (UTC)")
        for consumer in consumers[:top]:
            yield row.format(
                _clip(_consumer_name(consumer), 28),
                f"{consumer.requests:,}",
                f"{consumer.errors:,}",
                format_duration(consumer.p50_ms),
                format_duration(consumer.p95_ms),
                str(iso_utc(consumer.last_seen)).replace("T", " ")[:19],
            )
        if len(consumers) > top:
            yield f"  … and {len(consumers) - top} more"
    endpoints = stats.endpoints
    yield ""
    yield f"Endpoints ({len(endpoints):,})"
    if endpoints:
        row = "  {:<7}  {:<36}  {:>10}  {:>8}  {:>9}  {:>9}  {:>9}"
        yield row.format("METHOD", "ENDPOINT", "REQUESTS", "ERRORS", "P50", "P95", "P99")
        for item in endpoints[:top]:
            yield row.format(
                _clip(item.method, 7),
                _clip(item.endpoint, 36),
                f"{item.requests:,}",
                f"{item.errors:,}",
                format_duration(item.p50_ms),
                format_duration(item.p95_ms),
                format_duration(item.p99_ms),
            )
        if len(endpoints) > top:
            yield f"  … and {len(endpoints) - top} more"


@main.command("stats")
@db_option
@filter_option()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Rows per section in the text output (the JSON always has everything).",
)
def stats_command(db_path: Path, filter_text: str, as_json: bool, top: int) -> None:
    """Counts, latency percentiles, consumers and endpoints of captured requests."""
    selection = Selection(compile_cli_filter(filter_text))
    with read_only(db_path) as conn:
        stats = stats_summary(conn, selection)
    if as_json:
        _write_lines(
            [json.dumps(stats.to_json(), ensure_ascii=False, indent=2, default=_unexpected_value)]
        )
        return
    if not stats.requests:
        what = "match the filter" if filter_text.strip() else "have been captured yet"
        click.echo(f"No requests {what} in {db_path}.")
        return
    _write_lines(_stats_lines(stats, top))
