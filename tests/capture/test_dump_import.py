"""mitmproxy flow dumps, written by mitmproxy's own FlowWriter, read through the converter."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from mitmproxy.io import FlowWriter
from mitmproxy.test import tflow

from inspector.capture.dump_import import DumpImportError, looks_like_flow_dump, read_flow_dump
from inspector.cli import main
from inspector.store import iter_exchanges, open_db

pytestmark = pytest.mark.capture


def _dump(path: Path) -> list[str]:
    ok = tflow.tflow(resp=True)
    ok.request.path = "/users/42?expand=orders"
    ok.request.headers["X-API-Key"] = "key-123"
    failed = tflow.tflow(err=True)
    tcp = tflow.ttcpflow()
    with path.open("wb") as handle:
        writer = FlowWriter(handle)
        for flow in (ok, failed, tcp):
            writer.add(flow)
    return [ok.id, failed.id]


def test_a_dump_reads_into_exchanges_with_the_flow_ids_as_uids(tmp_path: Path) -> None:
    dump = tmp_path / "flows"
    ok_id, failed_id = _dump(dump)
    assert looks_like_flow_dump(dump.read_bytes()[:64])
    contents = read_flow_dump(dump, max_body_bytes=1024)
    ok, failed = contents.exchanges
    assert contents.other_flows == 1  # the TCP flow
    assert (ok.method, ok.path, ok.query, ok.status) == ("GET", "/users/42", "expand=orders", 200)
    assert ok.uid == ok_id.replace("-", "")
    assert ok.response_body.content == b"message"
    assert failed.status is None and failed.error == "error"
    assert failed.uid == failed_id.replace("-", "")


def test_inspector_import_applies_the_rules_and_never_duplicates(tmp_path: Path) -> None:
    dump = tmp_path / "flows.mitm"
    _dump(dump)
    db_path = tmp_path / "capture.db"
    first = CliRunner().invoke(main, ["import", str(dump), "--db", str(db_path)])
    assert first.exit_code == 0, first.output
    assert "Imported 2 exchanges" in first.output and "mitmproxy flow dump" in first.output
    assert "1 non-HTTP flows skipped" in first.output
    second = CliRunner().invoke(main, ["import", str(dump), "--db", str(db_path)])
    assert "2 already in the database" in second.output
    conn = open_db(db_path, readonly=True)
    try:
        exchanges = [exchange for _, exchange in iter_exchanges(conn)]
    finally:
        conn.close()
    assert len(exchanges) == 2
    # The built-in rules group by X-API-Key and keep only its fingerprint.
    consumer = exchanges[0].consumer
    assert consumer is not None and consumer.id.startswith("sha512-")
    assert exchanges[0].request_header("x-api-key") != "key-123"


def test_a_damaged_dump_is_refused_with_the_flow_number_and_nothing_imported(
    tmp_path: Path,
) -> None:
    dump = tmp_path / "flows"
    _dump(dump)
    data = dump.read_bytes()
    dump.write_bytes(data[: len(data) - 40])  # the last flow is cut short
    with pytest.raises(DumpImportError, match=r"flow 3 \(from byte \d+\) is damaged"):
        read_flow_dump(dump, max_body_bytes=1024)
    db_path = tmp_path / "capture.db"
    result = CliRunner().invoke(main, ["import", str(dump), "--db", str(db_path)])
    assert result.exit_code == 2 and "Nothing was imported" in result.stderr
    assert not db_path.exists()
