"""The `inspector` command run as a user runs it: `python -m inspector ARGS` in its own process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path


def inspector_argv(*args: str | Path) -> list[str]:
    """The argv of `python -m inspector ARGS`, for a process the test starts itself (Popen)."""
    return [sys.executable, "-m", "inspector", *map(str, args)]


def run_inspector(
    *args: str | Path,
    timeout: float = 60,
    check: bool = False,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: int | None = None,
    preexec_fn: Callable[[], object] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m inspector ARGS` to its end, its output captured as text; `check` raises on a
    non-zero exit."""
    return subprocess.run(
        inspector_argv(*args),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
        cwd=cwd,
        env=env,
        stdin=stdin,
        preexec_fn=preexec_fn,
    )
