"""Drift: a real capture file held against hand-written specs, 3.0 and 3.1, with $ref and allOf."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from inspector.config.fingerprint import fingerprint
from inspector.contract.drift import check
from inspector.model import Body, Consumer
from inspector.openapi import OpenApiSpec
from inspector.store import write_batch
from inspector.store.selection import Selection
from inspector.testing import make_exchange

T0 = 1_795_000_000.0
ACME = Consumer(id="key-acme", label="Acme Corp")
GLOBEX = Consumer(id="key-globex", label="Globex")

SPEC_31: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Shop", "version": "1"},
    "servers": [{"url": "http://localhost:8000/api"}],
    "paths": {
        "/users/{userId}": {
            "get": {
                "responses": {
                    "200": {
                        "description": "A user",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/User"}}
                        },
                    },
                    "404": {"$ref": "#/components/responses/NotFound"},
                }
            },
        },
        "/orders": {
            "get": {
                "responses": {
                    "200": {
                        "description": "Orders",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "orders": {
                                            "type": "array",
                                            "items": {
                                                "allOf": [
                                                    {"$ref": "#/components/schemas/Entity"},
                                                    {
                                                        "type": "object",
                                                        "properties": {"total": {"type": "number"}},
                                                        "required": ["total"],
                                                    },
                                                ]
                                            },
                                        },
                                        "meta": {
                                            "type": "object",
                                            "additionalProperties": {"type": "string"},
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "5XX": {"description": "Server trouble"},
                }
            },
        },
        "/health": {"get": {"responses": {"default": {"description": "Anything"}}}},
        "/never": {"delete": {"responses": {"204": {"description": "Gone"}}}},
    },
    "components": {
        "schemas": {
            "Entity": {
                "type": "object",
                "properties": {"id": {"type": "integer"}},
                "required": ["id"],
            },
            "User": {
                "allOf": [
                    {"$ref": "#/components/schemas/Entity"},
                    {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "born": {"type": ["string", "null"], "format": "date"},
                        },
                        "required": ["name"],
                    },
                ]
            },
        },
        "responses": {
            "NotFound": {
                "description": "No such thing",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        },
    },
}


def _user(i: int, **changes: object) -> dict[str, object]:
    return {"id": i, "name": f"user{i}", "born": "1990-01-02", **changes}


def _get(
    path: str, body: object, status: int = 200, consumer: Consumer | None = ACME, **kwargs: Any
) -> Any:
    return make_exchange(
        started_at=T0,
        path="/api" + path,
        status=status,
        json_body=body,
        consumer=consumer,
        **kwargs,
    )


def _findings(db: sqlite3.Connection, spec: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    report = check(db, Selection(), OpenApiSpec.parse(json.dumps(spec)), **kwargs)
    return {f"{f.kind} {f.method} {f.endpoint} {f.detail}": f for f in report.findings}


def test_traffic_that_follows_the_spec_has_no_drift(db: sqlite3.Connection) -> None:
    write_batch(
        db,
        [
            _get("/users/1", _user(1)),
            _get("/users/2", _user(2, born=None)),
            _get("/users/3", {"error": "nope"}, status=404),
            _get("/orders", {"orders": [{"id": 1, "total": 9.5}], "meta": {"page": "1"}}),
            _get("/orders", {"oops": True}, status=503),
            _get("/health", {"ok": True}, status=299),
        ],
    )
    report = check(db, Selection(), OpenApiSpec.parse(json.dumps(SPEC_31)))
    assert report.findings == [] and report.exchanges == 6
    assert report.bodies_checked == 6
    assert [(op.method, op.template) for op in report.uncalled] == [("DELETE", "/api/never")]


def test_each_kind_of_drift_is_found_with_the_consumers_it_touches(
    db: sqlite3.Connection,
) -> None:
    write_batch(
        db,
        [
            _get("/users/1", _user(1, name=7, email="a@b.test")),
            _get("/users/2", _user(2, born="yesterday"), consumer=GLOBEX),
            _get("/users/3", {"id": 3}),
            _get("/users/4", _user(4), status=418),
            _get("/orders", {"orders": [{"id": 1, "total": "9.50", "coupon": "X"}]}),
            _get("/carts/1", {}, consumer=GLOBEX),
            make_exchange(started_at=T0, method="POST", path="/api/orders", consumer=GLOBEX),
            _get(
                "/users/5",
                None,
                response_body=Body(
                    content=b"<html>", size=6, wire_size=6, content_type="text/html"
                ),
            ),
        ],
    )
    found = _findings(db, SPEC_31)
    assert set(found) == {
        "undocumented-operation GET /api/carts/{id} path not in the spec",
        "undocumented-operation POST /api/orders method not in the spec",
        "undocumented-status GET /api/users/{id} 418",
        "invalid-response GET /api/users/{id} 200: name: integer where the spec says string",
        "invalid-response GET /api/users/{id} 200: born: not a valid date",
        "invalid-response GET /api/users/{id} 200: (body): 'name' is a required property",
        "invalid-response GET /api/users/{id} 200: text/html not among the documented content types"
        " (application/json)",
        "undocumented-field GET /api/users/{id} 200: email",
        "invalid-response GET /api/orders 200: orders[].total: string where the spec says number",
        "undocumented-field GET /api/orders 200: orders[].coupon",
    }
    born = found["invalid-response GET /api/users/{id} 200: born: not a valid date"]
    assert dict(born.consumers) == {"Globex": 1} and born.spec_path == "/api/users/{userId}"
    assert born.out_of == 4 and born.example.endswith("'yesterday' is not a 'date'")
    assert dict(found["undocumented-field GET /api/users/{id} 200: email"].consumers) == {
        "Acme Corp": 1
    }
    post = found["undocumented-operation POST /api/orders method not in the spec"]
    assert post.count == 1 and dict(post.consumers) == {"Globex": 1}


def test_a_path_known_under_another_method_says_so(db: sqlite3.Connection) -> None:
    write_batch(db, [make_exchange(started_at=T0, method="DELETE", path="/api/users/1")])
    assert list(_findings(db, SPEC_31)) == [
        "undocumented-operation DELETE /api/users/{id} method not in the spec"
    ]


def _one_json_response(version: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A spec whose one operation, GET /things/{id}, answers 200 with this JSON schema."""
    ok = {"description": "ok", "content": {"application/json": {"schema": schema}}}
    return {"openapi": version, "info": {"title": "t", "version": "1"},
            "paths": {"/things/{id}": {"get": {"responses": {"200": ok}}}}}  # fmt: skip


def test_openapi_30_nullable_is_understood(db: sqlite3.Connection) -> None:
    spec = _one_json_response("3.0.3", {
        "type": "object",
        "properties": {"note": {"type": "string", "nullable": True}, "n": {"type": "integer"}},
    })  # fmt: skip
    write_batch(
        db,
        [
            make_exchange(started_at=T0, path="/things/1", json_body={"note": None}),
            make_exchange(started_at=T0, path="/things/2", json_body={"n": None}),
        ],
    )
    assert list(_findings(db, spec)) == [
        "invalid-response GET /things/{id} 200: n: null where the spec says integer"
    ]


def test_a_ref_to_another_file_is_reported_not_raised(db: sqlite3.Connection) -> None:
    spec = _one_json_response("3.1.0", {"$ref": "models.yaml#/Thing"})
    write_batch(db, [make_exchange(started_at=T0 + i, path=f"/things/{i}") for i in range(3)])
    found = _findings(db, spec)
    assert list(found) == [
        "invalid-response GET /things/{id} 200: the spec's $ref "
        "models.yaml#/Thing cannot be resolved here"
    ]


def test_bodies_are_sampled_but_statuses_checked_on_every_exchange(
    db: sqlite3.Connection,
) -> None:
    write_batch(
        db,
        [
            _get(f"/users/{i}", _user(i, extra=1), status=200 if i % 10 else 418)
            for i in range(1, 1_001)
        ],
    )
    found = _findings(db, SPEC_31, samples=25)
    assert found["undocumented-status GET /api/users/{id} 418"].count == 100
    extra = found["undocumented-field GET /api/users/{id} 200: extra"]
    assert extra.count == extra.out_of == 25


@pytest.mark.parametrize("content_type", ["application/problem+json", "application/json"])
def test_json_flavours_are_validated(db: sqlite3.Connection, content_type: str) -> None:
    spec = json.loads(json.dumps(SPEC_31))
    spec["paths"]["/users/{userId}"]["get"]["responses"]["200"]["content"] = {
        content_type: {"schema": {"$ref": "#/components/schemas/User"}}
    }
    content = json.dumps({"id": "x", "name": "n"}).encode()
    write_batch(
        db,
        [
            _get(
                "/users/1",
                None,
                response_body=Body(
                    content=content,
                    size=len(content),
                    wire_size=len(content),
                    content_type=content_type,
                ),
                response_headers=(("Content-Type", content_type),),
            )
        ],
    )
    assert list(_findings(db, spec)) == [
        "invalid-response GET /api/users/{id} 200: id: string where the spec says integer"
    ]


def test_consumers_drawn_from_keys_read_by_their_short_names(db: sqlite3.Connection) -> None:
    key = Consumer(id=fingerprint("sk_live_51Habc0000000000000001"))
    write_batch(db, [_get("/users/1", _user(1, extra=1), consumer=key),
                     _get("/users/2", _user(2), status=418, consumer=key)])  # fmt: skip
    found = _findings(db, SPEC_31)
    for finding in found.values():
        [name] = finding.consumers
        assert name.startswith("key …0001 (") and "sha512" not in name


def test_a_response_kept_in_another_file_is_reported_not_raised(db: sqlite3.Connection) -> None:
    spec = _one_json_response("3.1.0", {})
    spec["paths"]["/things/{id}"]["get"]["responses"]["200"] = {"$ref": "common.yaml#/Ok"}
    write_batch(db, [make_exchange(started_at=T0, path="/things/1")])
    assert list(_findings(db, spec)) == [
        "invalid-response GET /things/{id} 200: the spec's $ref common.yaml#/Ok cannot be "
        "resolved here"
    ]
