"""Elasticsearch export against a local server speaking the _bulk protocol."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from inspector.cli import main
from inspector.errors import InspectorError
from inspector.exporters.delivery import Deliverer, DeliveryReport, deliver
from inspector.exporters.elasticsearch import ElasticsearchExporter, ElasticsearchOptions
from inspector.exporters.transport import HttpxTransport
from inspector.store import write_batch
from inspector.testing import make_exchange
from tests.exporters.service_support import FakeClock, Received, Reply, ScriptedServer, running


class FakeCluster:
    """Just enough of Elasticsearch: index existence, creation, and _bulk with item results."""

    def __init__(self) -> None:
        self.indices: dict[str, dict[str, Any]] = {}
        self.documents: dict[str, dict[str, Any]] = {}
        self.index_calls = 0
        # Status per document id for its next bulk attempt (popped when used); default 201.
        self.item_status: dict[str, list[int]] = {}

    def __call__(self, request: Received) -> Reply:
        path = request.path.strip("/").split("/")
        if request.method == "HEAD":
            return (200 if path[0] in self.indices else 404), {}, b""
        if request.method == "PUT":
            self.indices[path[0]] = json.loads(request.body)
            return 200, {}, b'{"acknowledged": true}'
        if path[-1] == "_bulk":
            lines = request.body.decode().splitlines()
            results = []
            for action, doc in zip(lines[0::2], lines[1::2], strict=True):
                uid = json.loads(action)["index"]["_id"]
                queued = self.item_status.get(uid) or [201]
                status = queued.pop(0)
                self.index_calls += 1
                outcome: dict[str, Any] = {"_id": uid, "status": status}
                if status < 300:
                    self.documents[uid] = json.loads(doc)
                else:
                    outcome["error"] = {"type": "mapper_parsing_exception",
                                        "reason": f"failed to parse [{uid}]"}  # fmt: skip
                results.append({"index": outcome})
            errors = any(r["index"]["status"] >= 300 for r in results)
            body = json.dumps({"took": 1, "errors": errors, "items": results}).encode()
            return 200, {"Content-Type": "application/json"}, body
        return 404, {}, b"{}"


@pytest.fixture
def cluster() -> Iterator[tuple[FakeCluster, ScriptedServer]]:
    fake = FakeCluster()
    yield from ((fake, s) for s in running(ScriptedServer(default=fake)))


def run(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport, **options: Any
) -> DeliveryReport:
    exporter = ElasticsearchExporter(ElasticsearchOptions(base_url=server.url(), **options))
    clock = FakeClock()
    return deliver(db, Deliverer(exporter, transport, sleep=clock.sleep, clock=clock.monotonic))


def test_creates_the_index_with_a_mapping_and_indexes_by_uid(
    db: sqlite3.Connection, db_path: Path, cluster: tuple[FakeCluster, ScriptedServer],
    transport: HttpxTransport,
) -> None:  # fmt: skip
    fake, server = cluster
    exchanges = [make_exchange(consumer="k", path=f"/users/{i}") for i in range(5)]
    write_batch(db, exchanges)
    report = run(db, server, transport, batch_size=2, api_key="es-key-value")
    assert report.ok and report.sent == 5
    assert fake.indices["api-inspector"]["mappings"]["properties"]["started_at"]["type"] == "date"
    assert set(fake.documents) == {e.uid for e in exchanges}
    doc = fake.documents[exchanges[0].uid]
    assert doc["endpoint"] == "/users/{id}" and doc["consumer"]["id"] == "k"
    # The same object `inspector requests --json` prints, less the database-local ids.
    listed = json.loads(CliRunner().invoke(main, ["requests", "--db", str(db_path), "--json",
                                                  "-f", "path:/users/0"]).output)  # fmt: skip
    (row,) = listed
    del row["id"], row["consumer"]["row_id"]
    assert {key: doc[key] for key in row} == row
    assert doc["started_at"] == row["started_at"] and row["started_at"].endswith("Z")
    bulk = [r for r in server.accepted if r.path.endswith("/_bulk")]
    assert len(bulk) == 3
    assert all(r.headers["authorization"] == "ApiKey es-key-value" for r in server.received)
    assert bulk[0].headers["content-type"] == "application/x-ndjson"
    # A second run finds the index and creates nothing.
    write_batch(db, [make_exchange()])
    run(db, server, transport, api_key="es-key-value")
    assert [r.method for r in server.received].count("PUT") == 1


def test_per_item_429_is_resent_and_mapping_errors_are_reported(
    db: sqlite3.Connection, cluster: tuple[FakeCluster, ScriptedServer], transport: HttpxTransport
) -> None:
    fake, server = cluster
    exchanges = [make_exchange() for _ in range(4)]
    write_batch(db, exchanges)
    fake.item_status[exchanges[1].uid] = [429, 429]
    fake.item_status[exchanges[2].uid] = [400]
    report = run(db, server, transport)
    assert (report.sent, report.failed) == (3, 1)
    assert report.failures == [
        f"exchange {exchanges[2].uid}: mapper_parsing_exception failed to parse "
        f"[{exchanges[2].uid}]"
    ]
    assert set(fake.documents) == {exchanges[i].uid for i in (0, 1, 3)}
    assert fake.index_calls == 6  # 4, then the throttled item twice more: nothing else resent


def test_basic_auth_and_bad_index_names(
    db: sqlite3.Connection, cluster: tuple[FakeCluster, ScriptedServer], transport: HttpxTransport
) -> None:
    _, server = cluster
    write_batch(db, [make_exchange()])
    run(db, server, transport, username="elastic", password="changeme", index="traffic-dev")
    expected = "Basic " + base64.b64encode(b"elastic:changeme").decode()
    assert {r.headers["authorization"] for r in server.received} == {expected}
    assert server.received[0].path == "/traffic-dev"
    with pytest.raises(InspectorError, match="not a valid index name"):
        ElasticsearchOptions(index="Bad/Index")


def test_403_names_the_credentials_and_the_reason(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport
) -> None:
    write_batch(db, [make_exchange()])
    denied = b'{"error": {"reason": "action [indices:data/write/bulk] is unauthorized"}}'
    server.script = [(200, {}, b""), (403, {}, denied)]  # the index exists; writing is denied
    report = run(db, server, transport, api_key="k")
    assert report.error is not None
    assert "ES_API_KEY" in str(report.error) and "is unauthorized" in str(report.error)
    server.script = [(401, {}, b"")]  # HEAD answers carry no body
    report = run(db, server, transport, api_key="k")
    assert "HTTP 401: no details given" in str(report.error)
