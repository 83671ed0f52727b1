"""The `inspector export` group; destinations attach their subcommands from their own modules."""

from __future__ import annotations

from inspector.cli.app import main


@main.group("export")
def export_group() -> None:
    """Send captured exchanges to a hosted service or write them to a file.

    Service destinations (readme, apitally, otlp, elasticsearch) keep a cursor in the database:
    a rerun sends only what is new. File destinations (har, ndjson) write what the filter selects.
    """
