"""`inspector demo --generate N --db PATH`: N rows, progress and rate, never into real data."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from inspector.cli import main
from inspector.store import open_db


def test_generate_writes_n_rows_and_reports_the_rate(tmp_path: Path) -> None:
    db_path = tmp_path / "demo.db"
    result = CliRunner().invoke(
        main, ["demo", "--generate", "12000", "--db", str(db_path), "--seed", "5"]
    )
    assert result.exit_code == 0, result.output
    assert "12,000 / 12,000 exchanges (100%)" in result.stderr
    assert result.stdout.startswith(f"Wrote 12,000 demo exchanges to {db_path} in ")
    assert result.stdout.rstrip().endswith("/s).")
    conn = open_db(db_path, readonly=True)
    try:
        assert conn.execute("SELECT count(*) FROM exchanges").fetchone()[0] == 12_000
        assert conn.execute("SELECT count(*) FROM consumers").fetchone()[0] >= 7
        classes = {row[0] for row in conn.execute("SELECT DISTINCT status / 100 FROM exchanges")}
        assert classes == {2, 4, 5}
    finally:
        conn.close()


def test_a_database_with_exchanges_is_not_mixed_with_demo_rows(tmp_path: Path) -> None:
    db_path = tmp_path / "real.db"
    assert (
        CliRunner().invoke(main, ["demo", "--generate", "10", "--db", str(db_path)]).exit_code == 0
    )
    refused = CliRunner().invoke(main, ["demo", "--generate", "10", "--db", str(db_path)])
    assert refused.exit_code == 2
    assert "already holds 10 exchanges" in refused.stderr and "--append" in refused.stderr
    appended = CliRunner().invoke(
        main, ["demo", "--generate", "10", "--db", str(db_path), "--append"]
    )
    assert appended.exit_code == 0 and "Wrote 10 demo exchanges" in appended.stdout


def test_bad_arguments_are_usage_errors(tmp_path: Path) -> None:
    zero = CliRunner().invoke(main, ["demo", "--generate", "0", "--db", str(tmp_path / "d.db")])
    assert zero.exit_code == 2 and "--generate" in zero.output
    no_db = CliRunner().invoke(main, ["demo", "--generate", "5"])
    assert no_db.exit_code == 2 and "--db" in no_db.output
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("my notes")
    refused = CliRunner().invoke(main, ["demo", "--generate", "5", "--db", str(not_sqlite)])
    assert refused.exit_code == 2 and "not an SQLite database" in refused.stderr
    assert not_sqlite.read_text() == "my notes"
