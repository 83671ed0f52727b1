"""Extreme but legal-looking input: one clear sentence and exit 2, or the right answer.

Each case once ended in a traceback: a limit past SQLite's integers, filters nested thousands
deep or thousands of terms long, a TOML file nested thousands deep, an imported year 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from inspector.cli import main
from inspector.model import Body
from inspector.store import open_db, write_batch
from inspector.testing import make_exchange

pytestmark = pytest.mark.timeout(120)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def assert_one_sentence(result: Result, *, exit_code: int = 2) -> str:
    assert not (result.exception and not isinstance(result.exception, SystemExit)), repr(
        result.exception
    )
    assert result.exit_code == exit_code, result.output
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.output
    return result.stderr


@pytest.fixture
def capture(db_path: Path) -> Path:
    conn = open_db(db_path)
    write_batch(conn, [make_exchange(path=f"/users/{i}", status=200 + i % 3) for i in range(30)])
    conn.close()
    return db_path


def test_a_limit_beyond_any_integer_lists_everything(capture: Path) -> None:
    result = run("requests", "--db", str(capture), "--limit", "99999999999999999999", "--json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 30


def test_parentheses_nested_2000_deep_are_refused_at_their_position(capture: Path) -> None:
    text = "(" * 2000 + "status:200" + ")" * 2000
    stderr = assert_one_sentence(run("requests", "--db", str(capture), "--filter", text))
    assert "nest too deeply at position 100" in stderr


def test_parentheses_nested_100_deep_still_work(capture: Path) -> None:
    text = "(" * 100 + "status:200" + ")" * 100
    result = run("requests", "--db", str(capture), "--filter", text, "--json")
    assert result.exit_code == 0, result.output
    assert {row["status"] for row in json.loads(result.stdout)} == {200}


def test_negated_groups_beyond_what_sqlite_parses_are_one_sentence(capture: Path) -> None:
    text = "-(" * 60 + "status:200 OR users" + ")" * 60
    stderr = assert_one_sentence(run("stats", "--db", str(capture), "--filter", text))
    assert "too complex" in stderr and str(capture) not in stderr.split("(")[0]


@pytest.mark.parametrize("command", ["requests", "stats"])
def test_5000_or_terms_run(capture: Path, command: str) -> None:
    text = " OR ".join(f"path:/users/{i} method:GET" for i in range(5000))
    result = run(command, "--db", str(capture), "--filter", text, "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert (len(found) if command == "requests" else found["requests"]) == 30


@pytest.mark.parametrize(
    "nested",
    ["x = " + "[" * 5000 + "]" * 5000, "x = " + "{a = " * 5000 + "1" + "}" * 5000],
    ids=["arrays", "inline-tables"],
)
def test_a_toml_file_nested_5000_deep_names_file_and_line(tmp_path: Path, nested: str) -> None:
    config = tmp_path / "deep.toml"
    config.write_text(f"schema_version = 1\n{nested}\n")
    stderr = assert_one_sentence(run("config", "check", str(config)))
    assert stderr.strip() == f"Error: {config}, line 2: invalid TOML: arrays or inline tables " + (
        "nested too deeply"
    )


def test_requests_shows_an_imported_exchange_from_year_1(db_path: Path) -> None:
    conn = open_db(db_path)
    write_batch(conn, [
        make_exchange(started_at=-62135596800.0, path="/year-one"),
        make_exchange(started_at=253402300799.0, path="/year-9999", response_body=Body()),
    ])  # fmt: skip
    conn.close()
    for zone in ("UTC", "Europe/Berlin", "America/Los_Angeles"):
        result = CliRunner().invoke(main, ["requests", "--db", str(db_path)], env={"TZ": zone})
        assert result.exit_code == 0, result.output
        assert "/year-one" in result.stdout and "/year-9999" in result.stdout


def test_export_from_an_empty_file_is_one_sentence(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    for kind in ("har", "ndjson"):
        stderr = assert_one_sentence(
            run("export", kind, "--db", str(empty), "-o", str(tmp_path / "out"))
        )
        assert stderr.strip() == f"Error: {empty} is empty: no traffic has been captured into it."
    assert empty.read_bytes() == b"" and sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]
