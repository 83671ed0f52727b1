"""Retention soak: a week-long capture simulated in a minute, to show the database stays bounded.

    .venv/bin/python benchmarks/retention_soak.py [--rows N] [--days D] [--max-exchanges N]
                                                  [--max-db-mb MB] [--prune-rows N]

Writes N exchanges with synthetic start times spread evenly over D days (default 8) into a fresh
database, in the capture writer's batches of 500, with one pruning step between batches exactly
as the writer thread interleaves them (max_age 7d plus the given bounds). The pruner's clocks
follow the simulated time, so checks come every 5 simulated seconds and max_age applies as in a
real week. Prints, per simulated day, the rows kept and the file size, then the longest and the
99th percentile writer stall caused by pruning (the time one step holds the writer thread).
Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import math
import tempfile
import time
from pathlib import Path

from figures import figure
from ingest_rate import sample_exchanges

from inspector.config import Retention
from inspector.store import open_db, write_batch
from inspector.store.retention import DEFAULT_BATCH_ROWS, Pruner, used_bytes

BATCH_ROWS = 500
WEEK_S = 7 * 86400


def _file_mb(db_path: Path) -> float:
    wal = db_path.with_name(db_path.name + "-wal")
    size = db_path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    return size / 2**20


def soak(
    rows: int,
    days: float,
    max_exchanges: int | None,
    max_db_mb: int | None,
    prune_rows: int = DEFAULT_BATCH_ROWS,
) -> None:
    span_s = days * 86400
    start = time.time() - span_s
    clock = {"now": start}
    pruner = Pruner(
        retention=Retention(
            max_age_seconds=WEEK_S, max_exchanges=max_exchanges, max_db_mb=max_db_mb
        ),
        wall_clock=lambda: clock["now"],
        monotonic=lambda: clock["now"],
        batch_rows=prune_rows,
    )
    stalls_ms: list[float] = []
    write_ms = 0.0
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "soak.db"
        conn = open_db(db_path)
        batches = math.ceil(rows / BATCH_ROWS)
        next_day = 1
        print(f"{'day':>4} {'rows kept':>10} {'file MB':>8} {'in use MB':>9} {'pruned':>9}")
        for number in range(batches):
            count = min(BATCH_ROWS, rows - number * BATCH_ROWS)
            first = number * BATCH_ROWS
            batch = [
                dataclasses.replace(exchange, started_at=start + (first + i) * span_s / rows)
                for i, exchange in enumerate(sample_exchanges(count))
            ]
            clock["now"] = batch[-1].started_at
            began = time.perf_counter()
            write_batch(conn, batch)
            write_ms += (time.perf_counter() - began) * 1000
            # As the writer thread does: a step after each batch, and more steps at once while
            # a check found work (it would pick up pending traffic between them).
            while True:
                began = time.perf_counter()
                pruner.step(conn)
                stalls_ms.append((time.perf_counter() - began) * 1000)
                if not pruner.busy:
                    break
            if clock["now"] - start >= next_day * 86400 or number == batches - 1:
                kept = conn.execute("SELECT count(*) FROM exchanges").fetchone()[0]
                print(
                    f"{next_day:>4} {kept:>10,} {_file_mb(db_path):>8.1f} "
                    f"{used_bytes(conn) / 2**20:>9.1f} {pruner.totals.all_time:>9,}"
                )
                next_day += 1
        oldest = conn.execute("SELECT min(started_at) FROM exchanges").fetchone()[0]
        kept = conn.execute("SELECT count(*) FROM exchanges").fetchone()[0]
        conn.close()
        stalls_ms.sort()
        p99 = stalls_ms[min(len(stalls_ms) - 1, int(len(stalls_ms) * 0.99))]
        print(
            f"\n{rows:,} exchanges over {days:g} simulated days, retention max_age 7d, "
            f"max_exchanges {max_exchanges}, max_db_mb {max_db_mb}, pruning batches of "
            f"{prune_rows}"
        )
        print(f"oldest kept: {(clock['now'] - oldest) / 86400:.2f} days before the last write")
        print(f"writes: {write_ms / batches:.1f} ms per batch of {BATCH_ROWS} on average")
        print(
            f"writer stall from pruning: longest {stalls_ms[-1]:.1f} ms, p99 {p99:.1f} ms, "
            f"over {len(stalls_ms)} steps"
        )
        bounds = ["max_age 7d"]
        bounds += [f"max_exchanges {max_exchanges:,}"] if max_exchanges else []
        bounds += [f"max_db_mb {max_db_mb}"] if max_db_mb else []
        figure(
            f"Retention: {rows:,} exchanges over {days:g} simulated days ({', '.join(bounds)})",
            f"{kept:,} kept, file {_file_mb(db_path):.0f} MB; writer stall from pruning: "
            f"longest {stalls_ms[-1]:.0f} ms, p99 {p99:.0f} ms",
        )


def main() -> None:
    logging.getLogger("inspector.capture").setLevel(logging.ERROR)  # the per-minute reports
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--days", type=float, default=8.0)
    parser.add_argument("--max-exchanges", type=int, default=150_000, help="0: no count limit")
    parser.add_argument("--max-db-mb", type=int, default=None)
    parser.add_argument("--prune-rows", type=int, default=DEFAULT_BATCH_ROWS)
    args = parser.parse_args()
    soak(args.rows, args.days, args.max_exchanges or None, args.max_db_mb, args.prune_rows)


if __name__ == "__main__":
    main()
