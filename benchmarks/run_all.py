"""Run every benchmark in turn and write their figures as one Markdown report with a table.

    make bench      # or: .venv/bin/python benchmarks/run_all.py [--readme] [--rows N] [--only NAME]

Each script prints its own figures (and compares with its baseline, e.g. bare mitmdump or mitmweb,
in the same run) and marks its headline numbers with figures.figure(). This collects those into
one table, followed by every script's full output, with the machine they ran on, in
benchmarks/results/report-<time>.md. With --readme (what `make bench` does) the table also
replaces the one in the README's Performance section.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from figures import parse

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
README = HERE.parent / "README.md"
TABLE_BEGIN, TABLE_END = "<!-- benchmark-table:begin -->", "<!-- benchmark-table:end -->"
# Cheapest first, so a broken set-up shows before the long runs.
SCRIPTS = (
    "config_process.py",
    "ingest_rate.py",
    "capture_throughput.py",
    "bomb_stall.py",
    "query_speed.py",
    "query_layer.py",
    "charts_speed.py",
    "gui_speed.py",
    "export_speed.py",
    "export_files_speed.py",
    "contract_speed.py",
    "retention_soak.py",
    "memory_vs_mitmweb.py",  # about 30 min: mitmweb reads a million flows at ~500/s
)
TAKES_ROWS = {"query_speed.py", "query_layer.py", "charts_speed.py", "gui_speed.py",
              "export_speed.py", "export_files_speed.py"}  # fmt: skip


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{platform.system()} {platform.release()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{memory:.0f} GiB, Python {platform.python_version()}; load average before: {load}"
    )


def table(rows: list[dict[str, object]]) -> list[str]:
    """The figures as a Markdown table; a missed target says so in bold."""
    lines = ["| What | Measured | Target |", "|---|---|---|"]
    for row in rows:
        target = str(row["target"])
        if row["missed"]:
            target = f"{target}: **missed**" if target else "**missed**"
        cells = (str(row["what"]), str(row["measured"]), target)
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return lines


def replace_readme_table(block: list[str]) -> None:
    """Swap the README's table (between its markers) for this run's."""
    text = README.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(TABLE_BEGIN) + ".*?" + re.escape(TABLE_END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{README}: no {TABLE_BEGIN} ... {TABLE_END} block to replace")
    replacement = "\n".join([TABLE_BEGIN, *block, TABLE_END])
    README.write_text(pattern.sub(lambda _: replacement, text), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="database size (default 1M)")
    parser.add_argument("--only", action="append", help="run only these scripts")
    parser.add_argument("--readme", action="store_true", help="also update README's table")
    args = parser.parse_args()
    if args.readme and (args.only or args.rows):
        parser.error("--readme publishes a full run: not with --only or --rows")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    report = RESULTS / f"report-{datetime.now(UTC).strftime('%Y-%m-%dT%H%MZ')}.md"
    where = machine()
    rows: list[dict[str, object]] = []
    sections: list[str] = []
    failed: list[str] = []
    for script in SCRIPTS:
        if args.only and script not in args.only and script.removesuffix(".py") not in args.only:
            continue
        command = [sys.executable, str(HERE / script)]
        if args.rows and script in TAKES_ROWS:
            command += ["--rows", str(args.rows)]
        print(f"== {script}", flush=True)
        began = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=HERE.parent)
        figures, output = parse(done.stdout.strip())
        rows += figures
        print(output, flush=True)
        if done.returncode:
            failed.append(script)
            print(done.stderr.strip()[-2000:], file=sys.stderr)
        status = "ok" if done.returncode == 0 else f"FAILED (exit {done.returncode})"
        sections += [f"### {script} ({status}, {time.perf_counter() - began:.0f} s)", "", "```",
                     output, "```", ""]  # fmt: skip
    block = [f"Run {stamp} by `make bench` on {where}.", "", *table(rows)]
    if failed:
        block += ["", "Failed, so missing from the table: " + ", ".join(failed) + "."]
    report.write_text("\n".join([f"# Benchmarks, {stamp}", "", *block, "", "## Output", "",
                                 *sections]), encoding="utf-8")  # fmt: skip
    print("\n".join(["", *block, "", f"report: {report}"]))
    if args.readme:
        replace_readme_table(block)
        print(f"table written to {README}")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
