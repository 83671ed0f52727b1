"""An inspector command in a fresh process: its wall time and peak RSS are the figures."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSPECTOR = [sys.executable, "-m", "inspector"]


def run_inspector(args: list[str], ok_codes: tuple[int, ...] = (0,)) -> tuple[float, float, str]:
    """Run `inspector ARGS`; (seconds, peak RSS in MB, stderr). Exits on an unexpected status."""
    started = time.perf_counter()
    proc = subprocess.Popen([*INSPECTOR, *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in ok_codes:
        raise SystemExit(f"inspector {' '.join(args)} exited {code}:\n{stderr}")
    return elapsed, usage.ru_maxrss / 1024, stderr
