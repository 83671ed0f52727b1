"""Writing a configuration file and catching the error loading it raises, for the loader's and
the schema's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector.config import ConfigError, load_config


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
