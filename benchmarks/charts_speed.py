"""Chart speed at a million exchanges, and how responsive the GUI stays while charts refresh.

    .venv/bin/python benchmarks/charts_speed.py [--db PATH] [--rows N]

Uses the shared demo database of benchmarks/million.py. Prints, for the whole range, one
consumer and the last hour: the time to compute the chart data (the query layer: rollups for
wide ranges, rows for narrow ones; off the GUI thread in the app) and to draw it. Then, with a
writer appending rows as live capture would, measures how late a 10 ms GUI timer fires while
the charts refresh. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from figures import figure
from million import DEFAULT_ROWS, ensure_database
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication

from inspector.gui.charts import ChartsPanel
from inspector.gui.workers import QueryRunner
from inspector.store import open_db, write_batch
from inspector.store.prune import delete_exchanges
from inspector.store.queries import chart_data
from inspector.store.selection import Selection
from inspector.store.series import ChartData
from inspector.testing import make_exchange

TARGET_S = 0.5  # a chart's data plus its drawing, for any range


def timed(label: str, func: object, repeats: int = 3) -> tuple[object, float]:
    """(the result, the median seconds) of calling func, printed under label."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    print(f"  {label:<44} {1000 * statistics.median(times):8.0f} ms (median of {repeats})")
    return result, statistics.median(times)


def draw_time(app: QApplication, panel: ChartsPanel, data: ChartData) -> float:
    start = time.perf_counter()
    panel._on_loaded(data)
    panel.repaint()
    app.processEvents()
    return time.perf_counter() - start


def responsiveness(app: QApplication, db: Path, seconds: float) -> None:
    """A writer appends 200 rows every 100 ms; charts refresh every 500 ms; a 10 ms timer
    measures how late the GUI thread gets to run."""
    runner = QueryRunner(db)
    panel = ChartsPanel(refresh_ms=500)
    panel.resize(1280, 800)
    panel.show()
    panel.range_box.setCurrentIndex(3)  # everything: the heaviest refresh
    panel.set_runner(runner)
    stop = threading.Event()

    def writer() -> None:
        conn = open_db(db)
        written: list[int] = []
        while not stop.is_set():
            now = time.time()
            batch = [make_exchange(started_at=now, duration_ms=20.0) for _ in range(200)]
            written += write_batch(conn, batch)
            stop.wait(0.1)
        # The database is shared by every benchmark: leave it as it was.
        delete_exchanges(conn, written)
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    lateness: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    expected = [10.0]

    def tick() -> None:
        lateness.append(max(0.0, clock.elapsed() - expected[0]))
        expected[0] = clock.elapsed() + 10.0

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    refreshes = [0]
    panel.loaded.connect(lambda: refreshes.__setitem__(0, refreshes[0] + 1))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    stop.set()
    thread.join()
    runner.wait_idle(30_000)
    lateness.sort()
    p99 = lateness[int(0.99 * (len(lateness) - 1))]
    figure(
        "Window responsiveness while charts refresh during capture",
        f"10 ms timer late by p99 {p99:.0f} ms, max {lateness[-1]:.0f} ms",
    )
    print(
        f"  GUI timer lateness over {seconds:.0f} s with live writes: median "
        f"{statistics.median(lateness):.1f} ms, p99 {p99:.1f} ms, max {lateness[-1]:.1f} ms "
        f"({refreshes[0]} chart refreshes, {len(lateness)} ticks)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    args.db = ensure_database(args.db, args.rows)
    app = QApplication([])
    conn = open_db(args.db, readonly=True)
    total = conn.execute("SELECT count(*) FROM exchanges").fetchone()[0]
    busiest = conn.execute(
        "SELECT consumer_id FROM exchanges WHERE consumer_id IS NOT NULL "
        "GROUP BY consumer_id ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    newest = conn.execute("SELECT max(started_at) FROM exchanges").fetchone()[0]
    print(f"charts over {total:,} exchanges ({args.db})")
    panel = ChartsPanel(refresh_ms=60_000)
    panel.resize(1280, 800)
    panel.show()
    cases: list[tuple[str, Selection]] = [
        ("whole range", Selection()),
        ("one consumer (the busiest)", Selection(consumer=busiest)),
        ("last hour", Selection(start=newest - 3600, end=newest + 1)),
    ]
    shown: list[tuple[str, float, float]] = []
    for label, selection in cases:
        data, seconds = timed(
            f"compute, {label}", lambda selection=selection: chart_data(conn, selection)
        )
        assert isinstance(data, ChartData)
        drawn = statistics.median(draw_time(app, panel, data) for _ in range(3))
        print(f"  {'draw, ' + label:<44} {1000 * drawn:8.0f} ms ({data.total:,} exchanges, "
              f"{data.point_ids.size:,} points)")  # fmt: skip
        shown.append((label, seconds, drawn))
    figure(
        f"Charts at {total:,}: data for " + " / ".join(label for label, _, _ in shown),
        " / ".join(f"{seconds:.1f} s" for _, seconds, _ in shown)
        + f", then {max(drawn for _, _, drawn in shown):.1f} s at most to draw",
        f"under {TARGET_S} s",
        missed=any(seconds + drawn > TARGET_S for _, seconds, drawn in shown),
    )
    conn.close()
    responsiveness(app, args.db, args.seconds)


if __name__ == "__main__":
    main()
