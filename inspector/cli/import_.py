"""`inspector import FILE`: load a HAR file or a mitmproxy flow dump, all or nothing."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from inspector.cli.app import config_option, db_option, main
from inspector.errors import InspectorError
from inspector.model import Body, Exchange
from inspector.paths import default_config_path

if TYPE_CHECKING:
    from inspector.config import Config

_SNIFF_BYTES = 64


class ImportFormatError(InspectorError):
    """A file that is neither HAR nor a mitmproxy flow dump."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    kind: str  # "HAR" or "mitmproxy flow dump"
    read: int  # exchanges found in the file
    stored: int  # newly stored
    duplicates: int  # already in the database (same uid)
    not_logged: int  # left out by the capture rules (scope, grouping function)
    other_flows: int  # non-HTTP flows of a dump


def sniff_kind(path: Path) -> str:
    """The file's format, "har" or "dump", judged from its content: names and extensions lie."""
    from inspector.capture.dump_import import looks_like_flow_dump

    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise ImportFormatError(f"Cannot read {path}: {exc.strerror}.") from None
    stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if stripped.startswith(b"{"):
        return "har"
    if looks_like_flow_dump(head):
        return "dump"
    if not head:
        raise ImportFormatError(f"{path} is empty: nothing to import.")
    raise ImportFormatError(
        f"{path} is neither a HAR file (JSON) nor a mitmproxy flow dump; nothing was imported."
    )


def _cap_body(body: Body, max_bytes: int) -> Body:
    # The same cap live capture applies; the real size stays recorded.
    if len(body.content) <= max_bytes:
        return body
    return dataclasses.replace(body, content=body.content[:max_bytes], truncated=True)


def _cap_bodies(exchange: Exchange, max_bytes: int) -> Exchange:
    request = _cap_body(exchange.request_body, max_bytes)
    response = _cap_body(exchange.response_body, max_bytes)
    if request is exchange.request_body and response is exchange.response_body:
        return exchange
    return exchange.replace(request_body=request, response_body=response)


def _through_rules(config: Config) -> Callable[[Exchange], Exchange | None]:
    def process(exchange: Exchange) -> Exchange | None:
        processed = config.process(exchange)
        if processed is None or exchange.consumer is None:
            return processed
        # A consumer recorded in the file (our own HAR export) was found from the raw request;
        # its headers are redacted now, and grouping them again would find "[REDACTED]".
        return processed.replace(consumer=exchange.consumer)

    return process


def import_file(path: Path, db_path: Path, config: Config) -> ImportResult:
    """Read and check the whole file, apply the capture rules, then store it in one transaction.

    The database is opened only once the file has proved valid: a refused file touches nothing.
    """
    from inspector.store import open_db, write_batch

    max_bytes = config.capture.max_body_bytes
    other_flows = 0
    if sniff_kind(path) == "har":
        from inspector.exporters.har_import import read_har

        kind = "HAR"
        raw = [_cap_bodies(exchange, max_bytes) for exchange in read_har(path)]
    else:
        from inspector.capture.dump_import import read_flow_dump

        kind = "mitmproxy flow dump"
        contents = read_flow_dump(path, max_body_bytes=max_bytes)
        raw, other_flows = contents.exchanges, contents.other_flows
    kept = [processed for processed in map(_through_rules(config), raw) if processed is not None]
    conn = open_db(db_path)
    try:
        stored = write_batch(conn, kept)
    finally:
        conn.close()
    return ImportResult(
        kind=kind,
        read=len(raw),
        stored=len(stored),
        duplicates=len(kept) - len(stored),
        not_logged=len(raw) - len(kept),
        other_flows=other_flows,
    )


def _summary(path: Path, result: ImportResult, elapsed_s: float) -> str:
    noun = "exchange" if result.stored == 1 else "exchanges"
    parts = [f"Imported {result.stored:,} {noun} from {path} ({result.kind})"]
    notes = []
    if result.duplicates:
        notes.append(f"{result.duplicates:,} already in the database")
    if result.not_logged:
        notes.append(f"{result.not_logged:,} left out by the capture rules")
    if result.other_flows:
        notes.append(f"{result.other_flows:,} non-HTTP flows skipped")
    if notes:
        parts.append("; " + ", ".join(notes))
    parts.append(f" in {elapsed_s:.1f} s.")
    return "".join(parts)


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
@config_option(
    "Grouping and redaction rules, applied exactly as during live capture.",
    default=default_config_path,
    show_default="$INSPECTOR_CONFIG or the user config file when it exists",
)
def import_command(file: Path, db_path: Path, config_path: Path | None) -> None:
    """Load a HAR file or a mitmproxy flow dump into the capture database.

    The format is recognised from the content. The capture rules (scope, grouping, redaction,
    body size cap) apply as for live traffic. All or nothing: a damaged file is refused with
    the position at fault and nothing is stored. Importing a file twice stores it once.
    """
    from inspector.config import load_config

    config = load_config(config_path)
    started = time.perf_counter()
    result = import_file(file, db_path, config)
    click.echo(_summary(file, result, time.perf_counter() - started))
