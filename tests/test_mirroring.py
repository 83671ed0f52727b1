"""Every module of inspector/ has a test file of the same name at the same place under tests/
(`inspector/store/read.py` -> `tests/store/test_read.py`), so a reader finds a module's tests
without searching.

Modules written before this rule are listed in UNMIRRORED: their tests live under other names
(`tests/capture/test_capture_traffic.py` covers several capture modules). The list may only
shrink: a new module without its test file fails here, and so does a listed module that has
gained one (take it off the list).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

UNMIRRORED = frozenset({
    "agent.answers", "agent.http", "agent.server", "capture.bodies", "capture.clients",
    "capture.runner", "cli.app", "cli.capture", "cli.compare", "cli.config", "cli.db_errors",
    "cli.export", "cli.export_services", "cli.gui", "cli.import_", "cli.mcp", "cli.run",
    "compare.fail_on", "compare.marks", "compare.render", "compare.sides", "config.defaults",
    "config.errors", "config.request_view", "config.schema", "config.secret_shapes",
    "demo.clients", "errors", "exporters.files", "exporters.otlp_exporter",
    "intercept.capture_child", "intercept.probe", "intercept.session", "paths", "resource_files",
    "testing.certificates", "testing.factories",
    "testing.secret_corpus",
})  # fmt: skip


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


def test_every_new_module_has_its_test_file() -> None:
    missing = sorted(name for name, test in _modules().items()
                     if not test.exists() and name not in UNMIRRORED)  # fmt: skip
    assert not missing, "write " + ", ".join(
        str(_modules()[name].relative_to(ROOT)) for name in missing)  # fmt: skip


def test_the_list_of_exceptions_only_shrinks() -> None:
    modules = _modules()
    mirrored_now = sorted(name for name in UNMIRRORED if modules.get(name, Path()).exists())
    assert not mirrored_now, f"take these off UNMIRRORED, they have tests now: {mirrored_now}"
    gone = sorted(UNMIRRORED - modules.keys())
    assert not gone, f"take these off UNMIRRORED, the modules are gone: {gone}"


def test_every_test_folder_is_a_package() -> None:
    # Test modules are imported by their dotted path (`tests.store.test_schema`), which is what
    # lets tests/store/test_schema.py and tests/config/test_schema.py both exist and the shared
    # helpers be imported as `tests.capture.capture_support`. A folder without __init__.py would
    # be imported by bare file name again, and its first clash would stop collection.
    folders = {path.parent for path in (ROOT / "tests").rglob("*.py")}
    missing = sorted(str(folder.relative_to(ROOT)) for folder in folders
                     if not (folder / "__init__.py").exists())  # fmt: skip
    assert not missing, "add __init__.py to: " + ", ".join(missing)
