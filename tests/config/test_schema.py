"""Validating a configuration document and compiling it: every section, and errors that name the
key (and, through the loader, the line)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.config import ConfigError, load_config, parse_config
from inspector.config.fingerprint import fingerprint
from inspector.config.schema import (
    CAPTURE_KEYS,
    CONSUMER_KEYS,
    GROUP_KEYS,
    REDACT_KEYS,
    RETENTION_KEYS,
    TOP_KEYS,
    build_config,
)
from inspector.demo.credentials import make_jwt
from inspector.testing import make_exchange
from tests.config.config_files import error_of, write


def test_every_section(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text("openapi: 3.0.0\npaths: {}\n")
    config = load_config(
        write(
            tmp_path,
            """
            schema_version = 1
            [capture]
            hosts = ["api.local:8000"]
            max_body_bytes = 2048
            openapi = "api.yaml"
            retention = { max_age = "12h", max_exchanges = 5000, max_db_mb = "1GB" }
            [redact]
            deny = ["x-internal"]
            allow = []
            mask = ['sk_\\w+']
            [export.readme]
            api_key = "env:README_API_KEY"
            development = true
            """,
        )
    )
    assert config.capture.hosts == ("api.local:8000",)
    assert config.capture.max_body_bytes == 2048
    assert config.capture.openapi == str(tmp_path / "api.yaml")
    retention = config.capture.retention
    assert (retention.max_age_seconds, retention.max_exchanges, retention.max_db_mb) == (
        43200, 5000, 1024,
    )  # fmt: skip
    assert config.redact.deny[-1] == "x-internal" and config.redact.mask == (r"sk_\w+",)
    assert config.exports == {"readme": {"api_key": "env:README_API_KEY", "development": True}}


def test_builtin_redaction_can_be_switched_off() -> None:
    config = parse_config('[redact]\nbuiltin = false\ndeny = ["x-mine"]')
    assert config.redact.deny == ("x-mine",)
    assert not config.mask.active


@pytest.mark.parametrize(
    ("text", "line", "fragments"),
    [
        ("[capture]\nhostz = []\n", 2, ["capture.hostz", "did you mean 'hosts'"]),
        ("[capture]\nmax_body_bytes = true\n", 2, ["max_body_bytes", "expected an integer"]),
        ("[capture]\nmax_body_bytes = -1\n", 2, ["must be 0 or more"]),
        ("[capture]\nhosts = [1]\n", 2, ["capture.hosts[1]", "expected a string"]),
        ("[capture]\nhosts = ['a:b']\n", 2, ["capture.hosts[1]", "not a port number"]),
        ("[capture]\nexclude_paths = ['ok', '(']\n", 2, ["exclude_paths[2]", "bad regular"]),
        (
            "\n[capture]\nretention = { max_age = '7 days' }\n",
            3,
            ["capture.retention.max_age", "duration such as"],
        ),
        ("[capture.retention]\nmax_exchanges = 0\n", 2, ["max_exchanges", "positive"]),
        (
            "[[group]]\nid = 'header:a'\n\n[[group]]\nid = 'nope:x'\n",
            5,
            ["group[2].id", "unknown source"],
        ),
        ("[[group]]\nlabel = 'header:a'\n", 1, ["group[1]", "needs `id`"]),
        ("[[group]]\nid = 'header:a'\nlabel = 'bearer'\n", 3, ["group[1].label", "credential"]),
        (
            "[[group]]\nfunction = 'no_such_module_xyz:f'\n",
            2,
            ["group[1].function", "ModuleNotFoundError"],
        ),
        ("[[group]]\nfunction = 'os:sep'\n", 2, ["not callable"]),
        ("[[group]]\nfunction = 'nocolon'\n", 2, ['"module:callable"']),
        ("[[group]]\nfunction = 'os:getcwd'\nid = 'ip'\n", 3, ["takes no id"]),
        ("[[consumer]]\nid = 'a'\n[[consumer]]\nid = 'a'\n", 4, ["consumer[2].id", "consumer[1]"]),
        ("[[consumer]]\nid = 'a'\nlabel = '" + "x" * 65 + "'\n", 3, ["limit is 64"]),
        ("[[consumer]]\nid = '" + "x" * 129 + "'\n", 2, ["limit is 128"]),
        ("[[consumer]]\nlabel = 'x'\n", 1, ["needs an `id`"]),
        ("[redact]\nmask = ['[a-']\n", 2, ["redact.mask[1]", "bad regular expression"]),
        ("[redact]\ndeny = ['']\n", 2, ["redact.deny[1]", "empty key name"]),
        ("[redact]\nallow = 'id'\n", 2, ["redact.allow", "expected an array, got a string"]),
        ("schema_version = 2\n", 1, ["newer API Inspector", "schema_version 2"]),
        ("schema_version = 'one'\n", 1, ["schema_version"]),
        ("[export]\nreadme = 1\n", 2, ["export.readme", "expected an [export.readme] table"]),
        ("capture = 3\n", 1, ["capture", "expected a table"]),
        ("colour = 'red'\n", 1, ["colour", "unknown key"]),
        ("group = {}\n", 1, ["expected [[group]] tables"]),
    ],
)
def test_errors_name_the_key_and_line(
    tmp_path: Path, text: str, line: int, fragments: list[str]
) -> None:
    error = error_of(tmp_path, text)
    assert error.line == line, str(error)
    for fragment in fragments:
        assert fragment in str(error)


# Hypothesis: whatever the document, the loader raises ConfigError or returns a Config.
_VOCABULARY = list({*TOP_KEYS, *CAPTURE_KEYS, *RETENTION_KEYS, *GROUP_KEYS, *CONSUMER_KEYS,
                    *REDACT_KEYS, "readme", "bogus"})  # fmt: skip
_SCALARS = st.one_of(
    st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True), st.text(max_size=12),
    st.sampled_from(["header:x", "jwt:a.b", "bearer", "7d", "2GB", "(", "os:getcwd", "*", ""]),
)  # fmt: skip
_VALUES = st.recursive(
    _SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(_VOCABULARY), children, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(_VOCABULARY), _VALUES, max_size=5))
def test_any_document_gives_a_config_or_a_config_error(document: dict[str, Any]) -> None:
    try:
        build_config(document)
    except ConfigError as exc:
        assert str(exc)


def test_retention_takes_plain_numbers_but_never_a_boolean() -> None:
    retention = build_config({"capture": {"retention": {"max_age": 3600, "max_db_mb": 50}}})
    assert retention.capture.retention.max_age_seconds == 3600
    assert retention.capture.retention.max_db_mb == 50
    for bad in (True, 0, -5, 1.5):
        with pytest.raises(ConfigError, match="expected a positive integer or a string") as caught:
            build_config({"capture": {"retention": {"max_age": bad}}})
        assert caught.value.key_path == ("capture", "retention", "max_age")


@pytest.mark.parametrize("version", [0, True, 1.0, "1"])
def test_schema_version_must_be_a_positive_integer(version: object) -> None:
    with pytest.raises(ConfigError, match="expected a positive integer"):
        build_config({"schema_version": version})


def test_without_group_rules_a_jwt_subject_then_an_api_key_names_the_consumer() -> None:
    config = build_config({})
    jwt = make_jwt({"sub": "u-1", "name": "Ada", "email": "ada@example.test"})
    by_jwt = config.process(make_exchange(request_headers=(("Authorization", f"Bearer {jwt}"),)))
    assert by_jwt is not None and by_jwt.consumer is not None
    assert (by_jwt.consumer.id, by_jwt.consumer.label) == ("u-1", "Ada")
    by_key = config.process(make_exchange(request_headers=(("X-Api-Key", "key-acme-000001"),)))
    assert by_key is not None and by_key.consumer is not None
    # A credential names the consumer only as its fingerprint.
    assert by_key.consumer.id == fingerprint("key-acme-000001")
