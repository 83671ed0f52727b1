"""The one benchmark database: a million demo exchanges, generated once and reused by every script.

Scripts in benchmarks/ run as `python benchmarks/NAME.py`, so `from million import ...` works.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from inspector.store import open_db

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_ROWS = 1_000_000


def default_path(rows: int = DEFAULT_ROWS) -> Path:
    return RESULTS / f"demo-{rows}.db"


def ensure_database(path: Path | None = None, rows: int = DEFAULT_ROWS, seed: int = 7) -> Path:
    """A database holding `rows` demo exchanges (seeded, so every script sees the same data)."""
    path = path or default_path(rows)
    if path.exists():
        conn = open_db(path, readonly=True)
        have = conn.execute("SELECT count(*) FROM exchanges").fetchone()[0]
        conn.close()
        if have >= rows:
            return path
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "inspector", "demo", "--generate", str(rows), "--db", str(path),
         "--seed", str(seed)],
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    elapsed = time.perf_counter() - began
    print(f"generated {rows:,} demo exchanges in {elapsed:.1f} s ({rows / elapsed:,.0f}/s): {path}")
    return path
