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
from inspector.store.filters import compile_filter
from inspector.store.queries import (
    consumer_list,
    count_requests,
    endpoint_stats,
    list_requests,
    summary,
)
from inspector.store.selection import Selection


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
        "unfiltered": Selection(),
        "consumer (busiest) + status:4xx + path:/users": Selection(
            compile_filter("status:4xx path:/users"), busy
        ),
        "consumer (rarest) + status:4xx + path:/users": Selection(
            compile_filter("status:4xx path:/users"), rare
        ),
        "consumer:acme status:>=500": Selection(compile_filter("consumer:acme status:>=500")),
        "free text: lovelace": Selection(compile_filter("lovelace")),
        'free text: "Connection refused" OR duration:>2s': Selection(
            compile_filter('"Connection refused" OR duration:>2s')
        ),
        "since:1d method:POST -status:2xx": Selection(
            compile_filter("since:1d method:POST -status:2xx")
        ),
        "host:127.0.0.1 type:image": Selection(compile_filter("host:127.0.0.1 type:image")),
        "endpoint:/users/{id} duration:>200": Selection(
            compile_filter("endpoint:/users/{id} duration:>200")
        ),
    }
    counts, pages = {}, {}
    for name, flt in filters.items():
        counts[name] = _timed(f"count  [{name}]", partial(count_requests, conn, flt))
        pages[name] = _timed(f"200 newest [{name}]", partial(list_requests, conn, flt, limit=200))
    stats_ms = _timed("summary (inspector stats) unfiltered", lambda: summary(conn, Selection()))
    _timed("consumer_list unfiltered (the app's consumer list)",
           lambda: consumer_list(conn, Selection()))  # fmt: skip
    _timed("endpoint_stats unfiltered", lambda: endpoint_stats(conn, Selection()))
    _timed("summary one consumer (busiest)", lambda: summary(conn, Selection(consumer=busy)))
    total = count_requests(conn, Selection())
    slowest_page = max(pages, key=pages.__getitem__)
    slowest_count = max(counts, key=counts.__getitem__)
    figure(f"`inspector requests` at {total:,}: newest 200 rows, slowest of {len(pages)} filters",
           f"{pages[slowest_page]:.0f} ms (`{slowest_page}`)")  # fmt: skip
    figure(f"Counting the matches at {total:,}, slowest of {len(counts)} filters",
           f"{counts[slowest_count]:.0f} ms (`{slowest_count}`)")  # fmt: skip
    print(f"(summary: {stats_ms:.0f} ms; query_layer.py compares it with reading the rows)")


if __name__ == "__main__":
    main()
