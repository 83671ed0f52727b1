"""resource(): the files shipped in resources/, found from a checkout or an installed wheel."""

from __future__ import annotations

import tomllib

import pytest

from inspector.resource_files import resource


def test_a_shipped_file_is_found_and_readable() -> None:
    example = resource("example-config.toml")
    assert example.is_file()
    assert tomllib.loads(example.read_text(encoding="utf-8"))["schema_version"] == 1


@pytest.mark.parametrize("name", ["no-such-file.toml", "", ".", "icons"])
def test_a_missing_resource_or_a_folder_is_named_in_the_error(name: str) -> None:
    with pytest.raises(FileNotFoundError) as caught:
        resource(name)
    assert str(caught.value) == f"resource {name!r} is not installed"
