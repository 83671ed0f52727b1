"""The import contracts (pyproject.toml, run by `make lint`): the third-party list follows the
layers, and a forbidden import planted in a copy of the package is caught."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP_LAYER = "gui | capture | agent"


def _contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_the_core_third_party_rule_covers_every_layer_below_the_app() -> None:
    contracts = {contract["name"]: contract for contract in _contracts()}
    layers = next(c for c in contracts.values() if c["type"] == "layers")["layers"]
    below = layers[layers.index(APP_LAYER) + 1 :]
    core = {f"inspector.{name.strip()}" for layer in below for name in layer.split("|")}
    rule = contracts["Core never imports Qt, pyqtgraph or mitmproxy"]
    assert set(rule["source_modules"]) == core


def _lint_copy(
    tmp_path: Path, module: str = "", line: str = ""
) -> subprocess.CompletedProcess[str]:
    """lint-imports over a copy of the package, with `line` added to `module` (if given)."""
    shutil.copytree(ROOT / "inspector", tmp_path / "inspector",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if module:
        target = tmp_path / module
        target.write_text((target.read_text() if target.exists() else "") + line)
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(lint), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def test_the_copy_itself_keeps_every_contract(tmp_path: Path) -> None:
    done = _lint_copy(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("module", "line", "named"),
    [
        # product code leaning on test helpers, the core on the app, the core on Qt, a cycle
        ("inspector/demo/planted.py", "import inspector.testing\n", "inspector.demo.planted"),
        ("inspector/store/planted.py", "import inspector.gui\n", "inspector.store.planted"),
        ("inspector/compare/planted.py", "import PySide6\n", "inspector.compare.planted"),
        (
            "inspector/config/defaults.py",
            "import inspector.config.pipeline\n",
            ".defaults -> .pipeline",
        ),
    ],
)
def test_a_planted_violation_fails_the_contracts(
    tmp_path: Path, module: str, line: str, named: str
) -> None:
    done = _lint_copy(tmp_path, module, line)
    assert done.returncode == 1, done.stdout + done.stderr
    assert named in done.stdout  # the culprit is named
