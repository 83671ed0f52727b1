"""ConfigError: the one line a user reads, naming file, line and key path (1-based indices,
quoted keys where TOML would quote them), and how it keeps its place when located later."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector.config.errors import ConfigError, KeyPath, format_key_path


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), ""),
        (("capture",), "capture"),
        (("group", 0, "id"), "group[1].id"),
        (("group", 1, "match", 2), "group[2].match[3]"),
        (("export", "my-staging_2", "token"), "export.my-staging_2.token"),
        (("export", "my staging", "token"), 'export."my staging".token'),
        (("redaction", "x.y"), 'redaction."x.y"'),
        (("headers", ""), 'headers.""'),
    ],
)
def test_key_paths_read_as_the_user_wrote_them(path: KeyPath, text: str) -> None:
    assert format_key_path(path) == text


def test_the_message_names_file_line_and_key_in_that_order() -> None:
    error = ConfigError(
        "must be a list", key_path=("group", 0, "id"), file=Path("/etc/c.toml"), line=7
    )
    assert str(error) == "/etc/c.toml, line 7, group[1].id: must be a list"
    assert error.exit_code == 2


@pytest.mark.parametrize(
    ("file", "line", "key_path", "text"),
    [
        (None, None, (), "unknown key"),
        (Path("c.toml"), None, (), "c.toml: unknown key"),
        (None, 3, (), "line 3: unknown key"),
        (None, None, ("capture", "hosts"), "capture.hosts: unknown key"),
        (Path("c.toml"), 0, ("x",), "c.toml, x: unknown key"),  # line 0 is no line
    ],
)
def test_missing_parts_are_left_out(
    file: Path | None, line: int | None, key_path: KeyPath, text: str
) -> None:
    assert str(ConfigError("unknown key", key_path=key_path, file=file, line=line)) == text


def test_locating_an_error_adds_the_file_and_keeps_a_known_line() -> None:
    bare = ConfigError("not a number", key_path=("capture", "max_body_bytes"))
    placed = bare.located(Path("config.toml"), 12)
    assert str(placed) == "config.toml, line 12, capture.max_body_bytes: not a number"
    assert (placed.message, placed.key_path) == (bare.message, bare.key_path)
    assert str(bare) == "capture.max_body_bytes: not a number"  # the original is unchanged
    exact = ConfigError("not a number", line=4).located(Path("config.toml"), 12)
    assert str(exact) == "config.toml, line 4: not a number"
    assert str(bare.located(None, None)) == "capture.max_body_bytes: not a number"
