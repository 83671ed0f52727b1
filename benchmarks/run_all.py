"""Run every benchmark in turn and write their figures to one Markdown report.

    make bench            # or: .venv/bin/python benchmarks/run_all.py [--rows N] [--only NAME]

Each script prints its own figures (and compares with its baseline, e.g. bare mitmdump, in the
same run); this collects them with the machine they ran on into benchmarks/results/.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
# Cheapest first, so a broken set-up shows before the long runs.
SCRIPTS = (
    "config_process.py",
    "ingest_rate.py",
    "capture_throughput.py",
    "query_speed.py",
    "charts_speed.py",
    "gui_speed.py",
    "export_speed.py",
    "export_files_speed.py",
)
TAKES_ROWS = {"query_speed.py", "charts_speed.py", "gui_speed.py", "export_speed.py",
              "export_files_speed.py"}  # fmt: skip


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{platform.node()}: {platform.system()} {platform.release()}, {os.cpu_count()} CPUs, "
        f"{memory:.0f} GiB, Python {platform.python_version()}, load average before: {load}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=None, help="database size (default 1M)")
    parser.add_argument("--only", action="append", help="run only these scripts")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%MZ")
    report = RESULTS / f"report-{stamp}.md"
    lines = [f"# Benchmarks, {stamp}", "", machine(), ""]
    for script in SCRIPTS:
        if args.only and script not in args.only and script.removesuffix(".py") not in args.only:
            continue
        command = [sys.executable, str(HERE / script)]
        if args.rows and script in TAKES_ROWS:
            command += ["--rows", str(args.rows)]
        print(f"== {script}", flush=True)
        began = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=HERE.parent)
        output = done.stdout.strip()
        print(output)
        if done.returncode:
            print(done.stderr.strip()[-2000:], file=sys.stderr)
        status = "ok" if done.returncode == 0 else f"FAILED (exit {done.returncode})"
        lines += [f"## {script} ({status}, {time.perf_counter() - began:.0f} s)", "", "```",
                  output, "```", ""]  # fmt: skip
    report.write_text("\n".join(lines))
    print(f"report: {report}")


if __name__ == "__main__":
    main()
