"""ConfigWatcher: the current Config of a file that may be edited while capturing."""

from __future__ import annotations

import os
import threading
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

    With start_polling() a thread looks at the file every `check_interval` seconds and reloads
    it there, so current() only returns the Config: a reload (TOML, grouping modules, an
    OpenAPI spec) never runs on the proxy's event loop. Without it, current() itself stats the
    file at most once per `check_interval` seconds of `clock`. The first load raises ConfigError
    (a bad file at start is a usage error); later problems only set `last_error`.
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
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None

    def current(self) -> Config:
        if self.path is None or self._poller is not None:
            return self._config  # a swap of one reference: the poller's reload is atomic
        now = self._clock()
        if now - self._checked_at >= self.check_interval:
            self._checked_at = now
            self.poll()
        return self._config

    def poll(self) -> None:
        """Reload the file if it changed since the last look."""
        if self.path is None:
            return
        signature = _signature(self.path)
        if signature != self._signature:
            self._signature = signature
            self._reload()

    def start_polling(self) -> None:
        if self.path is None or self._poller is not None:
            return
        stop = self._stop = threading.Event()
        self._poller = threading.Thread(target=self._poll_until, args=(stop,),
                                        name="inspector-config-watcher", daemon=True)  # fmt: skip
        self._poller.start()

    def stop(self) -> None:
        """End the polling thread; current() checks the file itself again from then on."""
        self._stop.set()
        if self._poller is not None:
            self._poller.join(timeout=5)
            self._poller = None

    def _poll_until(self, stop: threading.Event) -> None:
        while not stop.wait(self.check_interval):
            self.poll()

    def _reload(self) -> None:
        try:
            config = load_config(self.path)
        except ConfigError as exc:
            self.last_error = f"{exc}; keeping the previous configuration"
            return
        self._config = config
        self.generation += 1
        self.last_error = None
