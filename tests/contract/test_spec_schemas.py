"""Reading a spec's responses: local $ref, status lookup, media types and complaints in words."""

from __future__ import annotations

import re
from typing import Any

import pytest

from inspector.contract.spec_schemas import (
    SchemaCheck,
    SpecRefError,
    SpecSchemaError,
    complaint,
    media_for,
    resolve,
    response_for,
)

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "components": {
        "schemas": {"a/b": {"type": "integer"}, "Loop": {"$ref": "#/components/schemas/Loop"}},
        "responses": {"Gone": {"description": "gone"}},
    },
}


def test_local_refs_are_followed_with_json_pointer_escapes() -> None:
    assert resolve(DOCUMENT, {"$ref": "#/components/schemas/a~1b"}) == {"type": "integer"}
    for ref in ("other.yaml#/X", "#/components/schemas/Missing", "#/components/schemas/Loop"):
        with pytest.raises(SpecRefError):
            resolve(DOCUMENT, {"$ref": ref})


def test_a_status_finds_its_exact_code_then_its_range_then_default() -> None:
    operation = {"responses": {"200": {"description": "ok"}, "5xx": {"description": "trouble"},
                               "410": {"$ref": "#/components/responses/Gone"},
                               "default": {"description": "else"}}}  # fmt: skip
    assert response_for(DOCUMENT, operation, 200) == {"description": "ok"}
    assert response_for(DOCUMENT, operation, 503) == {"description": "trouble"}  # 5xx, any case
    assert response_for(DOCUMENT, operation, 410) == {"description": "gone"}
    assert response_for(DOCUMENT, operation, 404) == {"description": "else"}
    assert response_for(DOCUMENT, {"responses": {"200": {}}}, 404) is None


def test_a_media_type_finds_its_entry_parameters_and_wildcards_aside() -> None:
    content = {"application/json; charset=utf-8": {"a": 1}, "text/*": {"b": 2}, "*/*": {"c": 3}}
    assert media_for(content, "application/json") == {"a": 1}
    assert media_for(content, "text/csv") == {"b": 2}
    assert media_for(content, "image/png") == {"c": 3}
    assert media_for({"application/json": {}}, "text/html") is None


def test_complaints_name_the_place_and_the_rule_not_the_value() -> None:
    check = SchemaCheck(DOCUMENT, {"type": "object", "required": ["id"], "properties": {
        "id": {"$ref": "#/components/schemas/a~1b"}, "tags": {"type": "array", "items": {
            "enum": ["x", "y"]}}, "day": {"type": "string", "format": "date"}}})  # fmt: skip
    words = sorted(complaint(e) for e in check.errors({"id": "secret-ish", "tags": ["z"],
                                                        "day": "2026-02-30"}))  # fmt: skip
    assert words == ["day: not a valid date", "id: string where the spec says integer",
                     "tags[]: a value outside the spec's enum"]  # fmt: skip
    assert [complaint(e) for e in check.errors({})] == ["(body): 'id' is a required property"]
    assert not any("secret-ish" in w for w in words)


def test_fields_no_properties_name_are_found_through_all_of_and_maps() -> None:
    schema = {"allOf": [{"properties": {"id": {}}}, {"properties": {"meta": {
        "type": "object", "additionalProperties": {"type": "string"}}}}],
        "patternProperties": {"^x-": {}}}  # fmt: skip
    check = SchemaCheck(DOCUMENT, schema)
    body = {"id": 1, "meta": {"anything": "goes"}, "x-trace": 1, "extra": {"deep": 1}}
    assert check.undocumented(body) == {"extra"}
    assert SchemaCheck(DOCUMENT, {"type": "object"}).undocumented(body) == set()  # free-form


@pytest.mark.parametrize(
    ("schema", "words"),
    [
        ({"type": "bogus"}, "'bogus' is not valid under any of the given schemas (at type)"),
        ({"properties": "x"}, "'x' is not of type 'object' (at properties)"),
        ({"patternProperties": {"[": {}}}, "'[' is not a 'regex' (at patternProperties)"),
    ],
)
def test_a_schema_that_is_no_schema_is_said_so(schema: dict[str, Any], words: str) -> None:
    with pytest.raises(SpecSchemaError, match=re.escape(words)):
        SchemaCheck(DOCUMENT, schema)


def test_the_false_schema_allows_nothing() -> None:
    [error] = SchemaCheck(DOCUMENT, False).errors({"a": 1})
    assert complaint(error) == "(body): the spec allows nothing here"
