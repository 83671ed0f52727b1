"""Resident memory of the app (`inspector gui` + its proxy child) versus `mitmweb`, same traffic.

    .venv/bin/python benchmarks/memory_vs_mitmweb.py [--sizes 10000,100000,1000000] [--live 5000]

For each size N both sides end up holding the same N exchanges of the demo's traffic (the demo
consumers calling the sample API: JSON bodies, gzip pages, PNGs, 2xx, 4xx and 5xx):

- Template: 2,000 flows recorded once through `mitmdump -w` (cached in benchmarks/results/).
- Preloaded, N - LIVE: the template replicated with fresh flow ids and shifted timestamps into a
  flow dump (cached). mitmweb reads it with `-r`. Our database gets the same flows the way
  `inspector import` stores them (flow -> Exchange converter, the capture rules, write_batch,
  uid = flow id), streamed in batches because `inspector import` holds a whole file in memory.
- Live, LIVE (all N when N <= --all-live): requests sent through each proxy by a client in its
  own process to the sample API in another, with the same seed for both sides.
- Checked: our database counts N exchanges; mitmweb's view holds N flows (an `-s` addon writes
  len(view) to a file). Capture rules: the demo's config with `builtin_excludes = false`, so
  /health is stored like every other request, as mitmweb keeps it.
- Measured: VmRSS and peak VmHWM from /proc/PID/status once the counts match and CPU time has
  stayed flat for 2 s. Ours = the app (offscreen Qt) + its `inspector capture` child, summed.
  A browser showing mitmweb's UI would add its own memory; it is not counted.

Figures only; nothing is asserted. One side at a time, so each has the machine's two cores.
The traffic (template, replicas, preload, API and client processes) is in memory_traffic.py.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import memory_traffic
from figures import figure
from memory_traffic import (
    BIN,
    Sent,
    ensure_dump,
    ensure_template,
    free_port,
    send_live,
    start_api,
    stop,
    wait_for,
    wait_listening,
)

ROOT = Path(__file__).resolve().parent.parent
LOAD_TIMEOUT_S = 20 * 60
MIN_AVAILABLE_MB = 2048  # stop a side before the machine runs out of memory
STATUS_KEYS = ("VmRSS", "VmHWM", "RssAnon", "RssFile")


# --- /proc readings ------------------------------------------------------------------------


def _proc_status(pid: int) -> dict[str, int]:
    """Memory lines of /proc/PID/status, in kB."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in STATUS_KEYS:
            values[key] = int(rest.split()[0])
    return values


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _available_mb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) // 1024
    return 0


def _mb(kb: int) -> str:
    return f"{kb / 1024:,.0f} MB" if kb < 1024 * 1024 else f"{kb / 1024 / 1024:.2f} GB"


def _kill_pid(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _settle(pids: list[int], timeout_s: float = 300) -> float:
    """Wait until the processes' CPU time grows by under 5% over 2 s; returns seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        before = sum(_cpu_seconds(pid) for pid in pids)
        time.sleep(2.0)
        if sum(_cpu_seconds(pid) for pid in pids) - before < 0.1:
            return time.monotonic() - started
    return -1.0  # never settled: measured anyway, and said so


# --- The two sides -------------------------------------------------------------------------


@dataclass
class Side:
    name: str
    held: int = 0  # exchanges (ours) or flows in the view (mitmweb) at the end
    memory_kb: dict[str, dict[str, int]] = field(default_factory=dict)  # process -> status
    preload_s: float = 0.0
    live: Sent | None = None
    settled_s: float = 0.0
    note: str = ""
    gave_up: bool = False  # stopped before holding N (time or memory bound)

    @property
    def rss_kb(self) -> int:
        return sum(status["VmRSS"] for status in self.memory_kb.values())


def _db_count(db_path: Path) -> int:
    from inspector.store import open_db

    conn = open_db(db_path, readonly=True)
    try:
        return int(conn.execute("SELECT count(*) FROM exchanges").fetchone()[0])
    finally:
        conn.close()


def run_ours(n: int, live: int, template: Path, config: Path, workdir: Path) -> Side:
    side = Side("capture + app")
    db_path = workdir / f"ours-{n}.db"
    if n - live:
        began = time.perf_counter()
        role = [sys.executable, memory_traffic.__file__, "--preload", str(template)]
        subprocess.run([*role, str(db_path), str(config), str(n - live)], check=True, timeout=3600)
        side.preload_s = time.perf_counter() - began
    api, api_url = start_api(workdir / "ours-api.log")
    port = free_port()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[name] = str(workdir / "xdg" / name)
    env.pop("INSPECTOR_CONFIG", None)
    with (workdir / "ours-app.log").open("ab") as out:
        app = subprocess.Popen(
            [str(BIN / "inspector"), "gui", "--db", str(db_path), "--listen",
             f"127.0.0.1:{port}", "--config", str(config), "--set",
             f"confdir={workdir / 'conf'}"],
            stdout=out, stderr=out, env=env,
        )  # fmt: skip
    proxy_pids: list[int] = []
    try:
        wait_listening(port, app, timeout_s=120)
        proxy_pids = _children(app.pid)
        if len(proxy_pids) != 1:
            raise RuntimeError(f"expected one proxy child of the app, found {proxy_pids}")
        side.live = send_live(port, api_url, live)
        try:
            wait_for(lambda: _db_count(db_path) >= n, 120, f"{n} exchanges in the database", 0.5)
        except TimeoutError as exc:
            side.note = str(exc)
        side.held = _db_count(db_path)
        side.settled_s = _settle([app.pid, *proxy_pids])
        side.memory_kb = {"app": _proc_status(app.pid), "proxy": _proc_status(proxy_pids[0])}
    finally:
        stop(app)
        for pid in proxy_pids:
            _kill_pid(pid)  # normally gone already: the app stops it on SIGTERM
        stop(api)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    return side


_VIEW_COUNTER = """
import os, threading, time
from mitmproxy import ctx

OUT = {out!r}


def _report() -> None:
    # A thread, not a task: loading a dump may not yield to the event loop for minutes.
    while True:
        try:
            count = len(ctx.master.view)
        except AttributeError:
            count = -1
        with open(OUT + ".tmp", "w") as handle:
            handle.write(str(count))
        os.replace(OUT + ".tmp", OUT)
        time.sleep(0.5)


class ViewCounter:
    def running(self) -> None:
        threading.Thread(target=_report, daemon=True).start()


addons = [ViewCounter()]
"""


def run_mitmweb(n: int, live: int, dump: Path | None, workdir: Path, load_timeout_s: float) -> Side:
    side = Side("mitmweb")
    count_file = workdir / "view-count"
    count_file.unlink(missing_ok=True)
    addon = workdir / "view_counter.py"
    addon.write_text(_VIEW_COUNTER.format(out=str(count_file)))

    def view_count() -> int:
        try:
            return int(count_file.read_text() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    port = free_port()
    command = [str(BIN / "mitmweb"), "--no-web-open-browser", "--web-host", "127.0.0.1",
               "--web-port", str(free_port()), "--listen-host", "127.0.0.1", "--listen-port",
               str(port), "--set", f"confdir={workdir / 'conf'}", "-s", str(addon)]  # fmt: skip
    if dump is not None:
        command += ["-r", str(dump)]
    api, api_url = start_api(workdir / "mitmweb-api.log")
    with (workdir / "mitmweb.log").open("ab") as out:
        web = subprocess.Popen(command, stdout=out, stderr=out)
    began = time.perf_counter()
    try:
        wait_listening(port, web)

        def loaded() -> bool:
            if web.poll() is not None:
                raise RuntimeError(f"mitmweb exited with {web.returncode}")
            if _available_mb() < MIN_AVAILABLE_MB:
                raise MemoryError(f"machine down to {_available_mb()} MB available")
            return view_count() >= n - live

        try:
            wait_for(loaded, load_timeout_s, f"mitmweb to load {n - live} flows", 0.5)
        except (TimeoutError, MemoryError) as exc:
            side.held = view_count()
            side.memory_kb = {"mitmweb": _proc_status(web.pid)}
            side.gave_up = True
            per_flow_kb = side.rss_kb / max(1, side.held)
            took_s = time.perf_counter() - began
            side.note = (
                f"stopped loading: {exc}; reached {side.held:,} flows in {took_s:.0f} s, "
                f"{per_flow_kb:.1f} kB RSS per flow"
            )
            return side
        if dump is not None:
            side.preload_s = time.perf_counter() - began
        side.live = send_live(port, api_url, live)
        try:
            wait_for(lambda: view_count() >= n, 120, f"{n} flows in mitmweb's view", 0.5)
        except TimeoutError as exc:
            side.note = str(exc)
        side.settled_s = _settle([web.pid])
        side.held = view_count()
        side.memory_kb = {"mitmweb": _proc_status(web.pid)}
    finally:
        stop(web, timeout_s=30)
        stop(api)
    return side


# --- Report --------------------------------------------------------------------------------


def _power(n: int) -> str:
    exponent = len(str(n)) - 1
    return f"10^{exponent}" if n == 10**exponent else f"{n:,}"


def _describe(side: Side) -> Iterator[str]:
    parts = ", ".join(
        f"{name} {_mb(status['VmRSS'])} (peak {_mb(status['VmHWM'])}, anon "
        f"{_mb(status['RssAnon'])}, file {_mb(status['RssFile'])})"
        for name, status in side.memory_kb.items()
    )
    yield f"  {side.name:14s} holds {side.held:,}: RSS {_mb(side.rss_kb)} = {parts}"
    if side.gave_up:
        yield f"  {'':14s} {side.note}; no live traffic sent"
        return
    timing = f"preload {side.preload_s:.0f} s" if side.preload_s else "no preload"
    if side.preload_s and side.held:
        timing += (
            f" ({(side.held - (side.live.requests if side.live else 0)) / side.preload_s:,.0f}/s)"
        )
    if side.live is not None:
        rate = side.live.requests / side.live.seconds
        timing += (f", live {side.live.requests:,} requests in {side.live.seconds:.0f} s "
                   f"({rate:.0f}/s, transport errors {side.live.transport_errors})")  # fmt: skip
    settled = f"settled after {side.settled_s:.0f} s" if side.settled_s >= 0 else "NOT settled"
    yield f"  {'':14s} {timing}, {settled}" + (f"; {side.note}" if side.note else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--live", type=int, default=5000, help="requests sent live per side")
    parser.add_argument("--all-live", type=int, default=10_000, help="sizes up to this: all live")
    parser.add_argument("--load-timeout", type=float, default=LOAD_TIMEOUT_S,
                        help="seconds mitmweb may take to read its dump")  # fmt: skip
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    rows: list[tuple[int, int, Side, Side, float]] = []
    with tempfile.TemporaryDirectory(prefix="memory-bench-") as directory:
        workdir = Path(directory)
        config = workdir / "bench-config.toml"
        demo_config = (ROOT / "inspector/resources/demo-config.toml").read_text()
        config.write_text(demo_config + "\n[capture]\nbuiltin_excludes = false\n")
        template = ensure_template(workdir)
        for n in sizes:
            began = time.perf_counter()
            live = n if n <= args.all_live else min(args.live, n)
            dump = ensure_dump(template, n - live) if n - live else None
            ours = run_ours(n, live, template, config, workdir)
            theirs = run_mitmweb(n, live, dump, workdir, args.load_timeout)
            elapsed = time.perf_counter() - began
            rows.append((n, live, ours, theirs, elapsed))
            print(f"{_power(n)} exchanges: {n - live:,} preloaded + {live:,} live, "
                  f"{elapsed:.0f} s, load average {os.getloadavg()[0]:.2f}")  # fmt: skip
            for side in (ours, theirs):
                for line in _describe(side):
                    print(line)
            sys.stdout.flush()

    print()
    print("exchanges   preloaded + live    capture + app   (peak)      mitmweb        (peak)")
    for n, live, ours, theirs, _ in rows:
        ours_peak = sum(status["VmHWM"] for status in ours.memory_kb.values())
        theirs_peak = sum(status["VmHWM"] for status in theirs.memory_kb.values())
        print(f"{_power(n):10s}  {n - live:>9,} + {live:<6,}  {_mb(ours.rss_kb):>12s}  "
              f"({_mb(ours_peak):>9s})  {_mb(theirs.rss_kb):>12s}  ({_mb(theirs_peak):>9s})"
              + ("  mitmweb incomplete" if theirs.held < n else ""))  # fmt: skip
    print("mitmweb's figure excludes the browser tab showing its UI; ours includes the whole UI.")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for n, _, ours, theirs, _ in rows:
        theirs_text = _mb(theirs.rss_kb)
        if theirs.held < n:
            theirs_text = (
                f">= {theirs_text} (stopped at {theirs.held:,} flows, "
                f"after {args.load_timeout:.0f} s of loading)"
            )
        figure(f"Resident memory holding {_power(n)} exchanges: capture + app / mitmweb",
               f"{_mb(ours.rss_kb)} / {theirs_text}", "",
               missed=ours.held < n)  # fmt: skip


if __name__ == "__main__":
    main()
