"""Compare, OpenAPI inference and drift at a million exchanges, against a full scan of the file.

    .venv/bin/python benchmarks/contract_speed.py [--rows 1000000] [--db PATH]

Uses the shared demo database of benchmarks/million.py. Each command runs for real in a fresh
process (its peak RSS is the memory figure). Two baselines run on the same file in the same run:
a bare Python pass over the scalar columns these commands read (the floor for any command that
looks at every exchange once) and `inspector stats` (answered from rollups). Prints figures;
asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from figures import figure
from million import DEFAULT_ROWS, ensure_database
from processes import run_inspector

_SCAN = """
import sqlite3, sys
conn = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
rows = conn.execute("SELECT id, method, endpoint, status, duration_ms, consumer_id FROM exchanges")
print(sum(1 for _ in rows))
"""


def _bare_scan(db: str) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one plain sqlite3 pass over the columns compare reads."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _SCAN, db], stdout=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - started, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    db = str(ensure_database(args.db, args.rows))
    rows = f"{args.rows:,}"
    print(f"{rows} exchanges in {db}")

    base_s, base_mb = _bare_scan(db)
    print(f"{'baseline: bare sqlite3 pass':42} {base_s:6.1f} s  peak RSS {base_mb:5.0f} MB")
    stats_s, stats_mb, _ = run_inspector(["stats", "--db", db])
    name = "baseline: inspector stats (rollups)"
    print(f"{name:42} {stats_s:6.1f} s  peak RSS {stats_mb:5.0f} MB")
    with tempfile.TemporaryDirectory() as folder:
        spec = str(Path(folder) / "spec.yaml")
        cases = [
            ("compare (the file against itself)", ["compare", db, db], (0,)),
            ("compare (two windows: errors vs the rest)",
             ["compare", db, "--base-filter", "status:<400", "--head-filter", "status:>=400"],
             (0,)),
            ("openapi", ["openapi", "--db", db, "-o", spec], (0,)),
            ("drift against the inferred spec", ["drift", "--db", db, "--spec", spec], (0,)),
        ]  # fmt: skip
        for name, command, codes in cases:
            seconds, peak, stderr = run_inspector(command, codes)
            print(f"{name:42} {seconds:6.1f} s  peak RSS {peak:5.0f} MB  "
                  f"({seconds / base_s:.1f}x the bare pass)")  # fmt: skip
            if name == "openapi":
                print("  " + stderr.strip().splitlines()[-1])
            figure(f"`inspector {command[0]}` over {rows} exchanges ({name})",
                   f"{seconds:.1f} s, peak {peak:.0f} MB (bare pass: {base_s:.1f} s, "
                   f"{base_mb:.0f} MB)")  # fmt: skip


if __name__ == "__main__":
    main()
