"""ConfigWatcher: the current Config of a file that may be edited while capturing."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from inspector.config.errors import ConfigError
from inspector.config.loader import load_config
from inspector.config.pipeline import Config

_Signature = tuple[int, int, int] | None


def _signature(path: Path) -> _Signature:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


class ConfigWatcher:
    """Reloads the file when it changes; an invalid edit keeps the last good Config.

    current() is cheap enough to call for every flow: it stats the file at most once per
    `check_interval` seconds of `clock`. The first load raises ConfigError (a bad file at start
    is a usage error); later problems only set `last_error`.
    """

    def __init__(
        self,
        path: Path | None,
        *,
        check_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path).expanduser() if path is not None else None
        self.check_interval = check_interval
        self.last_error: str | None = None
        # Increments on every successful reload, so a caller can tell "reloaded" apart.
        self.generation = 0
        self._clock = clock
        self._signature = _signature(self.path) if self.path is not None else None
        self._config = load_config(self.path)
        self._checked_at = clock()

    def current(self) -> Config:
        if self.path is None:
            return self._config
        now = self._clock()
        if now - self._checked_at < self.check_interval:
            return self._config
        self._checked_at = now
        signature = _signature(self.path)
        if signature != self._signature:
            self._signature = signature
            self._reload()
        return self._config

    def _reload(self) -> None:
        try:
            config = load_config(self.path)
        except ConfigError as exc:
            self.last_error = f"{exc}; keeping the previous configuration"
            return
        self._config = config
        self.generation += 1
        self.last_error = None
