"""Loading configuration files: defaults, reading the file, TOML syntax errors with their line and
column. What the keys may hold is tests/config/test_schema.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.config import ConfigError, load_config, parse_config
from tests.config.config_files import error_of


def test_no_file_means_builtin_defaults() -> None:
    config = load_config(None)
    assert config.capture.max_body_bytes == 1024 * 1024
    assert config.capture.hosts == ()
    assert "authorization" in config.redact.deny
    assert config.exports == {}


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
