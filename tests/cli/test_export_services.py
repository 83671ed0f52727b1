"""`inspector export readme|apitally|otlp|elasticsearch` as a user runs them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from inspector.cli import main
from inspector.model import Consumer
from inspector.store import write_batch
from inspector.testing import make_exchange
from tests.exporters.service_support import ScriptedServer, running

KEY = "rdme_cliTESTkey0123456789"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    yield from running(ScriptedServer())


def _seed(db: sqlite3.Connection) -> None:
    write_batch(db, [make_exchange(consumer="a", status=200) for _ in range(3)])
    write_batch(db, [make_exchange(consumer="b", status=503, reason="Unavailable")])


def test_export_then_rerun_sends_only_new(
    runner: CliRunner, db: sqlite3.Connection, db_path: Path, server: ScriptedServer
) -> None:
    _seed(db)
    args = ["export", "readme", "--db", str(db_path), "--base-url", server.url()]
    env = {"README_API_KEY": KEY}
    first = runner.invoke(main, args, env=env)
    assert first.exit_code == 0, first.output
    assert "ReadMe Metrics: sent 4, skipped 0, failed 0." in first.output
    again = runner.invoke(main, args, env=env)
    assert "sent 0, skipped 0, failed 0" in again.output
    write_batch(db, [make_exchange(consumer="a")])
    third = runner.invoke(main, args, env=env)
    assert "sent 1," in third.output
    assert sum(len(r.json()) for r in server.accepted) == 5


def test_filter_and_all_resend_a_selection_without_moving_the_cursor(
    runner: CliRunner, db: sqlite3.Connection, db_path: Path, server: ScriptedServer
) -> None:
    _seed(db)
    base = ["export", "readme", "--db", str(db_path), "--base-url", server.url()]
    env = {"README_API_KEY": KEY}
    result = runner.invoke(main, [*base, "--filter", "status:5xx", "--all"], env=env)
    assert "sent 1," in result.output
    result = runner.invoke(main, base, env=env)  # the regular run still has everything to send
    assert "sent 4," in result.output
    bad = runner.invoke(main, [*base, "--filter", "stauts:5xx"], env=env)
    assert bad.exit_code == 2 and "stauts" in bad.output


def test_a_refused_key_exits_1_naming_the_variable_not_the_key(
    runner: CliRunner, db: sqlite3.Connection, db_path: Path, server: ScriptedServer
) -> None:
    _seed(db)
    server.script = [(401, {}, b'{"message": "invalid api key"}')]
    result = runner.invoke(
        main, ["export", "readme", "--db", str(db_path), "--base-url", server.url(),
               "--api-key", KEY],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "README_API_KEY" in result.output and "invalid api key" in result.output
    assert KEY not in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["readme"], {"README_API_KEY": None}, "set README_API_KEY"),
        (["apitally"], {"APITALLY_TOKEN": "apt_short"}, "Apitally write token is not valid"),
        (["elasticsearch", "--index", "UPPER"], {}, "not a valid index name"),
        (["otlp", "--base-url", "localhost:4318"], {}, "--base-url must be an http"),
        (["readme", "--buffer-length", "0"], {"README_API_KEY": "k"}, "at least 1"),
    ],
)
def test_bad_usage_exits_2_with_a_plain_message(
    runner: CliRunner, db: sqlite3.Connection, db_path: Path, args: list[str],
    env: dict[str, str | None], expected: str,
) -> None:  # fmt: skip
    result = runner.invoke(main, ["export", *args, "--db", str(db_path)], env=env)
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "apt_short" not in result.output


def test_a_missing_database_is_not_created(
    runner: CliRunner, tmp_path: Path, server: ScriptedServer
) -> None:
    missing = tmp_path / "nothing.db"
    result = runner.invoke(
        main, ["export", "otlp", "--db", str(missing), "--base-url", server.url()]
    )
    assert result.exit_code == 2 and "does not exist" in result.output
    assert not missing.exists()


def test_options_come_from_the_configuration_file(
    runner: CliRunner, db: sqlite3.Connection, db_path: Path, server: ScriptedServer,
    tmp_path: Path,
) -> None:  # fmt: skip
    _seed(db)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[export.readme]\napi_key = "env:MY_KEY"\nbase_url = "{server.url()}"\n'
        "buffer_length = 2\ndevelopment = true\n"
    )
    result = runner.invoke(
        main, ["export", "readme", "--db", str(db_path), "--config", str(config)],
        env={"MY_KEY": KEY},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [len(r.json()) for r in server.accepted] == [2, 2]
    assert all(item["development"] is True for r in server.accepted for item in r.json())


def test_a_bad_config_value_names_the_file_and_line(
    runner: CliRunner, db: sqlite3.Connection, db_path: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('schema_version = 1\n\n[export.readme]\napi_key = "k"\nbuffer_length = "9"\n')
    result = runner.invoke(
        main, ["export", "readme", "--db", str(db_path), "--config", str(config)]
    )
    assert result.exit_code == 2
    assert (
        f"{config}, line 5: [export.readme] buffer_length must be a whole number" in result.output
    )


def test_credentials_over_plain_http_to_another_host_are_warned_about(
    runner: CliRunner, db: sqlite3.Connection, db_path: Path
) -> None:
    # The database is empty, so nothing is sent: the test never leaves this machine.
    result = runner.invoke(
        main, ["export", "elasticsearch", "--db", str(db_path), "--base-url",
               "http://es.invalid:9200", "--api-key", "es-secret", "--max-attempts", "1"],
    )  # fmt: skip
    assert "credentials will cross the network unencrypted (http://es.invalid)" in result.output
    assert "es-secret" not in result.output
    assert result.exit_code == 0 and "nothing new" in result.output


@pytest.mark.parametrize(
    ("destination", "extra", "env", "paths"),
    [
        ("apitally", ["--env", "staging"], {"APITALLY_TOKEN": "apt_" + "A1b2" * 6},
         {"/v1/traces", "/v1/logs", "/v1/metrics"}),
        ("otlp", ["--header", "x-team=blue"], {}, {"/v1/traces"}),
    ],
)  # fmt: skip
def test_otlp_services_send_protobuf_from_the_command_line(
    runner: CliRunner, db: sqlite3.Connection, db_path: Path, server: ScriptedServer,
    destination: str, extra: list[str], env: dict[str, str], paths: set[str],
) -> None:  # fmt: skip
    write_batch(db, [make_exchange(consumer=Consumer(id="k", label="K")) for _ in range(3)])
    result = runner.invoke(
        main, ["export", destination, "--db", str(db_path), "--base-url", server.url(), *extra],
        env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "sent 3, skipped 0, failed 0" in result.output
    assert {r.path for r in server.accepted} == paths
    assert all(r.headers["content-type"] == "application/x-protobuf" for r in server.accepted)
