"""A spec's responses as checks: local $ref, the response for a status, schema validation with the
OpenAPI dialect of the spec's version, and the fields a body has that the schema never names."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from jsonschema.exceptions import SchemaError, UnknownType, ValidationError
from openapi_schema_validator import (
    OAS30Validator,
    OAS31Validator,
    oas30_format_checker,
    oas31_format_checker,
)
from referencing.exceptions import Unresolvable

from inspector.contract.sketch import json_type

_MAX_DEPTH = 12
_ITEMS_WALKED = 20


class SpecRefError(Exception):
    """A $ref the spec cannot resolve locally (another file, a URL, or a broken pointer)."""


class SpecSchemaError(Exception):
    """A schema in the spec that is no valid schema (`type: bogus`, `properties: "x"`)."""


def resolve(document: dict[str, Any], node: Any, depth: int = 0) -> Any:
    """`node` with local `$ref`s followed (`#/components/schemas/User`)."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#/") or depth > 32:
            raise SpecRefError(ref)
        target: Any = document
        for part in ref[2:].split("/"):
            key = part.replace("~1", "/").replace("~0", "~")
            if isinstance(target, dict) and key in target:
                target = target[key]
            elif isinstance(target, list) and key.isdigit() and int(key) < len(target):
                target = target[int(key)]
            else:
                raise SpecRefError(ref)
        node, depth = target, depth + 1
    return node


def response_for(document: dict[str, Any], operation: dict[str, Any], status: int
                 ) -> dict[str, Any] | None:  # fmt: skip
    """The response object documenting a status: exact, then `5XX`, then `default`."""
    responses = resolve(document, operation.get("responses"))
    if not isinstance(responses, dict):
        return None
    by_key = {str(key).upper(): value for key, value in responses.items()}
    for key in (str(status), f"{status // 100}XX", "DEFAULT"):
        if key in by_key:
            found = resolve(document, by_key[key])
            return found if isinstance(found, dict) else {}
    return None


def media_for(content: dict[str, Any], media: str) -> dict[str, Any] | None:
    """The content entry for a media type: exact, then `type/*`, then `*/*`."""
    lowered = {str(key).split(";")[0].strip().lower(): value for key, value in content.items()}
    for key in (media, media.split("/")[0] + "/*", "*/*"):
        entry = lowered.get(key)
        if entry is not None:
            return entry if isinstance(entry, dict) else {}
    return None


def _where(error: ValidationError) -> str:
    path = "".join("[]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return path.lstrip(".") or "(body)"


def complaint(error: ValidationError) -> str:
    """What is wrong, without the value: one line per kind of error, however many bodies."""
    where, keyword, expected = _where(error), error.validator, error.validator_value
    if keyword is None:  # the schema `false`
        return f"{where}: the spec allows nothing here"
    if keyword == "type":
        return f"{where}: {json_type(error.instance)} where the spec says {expected}"
    if keyword == "required":
        return f"{where}: {error.message}"
    if keyword == "enum":
        return f"{where}: a value outside the spec's enum"
    if keyword == "format":
        return f"{where}: not a valid {expected}"
    return f"{where}: fails '{keyword}'"


class SchemaCheck:
    """One response schema of a spec, ready to validate bodies against it."""

    def __init__(self, document: dict[str, Any], schema: Any) -> None:
        self.document = document
        self.schema = schema
        # Local refs point into the document's components: give the validator them as its root.
        root = {**schema, "components": document.get("components", {})} if isinstance(
            schema, dict) else schema  # fmt: skip
        dialect: Any = OAS30Validator if str(document.get("openapi", "")).startswith("3.0") else (
            OAS31Validator)  # fmt: skip
        try:
            dialect.check_schema(root)
        except SchemaError as exc:
            where = "/".join(str(part) for part in exc.absolute_path) or "its root"
            raise SpecSchemaError(f"{exc.message} (at {where})") from None
        checker = oas30_format_checker if dialect is OAS30Validator else oas31_format_checker
        self._validator: Any = dialect(root, format_checker=checker)

    def errors(self, value: object) -> list[ValidationError]:
        try:
            return list(self._validator.iter_errors(value))[:5]
        except Unresolvable as exc:
            raise SpecRefError(str(getattr(exc, "ref", exc))) from None
        except (UnknownType, re.error) as exc:  # what check_schema lets through
            raise SpecSchemaError(str(exc).splitlines()[0]) from None

    def undocumented(self, value: object) -> set[str]:
        """Field paths in `value` that no `properties` of the schema names."""
        return set(_undocumented(self.document, self.schema, value, "", 0))


def _branches(document: dict[str, Any], schema: Any, depth: int) -> list[dict[str, Any]]:
    schema = resolve(document, schema)
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return []
    found = [schema]
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(keyword) or []:
            found += _branches(document, branch, depth + 1)
    return found


def _matches(pattern: str, key: str) -> bool:
    try:
        return re.search(pattern, key) is not None
    except re.error:
        return True  # a pattern we cannot read: give the body the benefit of the doubt


def _undocumented(document: dict[str, Any], schema: Any, value: object, path: str, depth: int
                  ) -> Iterator[str]:  # fmt: skip
    if depth > _MAX_DEPTH:
        return
    branches = _branches(document, schema, depth)
    if isinstance(value, dict):
        properties: dict[str, Any] = {}
        patterns: list[str] = []
        declared = False
        extra: Any = None  # additionalProperties as a schema: a map, every key documented
        for branch in branches:
            if isinstance(branch.get("properties"), dict):
                declared = True
                properties.update(branch["properties"])
            pattern_properties = branch.get("patternProperties")
            if isinstance(pattern_properties, dict):
                patterns += [str(pattern) for pattern in pattern_properties]
            additional = branch.get("additionalProperties")
            if isinstance(additional, dict) and additional:
                extra = additional
        for key, inner in value.items():
            where = f"{path}.{key}" if path else str(key)
            if key in properties:
                yield from _undocumented(document, properties[key], inner, where, depth + 1)
            elif extra is not None:
                yield from _undocumented(document, extra, inner, where, depth + 1)
            elif declared and not any(_matches(p, str(key)) for p in patterns):
                yield where
    elif isinstance(value, list):
        items = next((b["items"] for b in branches if isinstance(b.get("items"), dict)), None)
        if items is not None:
            for inner in value[:_ITEMS_WALKED]:
                yield from _undocumented(document, items, inner, f"{path}[]", depth + 1)
