"""The configuration file: capture scope, consumer grouping and secret redaction rules."""

from inspector.config.errors import ConfigError
from inspector.config.fingerprint import fingerprint, is_fingerprint
from inspector.config.loader import default_config, load_config, parse_config
from inspector.config.pipeline import Config
from inspector.config.request_view import RequestView
from inspector.config.schema import key_list_redaction
from inspector.config.settings import CaptureSettings, RedactSettings, Retention
from inspector.config.watcher import ConfigWatcher

__all__ = [
    "CaptureSettings",
    "Config",
    "ConfigError",
    "ConfigWatcher",
    "RedactSettings",
    "RequestView",
    "Retention",
    "default_config",
    "fingerprint",
    "is_fingerprint",
    "key_list_redaction",
    "load_config",
    "parse_config",
]
