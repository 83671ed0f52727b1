"""The desktop app at a million exchanges: launch to first rows, filters, search, memory.

    .venv/bin/python benchmarks/gui_speed.py [--rows 1000000] [--db PATH]

Uses the shared demo database of benchmarks/million.py. Runs the real MainWindow on the
offscreen platform, without a proxy, and prints wall-clock figures measured around the same
signals a user waits for.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from figures import figure
from million import DEFAULT_ROWS, ensure_database

from inspector.store import open_db


def _wait(app: object, condition: object, timeout_s: float = 60.0) -> float:
    """Run the event loop until condition() holds; returns the seconds it took.

    An idle event loop, as in the app, not a processEvents() spin: a spinning GUI thread holds
    the GIL, which the query threads give up and take back for every row SQLite returns, and
    slowed the consumers query from 2.6 s to 10-28 s.
    """
    from PySide6.QtCore import QEventLoop, QTimer

    started = time.perf_counter()
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(
        lambda: (
            loop.quit()
            if condition() or time.perf_counter() - started > timeout_s  # type: ignore[operator]
            else None
        )
    )
    timer.start(5)
    if not condition():  # type: ignore[operator]
        loop.exec()
    timer.stop()
    if not condition():  # type: ignore[operator]
        raise TimeoutError("condition not reached")
    return time.perf_counter() - started


def measure(path: Path) -> None:
    started = time.perf_counter()
    from PySide6.QtCore import QSettings

    from inspector.gui.app import make_application
    from inspector.gui.main_window import MainWindow

    app = make_application()
    settings = QSettings(str(path.with_suffix(".ini")), QSettings.Format.IniFormat)
    window = MainWindow(path, settings, None, show_connect_on_first_run=False)
    window.show()
    model = window.request_model
    _wait(app, lambda: model.rowCount() > 0)
    launch_ms = (time.perf_counter() - started) * 1000
    print(f"launch to first rows shown: {launch_ms:.0f} ms (Qt import, window, first page)")
    _wait(app, lambda: model.shown_count is not None)
    _wait(app, lambda: window.consumer_model.rowCount() > 1)
    print(f"consumers list (stats over every row): "
          f"{window.consumer_model.last_query_s * 1000:.0f} ms, off the GUI thread")  # fmt: skip

    def apply(text: str, select_consumer: bool = False) -> float:
        began = time.perf_counter()
        if select_consumer:
            window.consumers_view.select_key(window.consumer_model.row_at(1).key)  # type: ignore[union-attr]
        window.filter_bar.set_text(text)
        reloaded = []
        model.reloaded.connect(lambda: reloaded.append(1))
        _wait(app, lambda: reloaded)
        return (time.perf_counter() - began) * 1000

    filtered_ms = apply("status:5xx path:/users", select_consumer=True)
    print(f"filter consumer + status:5xx + path:/users, rows shown: {filtered_ms:.0f} ms "
          f"({model.rowCount()} rows on the first page)")  # fmt: skip
    window.consumers_view.select_key("all")
    search_ms = apply("lovelace")
    print(f"full-text search 'lovelace', rows shown: {search_ms:.0f} ms ({model.rowCount()} rows)")
    negated_ms = apply("-endpoint:/health duration:>100")
    print(f"filter -endpoint:/health duration:>100: {negated_ms:.0f} ms")
    window.filter_bar.set_text("")
    began = time.perf_counter()
    model.sort(6, __import__("PySide6.QtCore").QtCore.Qt.SortOrder.DescendingOrder)
    _wait(app, lambda: model.sort_order == (6, True) and not window.runner.is_busy("page"))
    print(f"sort by duration (SQL, 1M rows): {(time.perf_counter() - began) * 1000:.0f} ms")
    began = time.perf_counter()
    for _ in range(20):
        model.fetchMore()
        _wait(app, lambda: not window.runner.is_busy("page"))
    print(f"scrolling: 20 more pages of 500 rows: {(time.perf_counter() - began) * 1000:.0f} ms, "
          f"{model.rowCount():,} rows loaded")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    current = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    print(f"resident memory: {current / 2**20:.0f} MB now, {peak:.0f} MB peak")
    conn = open_db(path, readonly=True)
    rows = f"{conn.execute('SELECT count(*) FROM exchanges').fetchone()[0]:,}"
    conn.close()
    figure(f"App on {rows} exchanges: launch to first rows shown", f"{launch_ms:.0f} ms",
           "under 0.8 s", missed=launch_ms > 800)  # fmt: skip
    figure("App: filter consumer + `status:5xx` + `path:/users`", f"{filtered_ms:.0f} ms",
           "under 300 ms", missed=filtered_ms > 300)  # fmt: skip
    figure("App: full-text search of a common word", f"{search_ms:.0f} ms", "under 500 ms",
           missed=search_ms > 500)  # fmt: skip
    figure("App: resident memory", f"{current / 2**20:.0f} MB (peak {peak:.0f} MB)",
           "under 400 MB", missed=peak > 400)  # fmt: skip
    window.shutdown()
    window.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    measure(ensure_database(args.db, args.rows))


if __name__ == "__main__":
    main()
