"""load_config(): reading a TOML file into a Config, with errors that name file, line and key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from inspector.config.errors import ConfigError
from inspector.config.locate import line_of
from inspector.config.pipeline import Config
from inspector.config.schema import build_config

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _deep_line(text: str, depth: int = 100) -> int | None:
    """The line where brackets first nest `depth` deep (quotes ignored: a hint, not a parse)."""
    level = 0
    for index, char in enumerate(text):
        if char in "[{":
            level += 1
            if level >= depth:
                return text.count("\n", 0, index) + 1
        elif char in "]}":
            level = max(0, level - 1)
    return None


def parse_config(text: str, path: Path | None = None) -> Config:
    """A Config from TOML text; `path` names the file in errors and anchors relative paths."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively: thousands deep exhaust it.
        raise ConfigError(
            "invalid TOML: arrays or inline tables nested too deeply",
            file=path,
            line=_deep_line(text),
        ) from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        position = _TOML_POSITION.search(message)
        line = int(position.group(1)) if position else None
        if position:
            message = f"column {position.group(2)}: invalid TOML: {message[: position.start()]}"
        elif message.endswith("(at end of document)"):
            line = text.count("\n") + (0 if text.endswith("\n") else 1)
            message = f"invalid TOML: {message.removesuffix(' (at end of document)')} at the end"
        else:
            message = f"invalid TOML: {message}"
        raise ConfigError(message, file=path, line=line) from None
    base_dir = path.resolve().parent if path is not None else None
    try:
        return build_config(data, path=path, base_dir=base_dir)
    except ConfigError as exc:
        raise exc.located(path, line_of(text, exc.key_path)) from None
    except RecursionError:
        raise ConfigError("the document is nested too deeply", file=path) from None


def default_config() -> Config:
    """The built-in rules: credentials redacted, health checks skipped, no grouping rules."""
    return build_config({})


def load_config(path: Path | None) -> Config:
    """The configuration in `path`, or the built-in defaults for None. Raises ConfigError."""
    if path is None:
        return default_config()
    path = Path(path).expanduser()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("no such configuration file", file=path) from None
    except IsADirectoryError:
        raise ConfigError("is a directory, not a configuration file", file=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read it: {exc.strerror or exc}", file=path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"is not UTF-8 text (byte {exc.start + 1}); TOML files are UTF-8", file=path, line=line
        ) from None
    return parse_config(text, path)
