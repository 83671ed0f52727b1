"""The query layer at a million exchanges: every answer the CLI and the app ask for, rollups against
reading the rows (the way every answer was computed before rollups), in the same run.

    .venv/bin/python benchmarks/query_layer.py [--db PATH] [--rows N]

For the consumers list, the endpoints table and the charts it tries every range the app offers
(everything, the last 24 hours, hour and 5 minutes, and an arbitrary 6-hour span off minute
boundaries) for everyone, the busiest and the rarest consumer, and reports the slowest. It also
times `inspector stats --json` as a user runs it (a new process) and reports the largest relative
difference of any percentile between the two methods. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from figures import figure
from million import DEFAULT_ROWS, ensure_database

from inspector.store import open_db, queries, stats
from inspector.store.percentiles import RELATIVE_ERROR
from inspector.store.selection import ANONYMOUS, ConsumerChoice, Selection
from inspector.store.series import load_chart_data


def timed(action: Callable[[], object], repeat: int = 3) -> float:
    """Best of `repeat` wall-clock seconds: the machine is shared, the best run is the code's."""
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - began)
    return best


def worst_difference(fast: dict[str, object], exact: dict[str, object]) -> float:
    """Largest relative difference of a percentile between two stats objects."""
    worst = 0.0

    def compare(a: object, b: object) -> None:
        nonlocal worst
        if isinstance(a, float) and isinstance(b, float) and b > 0:
            worst = max(worst, abs(a - b) / b)

    for name in ("p50", "p95", "p99"):
        compare(fast["latency_ms"][name], exact["latency_ms"][name])  # type: ignore[index]
    for section in ("consumers", "endpoints"):
        for mine, theirs in zip(fast[section], exact[section], strict=True):  # type: ignore[call-overload]
            for key in ("p50_ms", "p95_ms", "p99_ms"):
                if key in theirs:
                    compare(mine[key], theirs[key])
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument(
        "--baseline",
        choices=("all", "widest"),
        default="all",
        help="read the rows for every case, or only for everything and everyone (ten million "
        "rows take minutes per case)",
    )
    args = parser.parse_args()
    path = ensure_database(args.db, args.rows)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if (
        not open_db(path, readonly=True)
        .execute("SELECT 1 FROM sqlite_master WHERE name = 'rollup_state'")
        .fetchone()
    ):
        open_db(path).close()  # an older database: the migration builds its rollups
    conn = open_db(path, readonly=True)
    total = conn.execute("SELECT count(*) FROM exchanges").fetchone()[0]
    by_traffic = conn.execute(
        "SELECT consumer_id FROM exchanges WHERE consumer_id IS NOT NULL "
        "GROUP BY consumer_id ORDER BY count(*) DESC"
    ).fetchall()
    newest = conn.execute("SELECT max(started_at) FROM exchanges").fetchone()[0]
    consumers: dict[str, ConsumerChoice] = {
        "everyone": None, "busiest": by_traffic[0][0], "rarest": by_traffic[-1][0],
        "anonymous": ANONYMOUS,
    }  # fmt: skip
    ranges: dict[str, tuple[float | None, float | None]] = {
        "everything": (None, None),
        "last 24 h": (newest - 86_400, newest + 1),
        "6 h off the minute": (newest - 30_017.3, newest - 8_417.9),
        "last hour": (newest - 3600, newest + 1),
        "last 5 min": (newest - 300, newest + 1),
    }
    print(f"{total:,} exchanges in {path}")

    def stats_cli() -> None:
        subprocess.run([sys.executable, "-m", "inspector", "stats", "--json", "--db", str(path)],
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip

    everything = Selection()
    rows_stats = timed(lambda: stats.summary(conn, everything.where()), repeat=1)
    layer_stats = timed(lambda: queries.summary(conn, everything))
    cli_stats = timed(stats_cli)
    print(f"inspector stats, everything: rows {rows_stats:.2f} s, query layer {layer_stats:.3f} s, "
          f"the command end to end {cli_stats:.2f} s")  # fmt: skip
    difference = worst_difference(
        queries.summary(conn, everything).to_json(),
        stats.summary(conn, everything.where()).to_json(),
    )
    print(f"largest percentile difference, sketch against exact: {100 * difference:.2f} % "
          f"(stated bound {100 * RELATIVE_ERROR:.0f} %)")  # fmt: skip

    slowest: dict[str, tuple[float, str, float]] = {}
    for what, fast, rows in (
        ("consumers list", queries.consumer_list,
         lambda c, s: stats.consumer_list(c, s.where())),
        ("endpoints table", queries.endpoint_stats,
         lambda c, s: stats.endpoint_stats(c, s.where())),
        ("charts", queries.chart_data,
         lambda c, s: load_chart_data(c, Selection(s.filter, s.consumer).where(),
                                      start=s.start, end=s.end)),
    ):  # fmt: skip
        for range_name, (start, end) in ranges.items():
            for who, consumer in consumers.items():
                if what == "consumers list" and who != "everyone":
                    continue  # the list itself is never narrowed to one consumer
                selection = Selection(consumer=consumer, start=start, end=end)
                seconds = timed(lambda s=selection, f=fast: f(conn, s))  # type: ignore[misc]
                widest = range_name == "everything" and who == "everyone"
                before = (
                    timed(lambda s=selection, f=rows: f(conn, s), repeat=1)  # type: ignore[misc]
                    if args.baseline == "all" or widest
                    else float("nan")
                )
                label = f"{range_name}, {who}"
                print(f"{what:<16} {label:<34} {1000 * seconds:7.0f} ms "
                      f"(rows: {1000 * before:6.0f} ms)")  # fmt: skip
                if seconds > slowest.get(what, (0.0, "", 0.0))[0]:
                    slowest[what] = (seconds, label, before)
    conn.close()
    limit = 0.3 if total <= 2_000_000 else 1.0
    figure(f"`inspector stats` at {total:,}, everything: query layer / the command end to end",
           f"{layer_stats:.2f} s / {cli_stats:.2f} s (reading the rows: {rows_stats:.1f} s)",
           "under 0.5 s" if total <= 2_000_000 else "under 1 s",
           missed=cli_stats > (0.5 if total <= 2_000_000 else 1.0))  # fmt: skip
    for what, (seconds, label, before) in slowest.items():
        rows_note = "" if before != before else f"; reading the rows: {1000 * before:.0f} ms"
        figure(f"{what.capitalize()} at {total:,}, slowest range and consumer",
               f"{1000 * seconds:.0f} ms ({label}{rows_note})",
               f"under {limit:g} s", missed=seconds > limit)  # fmt: skip
    figure(f"Percentiles from sketches at {total:,}: largest difference from exact",
           f"{100 * difference:.2f} %", f"within {100 * RELATIVE_ERROR:.0f} %",
           missed=difference > RELATIVE_ERROR)  # fmt: skip


if __name__ == "__main__":
    main()
