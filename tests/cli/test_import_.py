"""`inspector import`: HAR round trips, the capture rules, all or nothing, no duplicates."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from inspector.cli import main
from inspector.model import Body, Consumer, Exchange
from inspector.store import iter_exchanges, open_db, write_batch
from inspector.testing import make_exchange


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _rows(db_path: Path) -> list[tuple[int, Exchange]]:
    conn = open_db(db_path, readonly=True)
    try:
        return list(iter_exchanges(conn))
    finally:
        conn.close()


def _browser_entry(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "startedDateTime": "2026-11-23T10:15:30.123+01:00",
        "time": 50,
        "request": {
            "method": "GET",
            "url": "http://127.0.0.1:8000/users/42?api_key=secret-query-key",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [
                {"name": "X-API-Key", "value": "key-123"},
                {"name": "Authorization", "value": "Bearer abc.def.ghi"},
            ],
            "queryString": [],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": 200,
            "statusText": "OK",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [],
            "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": 2,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 40, "receive": 10},
    }
    entry.update(changes)
    return entry


def _write_har(path: Path, *entries: dict[str, Any]) -> Path:
    document = {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
                        "entries": list(entries)}}  # fmt: skip
    path.write_text(json.dumps(document))
    return path


def test_export_then_import_into_a_new_database_gives_the_same_exchanges(
    db: sqlite3.Connection, db_path: Path, tmp_path: Path
) -> None:
    write_batch(db, [
        make_exchange(path="/users/1", consumer=Consumer("sha512-x?1234", "Acme", "a@acme.test",
                                                         "Gold")),
        make_exchange(path="/img", response_body=Body(content=b"\x89PNG\x00", size=5,
                                                      wire_size=5, content_type="image/png")),
        make_exchange(status=None, error="Connection reset", response_body=Body()),
    ])  # fmt: skip
    har = tmp_path / "all.har"
    assert run("export", "har", "--db", str(db_path), "-o", str(har)).exit_code == 0
    target = tmp_path / "copy.db"
    result = run("import", str(har), "--db", str(target))
    assert result.exit_code == 0, result.output
    assert "Imported 3 exchanges" in result.output and "(HAR)" in result.output
    originals = [exchange for _, exchange in iter_exchanges(db)]
    copies = [exchange for _, exchange in _rows(target)]
    for copy, original in zip(copies, originals, strict=True):
        assert abs(copy.started_at - original.started_at) < 1e-6
        assert copy.replace(started_at=original.started_at) == original


def test_importing_the_same_file_twice_stores_it_once(tmp_path: Path, db_path: Path) -> None:
    har = _write_har(tmp_path / "a.har", _browser_entry(), _browser_entry())
    assert "Imported 2 exchanges" in run("import", str(har), "--db", str(db_path)).output
    again = run("import", str(har), "--db", str(db_path))
    assert again.exit_code == 0
    assert "Imported 0 exchanges" in again.output and "2 already in the database" in again.output
    assert len(_rows(db_path)) == 2


def test_imported_traffic_goes_through_the_capture_rules(tmp_path: Path, db_path: Path) -> None:
    config = tmp_path / "rules.toml"
    config.write_text(
        'schema_version = 1\n[capture]\nexclude_paths = ["^/internal/"]\n'
        '[[group]]\nid = "header:x-api-key"\n'
        '[[consumer]]\nid = "key-123"\nlabel = "Acme Corp"\n'
    )
    internal = _browser_entry()
    internal["request"] = {**internal["request"], "url": "http://127.0.0.1:8000/internal/x"}
    har = _write_har(tmp_path / "raw.har", _browser_entry(), internal)
    result = run("import", str(har), "--db", str(db_path), "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "1 left out by the capture rules" in result.output
    ((_, exchange),) = _rows(db_path)
    assert exchange.consumer is not None and exchange.consumer.label == "Acme Corp"
    stored = db_path.read_bytes() + Path(f"{db_path}-wal").read_bytes()
    for secret in (b"key-123", b"abc.def.ghi", b"secret-query-key"):
        assert secret not in stored


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"log": {"version": "1.2", "entries": [', r"is not valid JSON: .* line 1, column 40"),
        (b'{"log": {"entries": [{"startedDateTime": 5}]}}',
         r"log\.entries\[0\]\.startedDateTime: expected a string"),
        (b"PK\x03\x04zipfile", r"neither a HAR file \(JSON\) nor a mitmproxy flow dump"),
        (b"", r"is empty"),
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_and_nothing_is_touched(
    tmp_path: Path, db_path: Path, content: bytes, message: str
) -> None:
    bad = tmp_path / "bad.har"
    bad.write_bytes(content)
    result = run("import", str(bad), "--db", str(db_path))
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.output
    assert re.search(message, result.stderr), result.stderr
    assert not db_path.exists()


def test_one_bad_entry_among_good_ones_imports_none(tmp_path: Path, db_path: Path) -> None:
    open_db(db_path).close()
    broken = _browser_entry()
    broken["request"] = {**broken["request"], "url": None}
    har = _write_har(tmp_path / "mixed.har", _browser_entry(), _browser_entry(), broken)
    result = run("import", str(har), "--db", str(db_path))
    assert result.exit_code == 2
    assert "log.entries[2].request.url: expected a string, got null" in result.stderr
    assert _rows(db_path) == []


def test_the_format_is_recognised_by_content_not_name(tmp_path: Path, db_path: Path) -> None:
    har = _write_har(tmp_path / "capture.dump", _browser_entry())
    result = run("import", str(har), "--db", str(db_path))
    assert result.exit_code == 0 and "(HAR)" in result.output


def test_bodies_are_capped_like_live_capture(tmp_path: Path, db_path: Path) -> None:
    config = tmp_path / "small.toml"
    config.write_text("schema_version = 1\n[capture]\nmax_body_bytes = 1024\n")
    entry = _browser_entry()
    big = '{"data": "' + "x" * 5000 + '"}'
    entry["response"]["content"] = {"size": len(big), "mimeType": "application/json", "text": big}
    har = _write_har(tmp_path / "big.har", entry)
    assert run("import", str(har), "--db", str(db_path), "--config", str(config)).exit_code == 0
    ((_, exchange),) = _rows(db_path)
    body = exchange.response_body
    assert len(body.content) == 1024 and body.truncated and body.size == len(big)


def test_an_import_is_counted_in_the_rollups_like_captured_traffic(tmp_path: Path) -> None:
    """A HAR exported from one capture and imported into another gives the same statistics,
    from rollups that equal a rebuild from the imported rows."""
    from inspector.store import rollups
    from tests.store.rollup_support import canonical, rebuilt, traffic

    source, target = tmp_path / "source.db", tmp_path / "target.db"
    conn = open_db(source)
    write_batch(conn, traffic(400, seed=11))
    conn.close()
    har = tmp_path / "capture.har"
    assert run("export", "har", "--db", str(source), "-o", str(har)).exit_code == 0
    imported = run("import", str(har), "--db", str(target))
    assert imported.exit_code == 0, imported.output
    conn = open_db(target)
    assert rollups.is_current(conn, thorough=True)
    assert canonical(conn) == rebuilt(conn)
    conn.close()
    stats = [json.loads(run("stats", "--json", "--db", str(db)).output) for db in (source, target)]
    for figures in stats:  # consumer row ids may differ between the two databases
        for consumer in figures["consumers"]:
            consumer.pop("row_id")
    assert stats[0] == stats[1]
