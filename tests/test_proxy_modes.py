"""Proxy modes that would silently mean something else are refused with the fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from inspector.proxy_modes import mode_problem


@pytest.mark.parametrize("mode", ["regular", "reverse:http://127.0.0.1:8000",
                                  "reverse:https://api.test", "upstream:http://proxy:3128",
                                  "socks5", "transparent"])  # fmt: skip
def test_meaningful_modes_pass(mode: str) -> None:
    assert mode_problem(mode) is None


def test_a_reverse_target_without_scheme_is_refused_with_the_fix() -> None:
    problem = mode_problem("reverse:127.0.0.1:18600")
    assert problem is not None
    assert "https://127.0.0.1:18600" in problem and "reverse:http://127.0.0.1:18600" in problem
    assert mode_problem("reverse:") is not None


def test_capture_refuses_it_before_listening(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "inspector", "capture", "--db", str(tmp_path / "c.db"),
         "--listen", "127.0.0.1:0", "--mode", "reverse:127.0.0.1:18600"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "reverse:http://127.0.0.1:18600" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "c.db").exists()
