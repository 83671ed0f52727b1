"""Where things live by default: the capture database and the configuration file."""

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
