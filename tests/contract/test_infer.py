"""`infer`: an OpenAPI 3.1 document from a real capture file, valid by OpenAPI's own validator."""

from __future__ import annotations

import json
import sqlite3
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate

from inspector.contract.drift import check
from inspector.contract.infer import infer
from inspector.model import Body, Consumer
from inspector.openapi import OpenApiSpec
from inspector.store import open_db, write_batch
from inspector.store.filters import compile_filter
from inspector.store.selection import Selection
from inspector.testing import make_exchange

T0 = 1_795_000_000.0
ACME = Consumer(id="key-acme", label="Acme Corp")
GLOBEX = Consumer(id="key-globex", label="Globex")


def _body(content: bytes, content_type: str) -> Body:
    return Body(
        content=content, size=len(content), wire_size=len(content), content_type=content_type
    )


def _traffic() -> list[Any]:
    exchanges = []
    for i in range(30):
        user: dict[str, object] = {
            "id": i,
            "name": f"user{i}",
            "plan": ["free", "pro"][i % 2],
            "created": "2026-12-04T05:50:56Z",
        }
        if i % 3:
            user["nickname"] = None if i % 2 else "nick"
        exchanges.append(
            make_exchange(
                started_at=T0 + i,
                path=f"/users/{i}",
                json_body=user,
                consumer=ACME if i % 2 else GLOBEX,
            )
        )
        query = f"q=term{i}" + (f"&page={i}" if i % 2 else "") + "&tag=a&tag=b"
        exchanges.append(
            make_exchange(
                started_at=T0 + i,
                path="/search",
                query=query,
                json_body={"hits": [{"id": i, "score": 0.5}]},
            )
        )
    exchanges.append(
        make_exchange(
            started_at=T0 + 40,
            path="/users/999",
            status=404,
            reason="Not Found",
            json_body={"error": "no such user"},
            consumer=GLOBEX,
        )
    )
    exchanges.append(
        make_exchange(
            started_at=T0 + 41,
            method="POST",
            path="/users/7/orders",
            status=201,
            reason="Created",
            request_json={"sku": "dock-1", "quantity": 2},
            json_body={"id": "9f3c"},
            consumer=ACME,
        )
    )
    exchanges.append(
        make_exchange(
            started_at=T0 + 42,
            method="POST",
            path="/login",
            status=200,
            request_body=_body(
                b"username=ada&password=%5BREDACTED%5D", "application/x-www-form-urlencoded"
            ),
            json_body={"token": "[REDACTED]"},
        )
    )
    exchanges.append(
        make_exchange(
            started_at=T0 + 43,
            path="/",
            status=200,
            response_body=_body(b"<html></html>", "text/html"),
        )
    )
    exchanges.append(
        make_exchange(
            started_at=T0 + 44, path="/logo.png", response_body=_body(b"\x89PNG\r\n", "image/png")
        )
    )
    exchanges.append(
        make_exchange(
            started_at=T0 + 45,
            path="/users/3",
            status=None,
            reason="",
            error="Connection refused",
            response_body=Body(),
        )
    )
    exchanges.append(
        make_exchange(
            started_at=T0 + 46,
            method="CONNECT",
            path="",
            endpoint="api.example:443",
            status=None,
            reason="",
            error="refused",
            response_body=Body(),
        )
    )
    return exchanges


def _spec(db: sqlite3.Connection, **kwargs: Any) -> Any:
    write_batch(db, _traffic())
    return infer(db, Selection(), **kwargs)


def test_the_document_validates_and_describes_each_operation(db: sqlite3.Connection) -> None:
    inferred = _spec(db, title="Users API")
    document = inferred.document
    validate(document)  # openapi-spec-validator: raises on an invalid document
    assert document["openapi"] == "3.1.0" and document["info"]["title"] == "Users API"
    assert document["servers"] == [{"url": "http://localhost:8000"}]
    assert set(document["paths"]) == {
        "/users/{userId}",
        "/search",
        "/users/{userId}/orders",
        "/login",
        "/",
        "/logo.png",
    }
    # CONNECT has no URL path: counted, and said to be left out.
    assert inferred.exchanges == 67 and inferred.described == 66 and inferred.left_out == 1

    user = document["paths"]["/users/{userId}"]["get"]
    assert user["operationId"] == "getUsersByUserId"
    assert user["parameters"] == [
        {"name": "userId", "in": "path", "required": True, "schema": {"type": "integer"}}
    ]
    ok = user["responses"]["200"]["content"]["application/json"]
    assert ok["schema"]["required"] == ["id", "name", "plan", "created"]
    assert ok["schema"]["properties"]["nickname"]["type"] == ["string", "null"]
    assert ok["schema"]["properties"]["created"]["format"] == "date-time"
    assert ok["schema"]["properties"]["plan"]["enum"] == ["free", "pro"]
    assert ok["example"]["name"] == "user0"
    assert user["responses"]["404"]["description"] == "Not Found"
    assert user["x-requests"] == 32 and user["x-failed"] == 1  # the refused one has no response
    assert user["x-consumers"] == ["Globex", "Acme Corp"]  # 16 calls, then 15

    search = {p["name"]: p for p in document["paths"]["/search"]["get"]["parameters"]}
    assert search["q"]["required"] and not search["page"]["required"]
    assert search["page"]["schema"] == {"type": "integer"}
    assert search["tag"]["schema"] == {
        "type": "array",
        "items": {"type": "string", "enum": ["a", "b"]},
    }

    order = document["paths"]["/users/{userId}/orders"]["post"]
    assert order["requestBody"]["required"] is True
    body = order["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["quantity"] == {"type": "integer"}
    login = document["paths"]["/login"]["post"]["requestBody"]["content"]
    assert set(login["application/x-www-form-urlencoded"]["schema"]["properties"]) == {
        "username",
        "password",
    }
    assert document["paths"]["/"]["get"]["responses"]["200"]["content"] == {
        "text/html": {"schema": {"type": "string"}}
    }
    assert document["paths"]["/logo.png"]["get"]["responses"]["200"]["content"] == {"image/png": {}}


def test_examples_are_the_stored_redacted_bodies(db: sqlite3.Connection) -> None:
    document = _spec(db).document
    login = document["paths"]["/login"]["post"]["responses"]["200"]["content"]
    assert login["application/json"]["example"] == {"token": "[REDACTED]"}
    assert "enum" not in login["application/json"]["schema"]["properties"]["token"]


def test_a_filter_narrows_what_is_described(db: sqlite3.Connection) -> None:
    write_batch(db, _traffic())
    inferred = infer(db, Selection(compile_filter("path:/search")))
    assert list(inferred.document["paths"]) == ["/search"] and inferred.exchanges == 30
    assert infer(db, Selection(compile_filter("method:DELETE"))).operations == 0


def test_bodies_are_sampled_and_every_exchange_counted(db: sqlite3.Connection) -> None:
    write_batch(
        db,
        [
            make_exchange(
                started_at=T0 + i,
                path=f"/items/{i}",
                json_body={"id": i, "extra": i} if i == 4_321 else {"id": i},
            )
            for i in range(5_000)
        ],
    )
    inferred = infer(db, Selection(), samples=50)
    assert inferred.bodies_read == 50
    item = inferred.document["paths"]["/items/{itemId}"]["get"]
    assert item["x-requests"] == 5_000 and item["responses"]["200"]["x-count"] == 5_000
    # Seeded: the same capture gives the same document, run after run.
    assert infer(db, Selection(), samples=50).document == inferred.document


def _peak_bytes(db_path: Path, rows: int) -> int:
    conn = open_db(db_path)
    write_batch(
        conn,
        [
            make_exchange(
                started_at=T0 + i,
                path=f"/items/{i}",
                query=f"page={i}",
                json_body={"id": i, "name": "x" * 200, "tags": ["a", "b"]},
            )
            for i in range(rows)
        ],
    )
    tracemalloc.start()
    infer(conn, Selection())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    conn.close()
    return peak


def test_memory_follows_the_operations_not_the_exchanges(tmp_path: Path) -> None:
    small = _peak_bytes(tmp_path / "small.db", 2_000)
    large = _peak_bytes(tmp_path / "large.db", 20_000)
    # Ten times the traffic: the reservoirs and sketches are the same size; only SQLite's
    # result rows pass through. A store-everything design would take ten times the memory.
    assert large < 2 * small, (small, large)


json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.sampled_from(["paid", "2026-12-04", "2026-12-04T05:50:56Z", "a@b.test", "x"])
)
json_bodies = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "name", "items", "price", "note"]), inner, max_size=4
        )
    ),
    max_leaves=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(json_bodies, min_size=1, max_size=12),
    st.lists(st.sampled_from([200, 201, 404, 500]), min_size=12, max_size=12),
)
def test_a_capture_never_drifts_from_its_own_inferred_spec(
    bodies: list[object], statuses: list[int]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        conn = open_db(Path(folder) / "capture.db")
        write_batch(
            conn,
            [
                make_exchange(
                    started_at=T0 + i, path=f"/things/{i}", status=statuses[i], json_body=body
                )
                for i, body in enumerate(bodies)
            ],
        )
        inferred = infer(conn, Selection())
        validate(inferred.document)
        spec = OpenApiSpec.parse(json.dumps(inferred.document))
        report = check(conn, Selection(), spec)
        conn.close()
    assert report.findings == [], [f.to_json() for f in report.findings]
    assert report.bodies_checked == len(bodies)


def test_credentials_become_security_schemes_never_parameters(db: sqlite3.Connection) -> None:
    signed_in = (("Authorization", "Bearer [REDACTED]"),)
    write_batch(db, [
        *(make_exchange(started_at=T0 + i, path="/me", request_headers=signed_in)
          for i in range(4)),
        make_exchange(started_at=T0 + 5, path="/me", status=401, json_body={"error": "who?"}),
        make_exchange(started_at=T0 + 6, path="/feed", query="api_key=[REDACTED]&page=1"),
    ])  # fmt: skip
    document = infer(db, Selection()).document
    validate(document)
    assert document["components"]["securitySchemes"] == {
        "bearerAuth": {"type": "http", "scheme": "bearer"},
        "query.api_key": {"type": "apiKey", "in": "query", "name": "api_key"},
    }
    assert document["paths"]["/me"]["get"]["security"] == [{"bearerAuth": []}, {}]
    feed = document["paths"]["/feed"]["get"]
    assert feed["security"] == [{"query.api_key": []}]
    assert [p["name"] for p in feed["parameters"]] == ["page"]  # the key is no parameter


def test_a_body_nested_past_the_parser_is_skipped_not_a_crash(db: sqlite3.Connection) -> None:
    from inspector.compare.sides import load_side

    deep = b"[" * 100_000 + b"]" * 100_000  # a hostile client's body: RecursionError in json
    hostile = make_exchange(
        started_at=T0, path="/echo", response_body=_body(deep, "application/json"),
        request_body=_body(deep, "application/json"),
    )  # fmt: skip
    write_batch(db, [hostile, make_exchange(started_at=T0 + 1, path="/echo")])
    inferred = infer(db, Selection())
    validate(inferred.document)
    schema = inferred.document["paths"]["/echo"]["get"]["responses"]["200"]["content"]
    assert schema["application/json"]["schema"]["required"] == ["id", "name"]  # the other body
    spec = OpenApiSpec.parse(json.dumps(inferred.document))
    assert [f.detail for f in check(db, Selection(), spec).findings] == [
        "200: a body that is not JSON"]  # fmt: skip
    assert load_side(db, Selection(), "base").requests == 2
