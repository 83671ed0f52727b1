"""Filter and statistics query speed on a generated capture database (1,000,000 exchanges).

    .venv/bin/python benchmarks/query_speed.py [--db PATH] [--rows N]

The database is the shared demo database of benchmarks/million.py (generated once, reused).
Prints timings; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from figures import figure
from million import DEFAULT_ROWS, ensure_database

from inspector.store import open_db
from inspector.store.filters import compile_filter, consumer_filter
from inspector.store.queries import (
    compute_stats,
    consumer_stats,
    count_requests,
    endpoint_stats,
    list_requests,
)


def _timed(label: str, action: Callable[[], object], repeat: int = 3) -> float:
    """Median wall time, and the CPU time this process spent (less sensitive to other load)."""
    walls, cpus = [], []
    result: object = None
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        result = action()
        walls.append((time.perf_counter() - began) * 1000)
        cpus.append((time.process_time() - began_cpu) * 1000)
    shown = result if isinstance(result, int) else type(result).__name__
    print(
        f"{label:<62} {statistics.median(walls):8.1f} ms wall "
        f"{statistics.median(cpus):8.1f} ms cpu  ({shown})"
    )
    return statistics.median(walls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    args = parser.parse_args()
    args.db = ensure_database(args.db, args.rows)
    # Two shared cores: figures taken under load say so.
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    conn = open_db(args.db, readonly=True)
    by_traffic = conn.execute(
        "SELECT consumer_id FROM exchanges WHERE consumer_id IS NOT NULL "
        "GROUP BY consumer_id ORDER BY count(*) DESC"
    ).fetchall()
    busy, rare = by_traffic[0][0], by_traffic[-1][0]
    filters = {
        "unfiltered": compile_filter(""),
        "consumer (busiest) + status:4xx + path:/users": consumer_filter(busy).and_(
            compile_filter("status:4xx path:/users")
        ),
        "consumer (rarest) + status:4xx + path:/users": consumer_filter(rare).and_(
            compile_filter("status:4xx path:/users")
        ),
        "consumer:acme status:>=500": compile_filter("consumer:acme status:>=500"),
        "free text: lovelace": compile_filter("lovelace"),
        'free text: "Connection refused" OR duration:>2s': compile_filter(
            '"Connection refused" OR duration:>2s'
        ),
        "since:1d method:POST -status:2xx": compile_filter("since:1d method:POST -status:2xx"),
        "host:127.0.0.1 type:image": compile_filter("host:127.0.0.1 type:image"),
        "endpoint:/users/{id} duration:>200": compile_filter("endpoint:/users/{id} duration:>200"),
    }
    counts, pages = {}, {}
    for name, flt in filters.items():
        counts[name] = _timed(f"count  [{name}]", partial(count_requests, conn, flt))
        pages[name] = _timed(f"200 newest [{name}]", partial(list_requests, conn, flt, limit=200))
    stats_ms = _timed(
        "compute_stats unfiltered", lambda: compute_stats(conn, compile_filter("")), repeat=1
    )
    _timed("consumer_stats unfiltered (the app's consumer list)",
           lambda: consumer_stats(conn, compile_filter("")), repeat=1)  # fmt: skip
    _timed("endpoint_stats unfiltered", lambda: endpoint_stats(conn, compile_filter("")), repeat=1)
    _timed(
        "compute_stats one consumer (busiest)",
        lambda: compute_stats(conn, consumer_filter(busy)),
        repeat=1,
    )
    total = count_requests(conn, compile_filter(""))
    slowest_page = max(pages, key=pages.__getitem__)
    slowest_count = max(counts, key=counts.__getitem__)
    figure(f"`inspector requests` at {total:,}: newest 200 rows, slowest of {len(pages)} filters",
           f"{pages[slowest_page]:.0f} ms (`{slowest_page}`)")  # fmt: skip
    figure(f"Counting the matches at {total:,}, slowest of {len(counts)} filters",
           f"{counts[slowest_count]:.0f} ms (`{slowest_count}`)")  # fmt: skip
    figure(f"`inspector stats` at {total:,}, everything", f"{stats_ms / 1000:.1f} s")


if __name__ == "__main__":
    main()
