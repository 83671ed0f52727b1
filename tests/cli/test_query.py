"""`inspector requests` and `inspector stats` on real database files, through click."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from inspector.cli import main
from inspector.model import Body, Consumer
from inspector.store import open_db, write_batch
from inspector.testing import make_exchange
from tests.commands import inspector_argv, run_inspector

T0 = 1_795_000_000.0
ACME = Consumer(id="key-acme", label="Acme Corp", email="ops@acme.test", group="Enterprise")


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def capture(db_path: Path) -> Path:
    conn = open_db(db_path)
    write_batch(conn, [
        make_exchange(started_at=T0, consumer=ACME, duration_ms=12.5),
        make_exchange(started_at=T0 + 1, method="POST", path="/orders", status=201,
                      duration_ms=1500.0, scheme="https", host="api.local", port=443),
        make_exchange(started_at=T0 + 2, path="/users/7", status=None, reason="",
                      duration_ms=None, error="Connection refused", response_body=Body()),
        make_exchange(started_at=T0 + 3, consumer=ACME, status=404, duration_ms=30.0),
    ])  # fmt: skip
    conn.close()
    return db_path


def test_requests_json_has_the_documented_shape(capture: Path) -> None:
    result = run("requests", "--db", str(capture), "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [row["status"] for row in rows] == [404, None, 201, 200]  # newest first
    for row in rows:
        assert {"id", "started_at", "method", "scheme", "host", "port", "path", "query", "url",
                "status", "duration_ms", "request_bytes", "response_bytes", "consumer",
                "endpoint", "user_agent", "error"} <= set(row)  # fmt: skip
        assert row["started_at"].endswith("Z")
    assert rows[0]["consumer"]["label"] == "Acme Corp"
    assert rows[1]["error"] == "Connection refused"
    assert rows[2]["url"] == "https://api.local/orders"
    assert rows[3]["endpoint"] == "/users/{id}"


def test_requests_filter_and_limit(capture: Path) -> None:
    result = run("requests", "--db", str(capture), "--json", "--filter", "consumer:acme")
    assert [row["status"] for row in json.loads(result.output)] == [404, 200]
    result = run("requests", "--db", str(capture), "--json", "-n", "1")
    assert len(json.loads(result.output)) == 1
    result = run("requests", "--db", str(capture), "--json", "-f", "nothing-matches-this")
    assert json.loads(result.output) == []


def test_limit_zero_streams_everything(db_path: Path) -> None:
    conn = open_db(db_path)
    write_batch(conn, [make_exchange(started_at=T0 + i) for i in range(1234)])
    conn.close()
    assert len(json.loads(run("requests", "--db", str(db_path), "--json").output)) == 100
    everything = run("requests", "--db", str(db_path), "--json", "--limit", "0").output
    assert len(json.loads(everything)) == 1234
    table = run("requests", "--db", str(db_path), "--limit", "0").output.splitlines()
    assert len(table) == 1 + 1234  # header and rows, no "showing" footer
    limited = run("requests", "--db", str(db_path), "--limit", "5").output.splitlines()
    assert limited[-1] == "Showing the 5 newest of 1,234 requests; --limit 0 shows them all."


def test_requests_table_is_aligned_and_readable(capture: Path) -> None:
    result = run("requests", "--db", str(capture))
    assert result.exit_code == 0
    header, *lines = result.output.splitlines()
    assert header.split() == ["TIME", "METHOD", "STATUS", "DURATION", "SIZE", "CONSUMER", "URL"]
    url_column = header.index("URL")
    assert [line[url_column:] for line in lines] == [
        "http://localhost:8000/users/42",
        "http://localhost:8000/users/7",
        "https://api.local/orders",
        "http://localhost:8000/users/42",
    ]
    assert "failed" in lines[1]
    assert "Acme Corp" in lines[0]
    assert "1.50 s" in lines[2]
    assert "12.5 ms" in lines[3]


def test_fingerprinted_consumers_show_their_last_characters(db_path: Path) -> None:
    conn = open_db(db_path)
    fingerprint = "sha512-" + "A" * 86 + "==?9f3c"
    write_batch(conn, [make_exchange(consumer=Consumer(id=fingerprint))])
    conn.close()
    (line,) = run("requests", "--db", str(db_path)).output.splitlines()[1:]
    assert "sha512-…?9f3c" in line


def test_empty_results_say_so(capture: Path, tmp_path: Path) -> None:
    result = run("requests", "--db", str(capture), "-f", "status:418")
    assert result.exit_code == 0
    assert result.output == f"No requests match the filter in {capture}.\n"
    empty = tmp_path / "empty.db"
    open_db(empty).close()
    assert "No requests have been captured yet" in run("requests", "--db", str(empty)).output
    assert "No requests have been captured yet" in run("stats", "--db", str(empty)).output
    assert json.loads(run("stats", "--db", str(empty), "--json").output)["requests"] == 0


def test_stats_json_has_the_documented_shape(capture: Path) -> None:
    result = run("stats", "--db", str(capture), "--json")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["requests"] == 4
    assert stats["errors"] == 2
    assert stats["status_codes"] == {"200": 1, "201": 1, "404": 1, "failed": 1}
    assert stats["methods"] == {"GET": 3, "POST": 1}
    assert stats["schemes"] == {"http": 3, "https": 1}
    assert stats["hosts"] == {"localhost:8000": 3, "api.local": 1}
    assert stats["user_agents"] == {"pytest/1.0": 4}
    assert set(stats["latency_ms"]) == {"p50", "p95", "p99", "max"}
    assert stats["latency_ms"]["max"] == 1500.0
    (acme,) = stats["consumers"]
    assert {"id", "label", "email", "group", "requests", "errors", "p50_ms", "p95_ms",
            "last_seen"} <= set(acme)  # fmt: skip
    assert (acme["label"], acme["requests"], acme["errors"]) == ("Acme Corp", 2, 1)
    for endpoint in stats["endpoints"]:
        assert {"method", "endpoint", "requests", "errors", "p50_ms", "p95_ms", "p99_ms",
                "avg_request_bytes", "avg_response_bytes"} <= set(endpoint)  # fmt: skip
    assert stats["endpoints"][0]["endpoint"] == "/users/{id}"
    filtered = json.loads(run("stats", "--db", str(capture), "--json", "-f", "-has:error").output)
    assert filtered["requests"] == 3


def test_stats_text_has_readable_sections(capture: Path) -> None:
    result = run("stats", "--db", str(capture))
    assert result.exit_code == 0
    text = result.output
    assert text.startswith("Requests   4   errors 2 (50.0%)   failed 1")
    for section in ("Latency", "Status codes", "Methods", "Hosts", "User agents",
                    "Consumers (1)", "Endpoints (2)"):  # fmt: skip
        assert section in text
    assert "Acme Corp" in text
    assert "/users/{id}" in text


def test_a_missing_database_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "capture.db"
    for command in ("requests", "stats"):
        result = run(command, "--db", str(missing))
        assert result.exit_code == 2
        assert result.stderr.startswith(f"Error: {missing} does not exist.")
        assert "Traceback" not in result.output
    assert not missing.exists()
    assert not missing.parent.exists()


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n")
    result = run("stats", "--db", str(notes))
    assert result.exit_code == 2
    assert "not an SQLite database" in result.stderr
    assert notes.read_text() == "not a database\n"


def test_reads_beside_a_writer_without_changing_the_file(db_path: Path) -> None:
    writer = open_db(db_path)
    write_batch(writer, [make_exchange(started_at=T0)])
    writer.execute("BEGIN IMMEDIATE")  # a capture in the middle of a batch
    writer.execute("UPDATE exchanges SET status = 599")
    before = hashlib.sha256(db_path.read_bytes()).hexdigest()
    result = run("requests", "--db", str(db_path), "--json")
    assert result.exit_code == 0
    assert [row["status"] for row in json.loads(result.output)] == [200]  # committed rows only
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == before
    writer.rollback()
    writer.close()


def test_inspector_db_sets_the_default_database(capture: Path) -> None:
    result = run("stats", "--json", env={"INSPECTOR_DB": str(capture)})
    assert json.loads(result.output)["requests"] == 4


def test_reading_does_not_need_write_access(capture: Path) -> None:
    capture.chmod(0o400)
    try:
        conn = sqlite3.connect(capture)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        result = run("requests", "--db", str(capture), "--json")
        assert result.exit_code == 0, result.output
        assert len(json.loads(result.output)) == 4
    finally:
        capture.chmod(0o600)


def test_the_installed_command_reports_a_bad_filter_without_a_traceback(capture: Path) -> None:
    done = run_inspector("requests", "--db", capture, "-f", "status:oops")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines()[0].startswith("Error: Bad status 'oops' at position 7")
    assert "Traceback" not in done.stderr


def test_a_reader_that_stops_early_ends_the_listing_quietly(db_path: Path) -> None:
    conn = open_db(db_path)
    write_batch(conn, [make_exchange(started_at=T0 + i) for i in range(20_000)])
    conn.close()
    with subprocess.Popen(
        inspector_argv("requests", "--db", db_path, "--limit", "0", "--json"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    ) as process:  # fmt: skip
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline() == b"[\n"
        process.stdout.close()  # like `| head -1`
        assert process.wait(timeout=60) == 0
        assert process.stderr.read() == b""


def test_stats_text_says_when_percentiles_come_from_rollups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inspector.store import rollup_answers
    from tests.store.rollup_support import traffic

    db_path = tmp_path / "big.db"
    conn = open_db(db_path)
    write_batch(conn, traffic(400, seed=8))
    conn.close()
    exact = CliRunner().invoke(main, ["stats", "--db", str(db_path)])
    assert "from rollups" not in exact.output
    monkeypatch.setattr(rollup_answers, "EXACT_LIMIT", 100)  # as if it held over 50,000
    approximate = CliRunner().invoke(main, ["stats", "--db", str(db_path)])
    assert approximate.exit_code == 0
    assert "(percentiles within 1%, from rollups)" in approximate.output
    assert approximate.output.splitlines()[0] == exact.output.splitlines()[0]  # counts exact
