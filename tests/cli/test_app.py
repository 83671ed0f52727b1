"""The root command group: user errors become one `Error:` line and their exit code, bugs are not
hidden, and every `--db` resolves the same way."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from inspector import __version__
from inspector.cli import main
from inspector.cli.app import InspectorGroup, db_option
from inspector.errors import InspectorError


class _RunTimeFailure(InspectorError):
    exit_code = 1


def _group() -> click.Group:
    """A group of the same class as `inspector`, with commands that fail each way."""

    @click.group(cls=InspectorGroup, default="fine", default_if_no_args=True)
    def group() -> None:
        pass

    @group.command("fine")
    def fine() -> None:
        click.echo("ran")

    @group.command("usage")
    def usage() -> None:
        raise InspectorError("config.toml, line 3: «grouping» is not a table")

    @group.command("runtime")
    def runtime() -> None:
        raise _RunTimeFailure("the upstream went away")

    @group.command("bug")
    def bug() -> None:
        raise ValueError("a bug")

    @group.command("where")
    @db_option
    def where(db_path: Path) -> None:
        click.echo(str(db_path))

    return group


def test_a_user_error_is_one_line_on_stderr_and_exit_2() -> None:
    result = CliRunner().invoke(_group(), ["usage"])
    assert result.exit_code == 2
    assert result.stderr == "Error: config.toml, line 3: «grouping» is not a table\n"
    assert result.stdout == ""


def test_a_run_time_failure_exits_with_its_own_code() -> None:
    result = CliRunner().invoke(_group(), ["runtime"])
    assert result.exit_code == 1 and result.stderr == "Error: the upstream went away\n"


def test_a_bug_is_not_dressed_up_as_a_user_error() -> None:
    result = CliRunner().invoke(_group(), ["bug"])
    assert isinstance(result.exception, ValueError) and "Error:" not in result.stderr


def test_no_command_runs_the_default_one() -> None:
    assert CliRunner().invoke(_group(), []).stdout == "ran\n"


def test_db_comes_from_the_option_then_inspector_db_then_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = _group()
    given = tmp_path / "given.db"
    monkeypatch.setenv("INSPECTOR_DB", str(tmp_path / "from-env.db"))
    assert CliRunner().invoke(group, ["where", "--db", str(given)]).stdout == f"{given}\n"
    assert CliRunner().invoke(group, ["where"]).stdout == f"{tmp_path / 'from-env.db'}\n"
    monkeypatch.setenv("INSPECTOR_DB", "~/captures/today.db")
    assert CliRunner().invoke(group, ["where"]).stdout == f"{Path.home()}/captures/today.db\n"
    monkeypatch.delenv("INSPECTOR_DB")
    default = Path(CliRunner().invoke(group, ["where"]).stdout.strip())
    assert default.name == "capture.db" and default.is_absolute()


def test_a_directory_given_as_db_is_refused_by_name(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["stats", "--db", str(tmp_path)])
    assert result.exit_code == 2
    assert f"Invalid value for '--db': File '{tmp_path}' is a directory." in result.stderr


def test_the_real_group_turns_a_command_s_error_into_one_line(tmp_path: Path) -> None:
    foreign = tmp_path / "notes.db"
    with closing(sqlite3.connect(foreign)) as conn:
        conn.execute("CREATE TABLE notes (text)")
        conn.commit()
    result = CliRunner().invoke(main, ["stats", "--db", str(foreign)])
    assert result.exit_code == 2 and result.stderr.startswith("Error: ")
    assert str(foreign) in result.stderr and len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.output


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.stdout == f"inspector, version {__version__}\n"
