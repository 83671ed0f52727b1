"""Loading configuration files: defaults, every section, and errors naming file, line and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.config import ConfigError, load_config, parse_config
from inspector.config.schema import (
    CAPTURE_KEYS,
    CONSUMER_KEYS,
    GROUP_KEYS,
    REDACT_KEYS,
    RETENTION_KEYS,
    TOP_KEYS,
    build_config,
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "inspector.toml"
    path.write_text(text)
    return path


def error_of(tmp_path: Path, text: str) -> ConfigError:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.exit_code == 2
    assert str(path) in str(caught.value)
    return caught.value


def test_no_file_means_builtin_defaults() -> None:
    config = load_config(None)
    assert config.capture.max_body_bytes == 1024 * 1024
    assert config.capture.hosts == ()
    assert "authorization" in config.redact.deny
    assert config.exports == {}


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


def test_toml_syntax_errors_give_line_and_column(tmp_path: Path) -> None:
    error = error_of(tmp_path, "[capture]\nhosts = [\n  'a'\n  'b'\n]\n")
    assert error.line == 4
    assert "column" in str(error) and "invalid TOML" in str(error)


def test_unreadable_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path)
    (tmp_path / "latin1.toml").write_bytes(b"# caf\xe9\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(tmp_path / "latin1.toml")


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


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="[]{}=\"'.,#\n abcgroupidheader:xcapturehosts1", max_size=80),
        st.text(max_size=40),
    )
)
def test_any_text_gives_a_config_or_a_config_error(text: str) -> None:
    try:
        parse_config(text)
    except ConfigError as exc:
        assert str(exc)
