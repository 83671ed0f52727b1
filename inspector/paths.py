"""Where things live by default: the capture database, the configuration and the app's settings."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "api-inspector"


def default_db_path() -> Path:
    """`INSPECTOR_DB`, else `capture.db` in the platform's user data directory."""
    env = os.environ.get("INSPECTOR_DB")
    if env:
        return Path(env).expanduser()
    return platformdirs.user_data_path(APP_NAME) / "capture.db"


def default_config_path() -> Path | None:
    """`INSPECTOR_CONFIG`, else `config.toml` in the user config directory when it exists."""
    env = os.environ.get("INSPECTOR_CONFIG")
    if env:
        return Path(env).expanduser()
    candidate = platformdirs.user_config_path(APP_NAME) / "config.toml"
    return candidate if candidate.exists() else None


def private_app_settings_file() -> Path:
    """The app's own settings file (layout, filter history), made private if it is not.

    Private because a filter can hold a token someone searched for. Created 0600 in a 0700
    folder when missing; Qt keeps a file's mode when it rewrites it.
    """
    path = platformdirs.user_config_path(APP_NAME) / "app-settings.ini"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    os.chmod(path, 0o600)  # a file from before this rule was world-readable
    return path
