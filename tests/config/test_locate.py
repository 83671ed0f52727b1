"""Finding the line of a key path in TOML text."""

from __future__ import annotations

from inspector.config.locate import key_lines, line_of

TEXT = '''schema_version = 1
notes = """
[capture]
hosts = "inside a string"
"""

[capture]
hosts = []
retention = { max_age = "7d", max_db_mb = 5 }

[[group]]
id = "header:a"

[[group]]
"id" = "jwt:sub"

[redact.extra]
deny.deep = 1
'''


def test_tables_keys_inline_tables_and_arrays_of_tables() -> None:
    lines = key_lines(TEXT)
    assert lines[("capture",)] == 7
    assert lines[("capture", "hosts")] == 8
    assert lines[("capture", "retention", "max_db_mb")] == 9
    assert lines[("group", 0, "id")] == 12
    assert lines[("group", 1, "id")] == 15
    assert lines[("redact", "extra", "deny", "deep")] == 18


def test_unknown_paths_fall_back_to_the_nearest_enclosing_key() -> None:
    assert line_of(TEXT, ("capture", "hosts", 3)) == 8
    assert line_of(TEXT, ("group", 1, "label")) == 14
    assert line_of(TEXT, ("nothing",)) is None
