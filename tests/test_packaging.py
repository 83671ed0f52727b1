"""The wheel carries resources/ and the installed package finds them outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.commands import run_inspector

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    (built,) = out.glob("api_inspector-*.whl")
    return built


def test_wheel_ships_every_resource_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = sorted(
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "resources").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    assert shipped, "resources/ is empty"
    for relative in shipped:
        assert "inspector/" + relative in names, f"{relative} is missing from the wheel"


def test_installed_wheel_finds_resources_and_runs(wheel: Path, tmp_path: Path) -> None:
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    first = next(
        p.name for p in sorted((ROOT / "resources").iterdir()) if p.is_file() and p.suffix != ".py"
    )
    script = (
        "import inspector, sys\n"
        "from inspector.resource_files import resource\n"
        f"assert inspector.__file__.startswith({str(unpacked)!r}), inspector.__file__\n"
        f"print(len(resource({first!r}).read_bytes()))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(unpacked)}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 0
    version = run_inspector("--version", cwd=tmp_path, env=env)
    assert version.returncode == 0, version.stderr
    assert "inspector, version" in version.stdout
