"""File export speed and peak memory: HAR and NDJSON export of N exchanges, and HAR import.

    .venv/bin/python benchmarks/export_files_speed.py [--rows N] [--db PATH] [--import-rows N]

The database is generated once with `inspector demo --generate` (its rate is a figure too) and
reused when it already holds N rows. Each export runs as the real command in a fresh process,
whose peak RSS is the memory figure. The import figure re-imports the first --import-rows
exchanges of a HAR export into a new database (import holds the parsed file in memory by
design: all or nothing). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from figures import figure
from processes import run_inspector as _run


def _ensure_db(path: Path, rows: int) -> None:
    from inspector.store import open_db

    if path.exists():
        conn = open_db(path, readonly=True)
        have = conn.execute("SELECT count(*) FROM exchanges").fetchone()[0]
        conn.close()
        if have == rows:
            return
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    elapsed, rss, _ = _run(["demo", "--generate", str(rows), "--db", str(path), "--seed", "7"])
    print(f"demo --generate {rows:,}: {elapsed:.1f} s, {rows / elapsed:,.0f} exchanges/s, "
          f"peak RSS {rss:.0f} MB")  # fmt: skip
    figure(f"`inspector demo --generate {rows:,}`", f"{rows / elapsed:,.0f} exchanges/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "bench-files.db")
    parser.add_argument("--import-rows", type=int, default=100_000)
    args = parser.parse_args()
    _ensure_db(args.db, args.rows)
    with tempfile.TemporaryDirectory() as scratch:
        for kind in ("har", "ndjson"):
            out = Path(scratch) / f"export.{kind}"
            elapsed, rss, _ = _run(["export", kind, "--db", str(args.db), "-o", str(out)])
            size_mb = out.stat().st_size / 2**20
            print(f"export {kind} of {args.rows:,}: {elapsed:.1f} s, "
                  f"{args.rows / elapsed:,.0f} exchanges/s, peak RSS {rss:.0f} MB, "
                  f"file {size_mb:,.0f} MB")  # fmt: skip
            figure(f"Export {kind.upper()} file of {args.rows:,} exchanges",
                   f"{args.rows / elapsed:,.0f} exchanges/s, peak {rss:.0f} MB")  # fmt: skip
            if kind == "har":
                sample = out.with_name("sample.har")
                _trim_har(out, sample, min(args.import_rows, args.rows))
            out.unlink()
        count = min(args.import_rows, args.rows)
        target = Path(scratch) / "imported.db"
        elapsed, rss, _ = _run(["import", str(sample), "--db", str(target)])
        print(f"import of a {count:,}-entry HAR: {elapsed:.1f} s, "
              f"{count / elapsed:,.0f} exchanges/s, peak RSS {rss:.0f} MB")  # fmt: skip
    figure(f"Import of a {count:,}-entry HAR", f"{count / elapsed:,.0f} exchanges/s")


def _trim_har(path: Path, trimmed: Path, entries: int) -> None:
    """The first `entries` (at most as many as it has) entries of a HAR file our writer produced
    (one entry per line) into `trimmed`."""
    with path.open(encoding="utf-8") as source, trimmed.open("w", encoding="utf-8") as target:
        target.write(source.readline())  # the opening of log, up to "entries": [
        for index, line in enumerate(source):
            if index == entries or line.startswith("]"):
                break
            target.write(line.rstrip().rstrip(",") + (",\n" if index < entries - 1 else "\n"))
        target.write("]}}\n")


if __name__ == "__main__":
    main()
