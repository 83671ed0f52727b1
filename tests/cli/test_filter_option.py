"""`--filter` is one option on every command that takes one: a bad filter is refused before
anything is opened, with the filter shown and a caret under the fault."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from inspector.cli import main
from inspector.cli.filter_option import _checked, caret_lines
from inspector.store import open_db, write_batch
from inspector.testing import make_exchange


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def capture(db_path: Path) -> Path:
    conn = open_db(db_path)
    write_batch(conn, [make_exchange(), make_exchange(path="/orders", status=500)])
    conn.close()
    return db_path


def _filter_options() -> Iterator[tuple[list[str], click.Option]]:
    """(command path, option) for every option of the CLI that takes a filter expression."""

    def walk(command: click.Command, path: list[str]) -> Iterator[tuple[list[str], click.Option]]:
        if isinstance(command, click.Group):
            context = click.Context(command)
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                assert sub is not None
                yield from walk(sub, [*path, name])
            return
        for param in command.params:
            if isinstance(param, click.Option) and any(o.endswith("filter") for o in param.opts):
                yield path, param

    yield from walk(main, [])


_FILTERED = sorted((" ".join(path), option.opts[0]) for path, option in _filter_options())


def _database_arguments(command: str, capture: Path) -> list[str]:
    """What names the capture for `command`: `--db FILE`, or its FILE arguments (compare)."""
    context = click.Context(main)
    found: click.Command | None = main
    for name in command.split():
        assert isinstance(found, click.Group)
        found = found.get_command(context, name)
    assert found is not None
    names = {param.name for param in found.params}
    arguments = [str(capture) for param in found.params
                 if isinstance(param, click.Argument) and param.required]  # fmt: skip
    return ["--db", str(capture)] if "db_path" in names else arguments


def test_the_filter_options_are_the_ones_expected() -> None:
    # Guards the walk below: were it to find nothing, every other test here would pass.
    commands = {command for command, _ in _FILTERED}
    assert {"requests", "stats", "openapi", "drift", "compare", "export har", "export ndjson",
            "export readme", "export elasticsearch"} <= commands  # fmt: skip
    assert ("compare", "--base-filter") in _FILTERED and ("compare", "--head-filter") in _FILTERED


@pytest.mark.parametrize(("command", "option"), _FILTERED)
def test_every_filter_option_is_checked_as_it_is_read(command: str, option: str) -> None:
    (found,) = [o for path, o in _filter_options() if " ".join(path) == command
                and o.opts[0] == option]  # fmt: skip
    assert found.callback is _checked, f"{command} {option} is not made with filter_option"


@pytest.mark.parametrize(("command", "option"), _FILTERED)
def test_a_bad_filter_is_shown_with_a_caret_by_every_command(
    command: str, option: str, capture: Path
) -> None:
    # The filter comes first on the line, so it is read before any missing required option.
    result = run(*command.split(), option, "status:nope", *_database_arguments(command, capture))
    assert result.exit_code == 2, result.output
    message, shown, carets = result.stderr.splitlines()[:3]
    assert message.startswith("Error: Bad status 'nope' at position 7")
    assert shown == "  status:nope"
    assert carets == "  " + " " * 7 + "^" * 4


def test_a_bad_filter_exits_2_and_points_at_the_term(capture: Path) -> None:
    for command in ("requests", "stats"):
        result = run(command, "--db", str(capture), "--filter", "method:GET stauts:404")
        assert result.exit_code == 2
        assert result.stdout == ""
        message, shown, carets = result.stderr.splitlines()
        assert message == (
            "Error: Unknown filter key 'stauts' at position 11 (did you mean 'status'?)"
        )
        assert shown == "  method:GET stauts:404"
        assert carets == "  " + " " * 11 + "^" * 6


def test_a_long_bad_filter_is_clipped_around_the_fault() -> None:
    text = "path:/x " * 40 + "status:nope"
    result = run("requests", "--db", "/nonexistent/never.db", "-f", text)
    assert result.exit_code == 2
    _, shown, carets = result.stderr.splitlines()
    assert len(shown) < 110
    assert shown[carets.index("^") :].startswith("nope")


def test_carets_line_up_under_tabs_newlines_and_control_characters() -> None:
    shown, carets = caret_lines("a\tb\nc\x00d", 6, 1).splitlines()
    assert shown == "  a b c?d"
    assert carets.index("^") == shown.index("d")
