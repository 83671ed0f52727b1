"""tools/pythons.sh: which interpreters `make test` runs the capture tests on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "pythons.sh"
THIS_MINOR = f"{sys.version_info.major}.{sys.version_info.minor}"


def _found(home: Path, path: Path, *minors: str) -> list[str]:
    env = {"HOME": str(home), "PATH": str(path)}  # only the test's own interpreters
    done = subprocess.run(
        ["/bin/sh", str(SCRIPT), *minors], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def _link(directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).symlink_to(sys.executable)
    return directory / name


def test_an_interpreter_under_pyenv_is_found_when_path_has_none(tmp_path: Path) -> None:
    home, empty = tmp_path / "home", tmp_path / "bin"
    empty.mkdir()
    linked = _link(home / ".pyenv" / "versions" / f"{THIS_MINOR}.9" / "bin", f"python{THIS_MINOR}")
    assert _found(home, empty, THIS_MINOR) == [str(linked)]


def test_path_wins_and_a_broken_shim_is_passed_over(tmp_path: Path) -> None:
    home, path = tmp_path / "home", tmp_path / "bin"
    on_path = _link(path, f"python{THIS_MINOR}")
    assert _found(home, path, THIS_MINOR) == [f"python{THIS_MINOR}"]
    # A pyenv shim for a version that is installed but not selected exits non-zero.
    on_path.unlink()
    on_path.write_text("#!/bin/sh\nexit 127\n")
    on_path.chmod(0o755)
    pyenv = _link(home / ".pyenv" / "versions" / f"{THIS_MINOR}.1" / "bin", f"python{THIS_MINOR}")
    assert _found(home, path, THIS_MINOR) == [str(pyenv)]


def test_an_interpreter_of_another_version_under_that_name_is_not_taken(tmp_path: Path) -> None:
    other = "3.99"
    path = tmp_path / "bin"
    _link(path, f"python{other}")  # really this Python, whatever its name says
    assert _found(tmp_path / "home", path, other, THIS_MINOR) == []
    assert os.access(SCRIPT, os.X_OK)
