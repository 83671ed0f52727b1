"""`inspector demo --generate N --db PATH`: synthetic demo traffic straight into a database."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from inspector.cli.app import FILE, main
from inspector.errors import InspectorError

# A bigger page cache than SQLite's 2 MB default keeps index updates in memory while millions
# of rows go in (negative: KiB). It only lasts as long as this connection.
_CACHE_KIB = 256 * 1024


class DemoDatabaseError(InspectorError):
    """A database that already holds exchanges: synthetic rows must not mix with real ones."""


@main.command("demo")
@click.option(
    "--generate",
    "count",
    type=click.IntRange(min=1),
    required=True,
    metavar="N",
    help="How many exchanges to write (1,000,000 takes a few minutes).",
)
@click.option(
    "--db",
    "db_path",
    type=FILE,
    required=True,
    help="The database to fill; created if missing. Never defaults to your real captures.",
)
@click.option("--seed", type=int, default=None, help="Make the traffic the same on every run.")
@click.option(
    "--append",
    is_flag=True,
    help="Add to a database that already holds exchanges (refused by default).",
)
def demo_command(count: int, db_path: Path, seed: int | None, append: bool) -> None:
    """Fill a database with realistic demo traffic, without a proxy or a network.

    The consumers, endpoints, status codes, latencies and bodies of `inspector --demo`'s sample
    API, spread over the last 24 hours: for trying the app or measuring it at scale.
    """
    from inspector.demo.synthetic import write_synthetic
    from inspector.store import open_db

    conn = open_db(db_path)
    try:
        existing = conn.execute("SELECT count(*) FROM exchanges").fetchone()[0]
        if existing and not append:
            raise DemoDatabaseError(
                f"{db_path} already holds {existing:,} exchanges; demo traffic would mix with "
                "them. Choose a new file, or pass --append."
            )
        conn.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
        started = time.perf_counter()
        interactive = sys.stderr.isatty()
        next_report = [0]

        def progress(done: int) -> None:
            elapsed = time.perf_counter() - started
            rate = done / elapsed if elapsed > 0 else 0.0
            line = f"{done:,} / {count:,} exchanges ({done * 100 // count}%), {rate:,.0f}/s"
            if interactive:
                click.echo(f"\r{line}", nl=done == count, err=True)
            elif done >= next_report[0] or done == count:
                # Logs and pipes get a line per tenth, not one per batch.
                click.echo(line, err=True)
                next_report[0] = done + max(count // 10, 1)

        stored = write_synthetic(conn, count, seed=seed, progress=progress)
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    skipped = count - stored
    note = f" ({skipped:,} were already there: same seed)" if skipped else ""
    click.echo(
        f"Wrote {stored:,} demo exchanges to {db_path} in {elapsed:.1f} s "
        f"({stored / elapsed if elapsed > 0 else 0:,.0f}/s){note}."
    )
