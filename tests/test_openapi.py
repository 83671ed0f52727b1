"""OpenAPI specs name endpoints: literal paths win, base paths count, bad specs say where."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector.openapi import OpenApiError, OpenApiSpec

SPEC = """
openapi: 3.0.3
info: {title: Shop, version: "1"}
servers:
  - url: http://localhost:8000/api
paths:
  /users:
    get: {responses: {"200": {description: ok}}}
    post: {responses: {"201": {description: created}}}
  /users/{userId}:
    get: {responses: {"200": {description: ok}}}
    parameters: [{name: userId, in: path, required: true}]
  /users/me:
    get: {responses: {"200": {description: ok}}}
  /orders/{orderId}/items/{itemId}:
    delete: {responses: {"204": {description: gone}}}
"""


@pytest.fixture
def spec(tmp_path: Path) -> OpenApiSpec:
    path = tmp_path / "openapi.yaml"
    path.write_text(SPEC)
    return OpenApiSpec.load(path)


def test_concrete_paths_match_spec_templates(spec: OpenApiSpec) -> None:
    assert spec.match("/api/users/42") == "/api/users/{userId}"
    assert spec.match("/api/users/me") == "/api/users/me"
    assert spec.match("/api/users") == "/api/users"
    assert spec.match("/api/users/") == "/api/users"
    assert spec.match("/api/orders/9/items/x-1") == "/api/orders/{orderId}/items/{itemId}"
    assert spec.match("/api/users/42/extra") is None
    assert spec.match("/users/42") is None  # outside the server's base path


def test_operations_and_the_ones_never_called(spec: OpenApiSpec) -> None:
    operations = {(op.method, op.template) for op in spec.operations}
    assert ("POST", "/api/users") in operations
    assert len(operations) == 5  # `parameters` is not an operation
    uncalled = spec.uncalled({("GET", "/api/users"), ("GET", "/api/users/{userId}")})
    assert {(op.method, op.template) for op in uncalled} == {
        ("POST", "/api/users"),
        ("GET", "/api/users/me"),
        ("DELETE", "/api/orders/{orderId}/items/{itemId}"),
    }


def test_json_specs_without_servers_work() -> None:
    spec = OpenApiSpec.parse('{"openapi": "3.1.0", "paths": {"/pets/{id}": {"get": {}}}}')
    assert spec.match("/pets/7") == "/pets/{id}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("openapi: 3.0.0\npaths: [\n", r"<spec>, line \d+ column \d+"),
        ('{"openapi": "3.0.0", "paths": ', r"<spec>, line 1 column \d+"),
        (
            "swagger: '2.0'\npaths: {}\n",
            r"only OpenAPI 3.x specs .*no 'openapi' key",
        ),
        ("openapi: 3.0.0\n", r"'paths' is missing"),
        ("openapi: 3.0.0\npaths: {users: {get: {}}}\n", r"must start with '/'"),
        ("- just a list\n", "no top-level mapping"),
    ],
)
def test_bad_specs_say_what_and_where(text: str, message: str) -> None:
    with pytest.raises(OpenApiError, match=message):
        OpenApiSpec.parse(text)


def test_unreadable_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(OpenApiError, match=r"missing\.yaml"):
        OpenApiSpec.load(tmp_path / "missing.yaml")
