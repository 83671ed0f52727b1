"""Schemas sketched from values: each value seen validates; the schema says no more than seen."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from inspector.contract.sketch import MAX_PROPERTIES, Sketch, scalar


def _schema(*values: object) -> dict[str, Any]:
    sketch = Sketch()
    for value in values:
        sketch.add(value)
    return sketch.schema()


def test_required_is_what_every_object_had_and_null_makes_a_type_nullable() -> None:
    schema = _schema({"id": 1, "note": None}, {"id": 2, "note": "x", "tag": "a"})
    assert schema["type"] == "object"
    assert schema["required"] == ["id", "note"]
    assert schema["properties"]["note"]["type"] == ["string", "null"]
    assert schema["properties"]["tag"] == {"type": "string"}


def test_integers_and_decimals_at_one_place_are_numbers() -> None:
    assert _schema(3, 2.5) == {"type": "number"}
    assert _schema(3, 4) == {"type": "integer"}
    assert _schema(True, False) == {"type": "boolean"}


def test_formats_hold_only_when_every_value_matched() -> None:
    assert _schema("2026-12-04T05:50:56Z", "2026-01-01T00:00:00.5+02:00")["format"] == "date-time"
    assert _schema("2026-12-04")["format"] == "date"
    assert _schema("550e8400-e29b-41d4-a716-446655440000")["format"] == "uuid"
    assert _schema("ada@example.com")["format"] == "email"
    assert _schema("https://example.com/a?b=c")["format"] == "uri"
    assert "format" not in _schema("2026-12-04", "yesterday")


def test_an_enum_needs_repeated_code_like_values() -> None:
    statuses = ["paid", "shipped", "refunded"] * 4
    assert _schema(*statuses)["enum"] == ["paid", "refunded", "shipped"]
    # Too few observations: three names seen once each are names, not a closed set.
    assert "enum" not in _schema("ada", "grace", "alan")
    # Prose and masked secrets never become an enum, however often they repeat.
    assert "enum" not in _schema(*["Not found."] * 20)
    assert "enum" not in _schema(*["[REDACTED]"] * 20)
    # A nullable enum lists null, or a null value would fail its own schema.
    assert _schema(*statuses, None)["enum"] == ["paid", "refunded", "shipped", None]


def test_memory_is_bounded_by_the_shape_not_the_values() -> None:
    sketch = Sketch()
    for i in range(5_000):
        sketch.add({f"key{i}": i, "id": f"value-{i}"})
    assert len(sketch.properties) == MAX_PROPERTIES and sketch.more_properties
    assert sketch.properties["id"].strings is None  # distinct values are not kept
    deep: object = "leaf"
    for _ in range(100):
        deep = {"a": deep}
    assert _schema(deep)["type"] == "object"  # no recursion error; depth is cut


def test_query_and_path_values_read_as_the_type_they_spell() -> None:
    assert [scalar(v) for v in ("42", "-7", "2.5", "true", "false", "abc", "007x")] == [
        42,
        -7,
        2.5,
        True,
        False,
        "abc",
        "007x",
    ]
    assert scalar("1" * 30) == "1" * 30  # too long for an integer: an identifier


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(
        [
            "paid",
            "shipped",
            "2026-12-04",
            "2026-13-45",
            "2026-12-04T05:50:56Z",
            "2026-12-04T05:50:56+0200",
            "ada@example.com",
            "x y",
            "10.0.0.1",
            "010.0.0.1",
            "550e8400-e29b-41d4-a716-446655440000",
            "https://x.test/a",
        ]
    )
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(json_values, min_size=1, max_size=30))
def test_every_value_seen_validates_against_the_sketched_schema(values: list[object]) -> None:
    schema = _schema(*values)
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for value in values:
        assert not list(validator.iter_errors(value)), (value, schema)


def test_a_date_shaped_string_that_is_no_date_has_no_format() -> None:
    assert "format" not in _schema("2026-13-45")
    assert "format" not in _schema("2026-12-04T25:61:00Z")
    assert "format" not in _schema("2026-12-04 05:50:56Z")  # RFC 3339 wants the T
    assert "format" not in _schema("010.0.0.1")
    assert _schema("10.0.0.1")["format"] == "ipv4"
