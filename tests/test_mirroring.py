"""Every module of inspector/ has a test file of the same name at the same place under tests/
(`inspector/store/read.py` -> `tests/store/test_read.py`), so a reader finds a module's tests
without searching. A test of several modules working together (a live capture, the CLI on
real traffic) may live beside them under a name of its own, but no module goes without its file.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _modules() -> dict[str, Path]:
    """Dotted name under inspector (e.g. `store.read`) -> where its test file belongs."""
    found = {}
    for path in (ROOT / "inspector").rglob("*.py"):
        relative = path.relative_to(ROOT / "inspector")
        if path.name in ("__init__.py", "__main__.py") or relative.parts[0] == "resources":
            continue
        name = ".".join(relative.with_suffix("").parts)
        found[name] = ROOT / "tests" / relative.parent / f"test_{path.stem}.py"
    return found


def test_every_module_has_its_test_file() -> None:
    missing = sorted(name for name, test in _modules().items() if not test.exists())
    assert not missing, "write " + ", ".join(
        str(_modules()[name].relative_to(ROOT)) for name in missing)  # fmt: skip


def test_every_test_folder_is_a_package() -> None:
    # Test modules are imported by their dotted path (`tests.store.test_schema`), which is what
    # lets tests/store/test_schema.py and tests/config/test_schema.py both exist and the shared
    # helpers be imported as `tests.capture.capture_support`. A folder without __init__.py would
    # be imported by bare file name again, and its first clash would stop collection.
    folders = {path.parent for path in (ROOT / "tests").rglob("*.py")}
    missing = sorted(str(folder.relative_to(ROOT)) for folder in folders
                     if not (folder / "__init__.py").exists())  # fmt: skip
    assert not missing, "add __init__.py to: " + ", ".join(missing)
