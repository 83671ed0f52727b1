"""ReadMe Metrics export: the SDK's payload structure, auth, batching, grouping and redaction."""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import uuid
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.config.fingerprint import fingerprint
from inspector.consumer_names import display_name
from inspector.exporters.delivery import Deliverer, DeliveryReport, deliver
from inspector.exporters.readme import ReadmeExporter, ReadmeOptions, exchange_uuid
from inspector.exporters.transport import HttpxTransport
from inspector.model import Body, Consumer, Exchange
from inspector.store import write_batch
from inspector.testing import make_exchange
from tests.exporters.service_support import FakeClock, ScriptedServer, golden, structure_diff

API_KEY = "rdme_goldenTESTkey0000000000000000"
OWL = Consumer(id="owl-key-1234", label="Owl Labs", email="owl@example.test")
UA = ("User-Agent", "golden-client/1.0")
CLIENT = (UA, ("Accept-Encoding", "gzip, deflate"), ("Accept", "*/*"),
          ("Connection", "keep-alive"), ("Host", "api.example.test"))  # fmt: skip


def _json_body(text: str) -> Body:
    data = text.encode()
    return Body(content=data, size=len(data), wire_size=len(data), content_type="application/json")


def golden_traffic() -> list[Exchange]:
    """The three requests the golden Flask app served, as the proxy would have captured them."""
    items = '{"items": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}], "limit": "10"}'
    login = '{"username": "owl", "password": "hunter2", "nested": {"password": "deep-secret"}}'
    html = "<!doctype html>\n<title>500 Internal Server Error</title>\n"
    common: dict[str, Any] = {"scheme": "http", "host": "api.example.test", "port": 80,
                              "client_address": "127.0.0.1", "consumer": OWL}  # fmt: skip
    return [
        make_exchange(
            **common, method="GET", path="/items", query="limit=10&sort=name&password=qp-secret",
            request_headers=CLIENT,
            response_headers=(("Content-Type", "application/json"), ("Content-Length", "65")),
            response_body=_json_body(items), duration_ms=3.2,
        ),
        make_exchange(
            **common, method="POST", path="/login",
            request_headers=(*CLIENT, ("Authorization", "Bearer k123"),
                             ("X-Secret-Token", "tok-123456"), ("Content-Length", "81"),
                             ("Content-Type", "application/json")),
            request_body=_json_body(login),
            response_headers=(("Content-Type", "application/json"), ("Content-Length", "63"),
                              ("X-Secret-Token", "tok-abcdefgh")),
            response_body=_json_body('{"password": "pw-secret0123", "token": "t", "user": "owl"}'),
        ),
        make_exchange(
            **common, method="GET", path="/boom", request_headers=CLIENT, status=500,
            reason="INTERNAL SERVER ERROR",
            response_headers=(("Content-Type", "text/html; charset=utf-8"),
                              ("Content-Length", str(len(html)))),
            response_body=Body(content=html.encode(), size=len(html), wire_size=len(html),
                               content_type="text/html; charset=utf-8"),
        ),
    ]  # fmt: skip


def run(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport, **options: Any
) -> DeliveryReport:
    exporter = ReadmeExporter(ReadmeOptions(api_key=API_KEY, base_url=server.url(), **options))
    clock = FakeClock()
    deliverer = Deliverer(exporter, transport, sleep=clock.sleep, clock=clock.monotonic)
    return deliver(db, deliverer)


def items(server: ScriptedServer) -> list[dict[str, Any]]:
    return [item for request in server.accepted for item in request.json()]


def test_payload_has_the_python_sdk_structure(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport
) -> None:
    write_batch(db, golden_traffic())
    report = run(db, server, transport, buffer_length=3, denylist=("password", "X-Secret-Token"),
                 base_log_url="https://docs.example.test")  # fmt: skip
    assert report.sent == 3
    (request,) = server.accepted
    reference = golden("readme_payload.json")["sdk_requests"][1]["body_json"]
    ours = request.json()
    for index, (item, theirs) in enumerate(zip(ours, reference, strict=True)):
        assert structure_diff(item, theirs, f"$[{index}]") is None


def test_values_follow_the_reference_without_the_sdk_quirks(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport
) -> None:
    traffic = golden_traffic()
    write_batch(db, traffic)
    run(db, server, transport, buffer_length=3, denylist=("password", "X-Secret-Token"),
        base_log_url="https://docs.example.test/")  # fmt: skip
    get, login, boom = items(server)
    assert get["_id"] == str(uuid.UUID(hex=traffic[0].uid))
    # The SDK's hash (golden: sha512-/sBZNYIJ...); the clear tail only for ids of 16+ characters,
    # the capture's fingerprint policy, so ids match between the database and ReadMe.
    golden_hash = (
        "sha512-/sBZNYIJ2/Gk/YMbZeNoYx2VryHwThjuyzTlELpe0NF9cJvGma8Q6a8a7xUc9VtE3s+i3+yxI6u"
    )
    assert get["group"] == {
        "label": "Owl Labs", "email": "owl@example.test", "id": fingerprint("owl-key-1234"),
    }  # fmt: skip
    assert get["group"]["id"].startswith(golden_hash)
    entry = get["request"]["log"]["entries"][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["startedDateTime"])
    assert entry["time"] == 3
    # Our denylist also covers the URL (the SDK leaves query values in clear).
    assert (
        entry["pageref"]
        == entry["request"]["url"]
        == ("http://api.example.test/items?limit=10&sort=name&password=[REDACTED]")
    )
    # Our denylist also covers the query string (the SDK leaves it in clear).
    assert {"name": "password", "value": "[REDACTED]"} in entry["request"]["queryString"]
    doc_url = entry["response"]["headers"][-1]
    assert doc_url == {"name": "x-documentation-url",
                       "value": f"https://docs.example.test/logs/{get['_id']}"}  # fmt: skip
    login_request = login["request"]["log"]["entries"][0]["request"]
    headers = {h["name"]: h["value"] for h in login_request["headers"]}
    assert headers["Authorization"] == fingerprint("Bearer k123")
    assert headers["X-Secret-Token"] == "[REDACTED]"
    # Real MIME type (the SDK says text/plain), nested keys redacted too (the SDK misses them).
    assert login_request["postData"]["mimeType"] == "application/json"
    body = json.loads(login_request["postData"]["text"])
    assert body == {"username": "owl", "password": "[REDACTED]",
                    "nested": {"password": "[REDACTED]"}}  # fmt: skip
    response = login["request"]["log"]["entries"][0]["response"]
    assert json.loads(response["content"]["text"])["password"] == "[REDACTED]"
    assert "hunter2" not in json.dumps(items(server))
    assert boom["request"]["log"]["entries"][0]["response"]["statusText"] == "INTERNAL SERVER ERROR"


def test_basic_auth_with_the_key_as_user_and_json_content(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport
) -> None:
    write_batch(db, [make_exchange(consumer="k")])
    run(db, server, transport)
    (request,) = server.accepted
    assert request.method == "POST" and request.path == "/v1/request"
    token = base64.b64encode(f"{API_KEY}:".encode()).decode()
    assert request.headers["authorization"] == f"Basic {token}"
    assert request.headers["content-type"] == "application/json"
    assert isinstance(request.json(), list)


def test_batches_follow_buffer_length(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport
) -> None:
    write_batch(db, [make_exchange(consumer="k") for _ in range(7)])
    run(db, server, transport, buffer_length=3)
    assert [len(request.json()) for request in server.accepted] == [3, 3, 1]


def test_a_stored_fingerprint_is_not_masked_twice(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport
) -> None:
    stored = fingerprint("Bearer secret-token-9876")
    short = fingerprint("k-12")
    write_batch(db, [make_exchange(consumer=Consumer(id=stored)),
                     make_exchange(consumer=Consumer(id=short))])  # fmt: skip
    run(db, server, transport)
    first, second = items(server)
    assert first["group"]["id"] == stored and second["group"]["id"] == short
    # Readable and distinct: the tail where there is one, a few hash characters always.
    assert first["group"]["label"] == display_name(stored)
    assert first["group"]["label"].startswith("key …9876 (")
    assert second["group"]["label"] == display_name(short)
    assert second["group"]["label"].startswith("key ") and "…" not in second["group"]["label"]


def test_unknown_consumers_need_a_fallback_grouping(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport
) -> None:
    write_batch(db, [make_exchange(consumer=None, client_address="10.1.2.3"),
                     make_exchange(consumer="known")])  # fmt: skip
    report = run(db, server, transport)
    assert (report.sent, report.skipped) == (1, 1)
    db.execute("DELETE FROM export_cursors")
    server.accepted.clear()
    report = run(db, server, transport, fallback_group="client-ip")
    assert (report.sent, report.skipped) == (2, 0)
    anonymous = next(i for i in items(server) if i["clientIPAddress"] == "10.1.2.3")
    assert anonymous["group"]["id"] == fingerprint("10.1.2.3")


def test_allowlist_keeps_only_listed_keys(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport
) -> None:
    write_batch(db, [make_exchange(consumer="k", json_body={"id": 1, "name": "Ada"})])
    run(db, server, transport, allowlist=("id", "content-type"))
    entry = items(server)[0]["request"]["log"]["entries"][0]
    assert json.loads(entry["response"]["content"]["text"]) == {"id": 1, "name": "[REDACTED]"}
    headers = {h["name"]: h["value"] for h in entry["response"]["headers"]}
    assert headers["Content-Type"] == "application/json"
    assert headers["Content-Length"] == "[REDACTED]"


def test_allowed_http_hosts_and_failed_exchanges(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport
) -> None:
    write_batch(db, [
        make_exchange(consumer="k", request_headers=(("Host", "api.local:8000"),)),
        make_exchange(consumer="k", request_headers=(("Host", "other.local"),)),
        make_exchange(consumer="k", status=None, error="Connection refused",
                      request_headers=(("Host", "api.local:8000"),)),
    ])  # fmt: skip
    report = run(db, server, transport, allowed_http_hosts=("api.local:8000",))
    assert (report.sent, report.skipped) == (1, 2)
    assert items(server)[0]["request"]["log"]["entries"][0]["request"]["headers"] == [
        {"name": "Host", "value": "api.local:8000"}
    ]


def test_ids_are_stable_uuids() -> None:
    uid = uuid.uuid4().hex
    assert exchange_uuid(uid) == str(uuid.UUID(hex=uid))
    assert exchange_uuid("imported-entry-7") == exchange_uuid("imported-entry-7")
    uuid.UUID(exchange_uuid("imported-entry-7"))


_json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
_json = st.recursive(
    _json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(min_size=1, max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(
    document=st.dictionaries(st.text(min_size=1, max_size=6), _json, max_size=5),
    path=st.lists(st.text(alphabet="abcxyz", min_size=1, max_size=4), max_size=4),
    casing=st.sampled_from(["api_secret", "API_SECRET", "Api_Secret"]),
)
def test_denied_keys_never_leak_at_any_depth(
    document: dict[str, Any], path: list[str], casing: str
) -> None:
    secret = "S3CRET-planted-value"
    node = document
    for key in path:  # walk (creating objects) down to where the secret is planted
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[casing] = {"nested": [secret]} if len(path) % 2 else secret
    exporter = ReadmeExporter(
        ReadmeOptions(api_key="k", denylist=("api_secret",), fallback_group="client-ip")
    )
    exchange = make_exchange(
        request_json=document, json_body=[document], query=f"api_secret={secret}&q=1",
        request_headers=(("API_SECRET", secret), ("Host", "h")),
    )  # fmt: skip
    item = exporter.prepare(exchange)
    assert item is not None
    assert secret not in json.dumps(item, ensure_ascii=False)
