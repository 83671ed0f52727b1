"""Where things live by default: the environment variables win, else the platform's user folders
(XDG on Linux); the app's settings file is kept private."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from inspector.paths import default_config_path, default_db_path, private_app_settings_file

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="XDG folders are Linux's")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private home with its own XDG folders, and none of our variables set."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("INSPECTOR_DB", raising=False)
    monkeypatch.delenv("INSPECTOR_CONFIG", raising=False)
    return tmp_path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_defaults_to_the_user_data_folder(home: Path) -> None:
    assert default_db_path() == home / "data" / "api-inspector" / "capture.db"
    assert not (home / "data").exists()  # naming the default creates nothing


def test_inspector_db_wins_and_a_tilde_means_home(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSPECTOR_DB", "~/captures/ünï.db")
    assert default_db_path() == home / "captures" / "ünï.db"
    monkeypatch.setenv("INSPECTOR_DB", "")
    assert default_db_path() == home / "data" / "api-inspector" / "capture.db"


def test_the_configuration_is_used_only_when_the_file_exists(home: Path) -> None:
    assert default_config_path() is None
    config = home / "config" / "api-inspector" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("schema_version = 1\n")
    assert default_config_path() == config


def test_inspector_config_wins_even_before_the_file_exists(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Named explicitly, a missing file is the loader's error to report, not a silent default.
    monkeypatch.setenv("INSPECTOR_CONFIG", "~/team.toml")
    assert default_config_path() == home / "team.toml"


def test_the_app_settings_file_is_created_private(home: Path) -> None:
    path = private_app_settings_file()
    assert path == home / "config" / "api-inspector" / "app-settings.ini"
    assert path.read_bytes() == b""
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700


def test_an_older_world_readable_settings_file_is_made_private_and_kept(home: Path) -> None:
    path = home / "config" / "api-inspector" / "app-settings.ini"
    path.parent.mkdir(parents=True)
    path.write_text("[filters]\nhistory=token:abc\n")
    path.chmod(0o644)
    assert private_app_settings_file() == path
    assert _mode(path) == 0o600
    assert path.read_text() == "[filters]\nhistory=token:abc\n"
