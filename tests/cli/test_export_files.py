"""`inspector export har|ndjson`: files and stdout, filters, errors a user would make."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from inspector.cli import main
from inspector.model import Body
from inspector.store import write_batch
from inspector.testing import make_exchange


def _fill(db: sqlite3.Connection) -> None:
    write_batch(
        db,
        [
            make_exchange(path="/users/1", status=200),
            make_exchange(path="/users/2", status=503, reason="Service Unavailable"),
            make_exchange(path="/orders/3", status=500, reason="Internal Server Error"),
            make_exchange(
                path="/img",
                response_body=Body(
                    content=b"\x00\xff", size=2, wire_size=2, content_type="image/png"
                ),
            ),
        ],
    )


def test_har_export_to_a_file_with_a_filter(
    db: sqlite3.Connection, db_path: Path, tmp_path: Path
) -> None:
    _fill(db)
    out = tmp_path / "errors.har"
    result = CliRunner().invoke(
        main, ["export", "har", "--db", str(db_path), "--filter", "status:5xx", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 2 exchanges" in result.output
    entries = json.loads(out.read_text())["log"]["entries"]
    assert sorted(e["response"]["status"] for e in entries) == [500, 503]
    # Exports hold captured traffic: readable by their owner only, like the database.
    assert out.stat().st_mode & 0o077 == 0


def test_ndjson_to_standard_output_is_one_object_per_line(
    db: sqlite3.Connection, db_path: Path
) -> None:
    _fill(db)
    result = CliRunner().invoke(main, ["export", "ndjson", "--db", str(db_path), "-o", "-"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["path"] for line in lines] == ["/users/1", "/users/2", "/orders/3", "/img"]
    assert "Wrote 4 exchanges to standard output as NDJSON" in result.stderr


def test_a_bad_filter_is_refused_with_its_position_and_writes_nothing(
    db: sqlite3.Connection, db_path: Path, tmp_path: Path
) -> None:
    _fill(db)
    out = tmp_path / "x.har"
    result = CliRunner().invoke(
        main, ["export", "har", "--db", str(db_path), "--filter", "status:9zz", "-o", str(out)]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and "status" in result.stderr
    assert not out.exists()


def test_a_missing_database_or_directory_is_a_plain_error(
    db: sqlite3.Connection, db_path: Path, tmp_path: Path
) -> None:
    missing = CliRunner().invoke(
        main, ["export", "har", "--db", str(tmp_path / "nope.db"), "-o", "-"]
    )
    assert missing.exit_code == 2 and "nope.db does not exist" in missing.stderr
    nowhere = CliRunner().invoke(
        main, ["export", "ndjson", "--db", str(db_path), "-o", str(tmp_path / "no/such/x.ndjson")]
    )
    assert nowhere.exit_code == 1 and nowhere.stderr.startswith("Error: Cannot write")
    assert "Traceback" not in nowhere.output


def test_a_failed_export_keeps_the_previous_file(
    db: sqlite3.Connection, db_path: Path, tmp_path: Path
) -> None:
    _fill(db)
    out = tmp_path / "keep.har"
    out.write_text("previous export")
    db.execute("UPDATE exchange_payloads SET request_headers = 'not json'")
    db.commit()
    result = CliRunner().invoke(main, ["export", "har", "--db", str(db_path), "-o", str(out)])
    assert result.exit_code != 0
    assert out.read_text() == "previous export"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".keep")] == []


def test_the_console_script_pipes_ndjson(db: sqlite3.Connection, db_path: Path) -> None:
    _fill(db)
    # A real process and a real pipe that closes early (`| head -1`) must not print a traceback.
    proc = subprocess.run(
        f"{sys.executable} -m inspector export ndjson --db {db_path} -o - | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["path"] == "/users/1"
    assert "Traceback" not in proc.stderr
