"""Proxy modes that would silently mean something else are refused with the fix; the listening
line capture prints is read back by the same module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from inspector.proxy_modes import listening_line, mode_problem, parse_listening


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


@pytest.mark.parametrize(
    ("address", "host", "port"),
    [("127.0.0.1:8080", "127.0.0.1", 8080), ("[::1]:49152", "::1", 49152),
     ("localhost:0", "localhost", 0)],
)  # fmt: skip
def test_the_listening_line_reads_back_what_capture_wrote(
    address: str, host: str, port: int
) -> None:
    line = listening_line(address, "HTTP(S) proxy, reverse proxy", Path("/tmp/capture.db"))
    assert parse_listening(line) == (address, host, port)
    assert parse_listening(line + "\n") == (address, host, port)


@pytest.mark.parametrize(
    "line", ["", "Listening on", "listening on 127.0.0.1:8080 (x)", "Error: Listening on :80"]
)
def test_other_lines_are_not_taken_for_it(line: str) -> None:
    assert parse_listening(line) is None
