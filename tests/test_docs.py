"""The README documents every command and every option: a new flag without docs fails here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from inspector.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _commands(group: click.Group, prefix: str) -> Iterator[tuple[str, click.Command]]:
    # Through click's own lookup: some subcommands (the export services) are made on demand.
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        path = f"{prefix} {name}"
        yield path, command
        if isinstance(command, click.Group):
            yield from _commands(command, path)


COMMANDS = list(_commands(main, "inspector"))


def test_there_are_commands_to_check() -> None:
    paths = {path for path, _ in COMMANDS}
    # Lazily made subcommands included: each export destination is checked like the rest.
    assert {"inspector requests", "inspector export readme", "inspector export elasticsearch",
            "inspector export har", "inspector openapi", "inspector drift"} <= paths  # fmt: skip


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_command_is_documented(path: str, command: click.Command) -> None:
    assert path in README, f"README does not mention `{path}`"


OPTIONS = [
    (path, flag)
    for path, command in COMMANDS
    for param in command.params
    if isinstance(param, click.Option) and not param.hidden
    for flag in param.opts
    if flag.startswith("--")
]


@pytest.mark.parametrize(("path", "flag"), OPTIONS, ids=[f"{p} {f}" for p, f in OPTIONS])
def test_option_is_documented(path: str, flag: str) -> None:
    assert flag in README, f"README does not document {flag} of `{path}`"


def test_environment_variables_are_documented() -> None:
    for variable in ("INSPECTOR_DB", "INSPECTOR_CONFIG"):
        assert variable in README


def test_the_performance_section_shows_a_benchmark_table_from_make_bench() -> None:
    # `make bench` (benchmarks/run_all.py --readme) writes this block; an empty or hand-broken
    # one means the published figures are not a run's.
    begin, end = "<!-- benchmark-table:begin -->", "<!-- benchmark-table:end -->"
    assert README.count(begin) == 1 and README.count(end) == 1
    block = README.split(begin)[1].split(end)[0].strip().splitlines()
    assert block[0].startswith("Run ") and "by `make bench` on" in block[0] and "CPUs" in block[0]
    assert block[2] == "| What | Measured | Target |"
    rows = [line for line in block[4:] if line.startswith("| ")]
    assert len(rows) >= 15, "fewer figures than the benchmarks publish"
    for needle in ("mitmdump", "mitmweb", "Retention", "full-text", "Charts"):
        assert any(needle in row for row in rows), f"no figure about {needle}"


ROOT = Path(__file__).resolve().parent.parent
# Recipes the other targets call, or housekeeping a newcomer never needs to type.
_INTERNAL_TARGETS = {"test-other-pythons", "system-deps", "clean"}


def _make_targets() -> list[str]:
    phony = next(
        line for line in (ROOT / "Makefile").read_text().splitlines() if line.startswith(".PHONY:")
    )
    return [t for t in phony.split()[1:] if t not in _INTERNAL_TARGETS]


@pytest.mark.parametrize("target", _make_targets())
def test_make_target_is_documented(target: str) -> None:
    assert f"make {target}" in README, f"`make {target}` is not in the README"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert "make test" in ci and "make test" in README
