"""Hot reload: edits apply after the check interval; invalid edits keep the last good rules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from inspector.config import ConfigError, ConfigWatcher
from inspector.testing.factories import make_exchange


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _edit(path: Path, text: str) -> None:
    # A new mtime even on file systems with coarse timestamps, as an editor's save would give.
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def _hosts(watcher: ConfigWatcher) -> tuple[str, ...]:
    return watcher.current().capture.hosts


def test_an_edit_applies_after_the_interval(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    _edit(path, '[capture]\nhosts = ["a.local"]\n')
    clock = FakeClock()
    watcher = ConfigWatcher(path, check_interval=1.0, clock=clock)
    assert _hosts(watcher) == ("a.local",)
    _edit(path, '[capture]\nhosts = ["b.local"]\n')
    clock.now += 0.5
    assert _hosts(watcher) == ("a.local",)  # not checked yet: at most one stat per interval
    clock.now += 0.6
    assert _hosts(watcher) == ("b.local",)
    assert watcher.generation == 1 and watcher.last_error is None


def test_an_invalid_edit_keeps_the_last_good_rules_and_reports(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    _edit(path, '[[group]]\nid = "header:x-team"\n')
    clock = FakeClock()
    watcher = ConfigWatcher(path, clock=clock)
    _edit(path, '[[group]]\nid = "header:"\n')
    clock.now += 2
    config = watcher.current()
    assert watcher.last_error is not None
    assert "line 2" in watcher.last_error and "group[1].id" in watcher.last_error
    result = config.process(make_exchange(request_headers=(("X-Team", "red"),)))
    assert result is not None and result.consumer is not None
    assert result.consumer.id == "red"
    _edit(path, '[[group]]\nid = "header:x-squad"\n')
    clock.now += 2
    result = watcher.current().process(make_exchange(request_headers=(("X-Squad", "blue"),)))
    assert result is not None and result.consumer is not None
    assert result.consumer.id == "blue"
    assert watcher.last_error is None


def test_a_deleted_file_keeps_the_rules_until_it_comes_back(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    _edit(path, '[capture]\nhosts = ["a.local"]\n')
    clock = FakeClock()
    watcher = ConfigWatcher(path, clock=clock)
    path.unlink()
    clock.now += 2
    assert _hosts(watcher) == ("a.local",)
    assert watcher.last_error is not None and "no such configuration file" in watcher.last_error
    _edit(path, '[capture]\nhosts = ["c.local"]\n')
    clock.now += 2
    assert _hosts(watcher) == ("c.local",)


def test_a_bad_file_at_start_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[capture\n")
    with pytest.raises(ConfigError, match="line 1"):
        ConfigWatcher(path)


def test_no_path_means_fixed_defaults() -> None:
    watcher = ConfigWatcher(None)
    assert watcher.current() is watcher.current()
    assert watcher.last_error is None


def test_polling_reloads_on_its_own_thread_and_current_only_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from inspector.config import watcher as watcher_module
    from inspector.config.loader import load_config as real_load
    from inspector.testing import wait_until

    path = tmp_path / "config.toml"
    _edit(path, '[capture]\nhosts = ["a.local"]\n')
    watcher = ConfigWatcher(path, check_interval=0.02)
    loaded_on: list[str] = []

    def spying_load(target: Path | None) -> object:
        loaded_on.append(threading.current_thread().name)
        return real_load(target)

    monkeypatch.setattr(watcher_module, "load_config", spying_load)
    watcher.start_polling()
    try:
        _edit(path, '[capture]\nhosts = ["b.local"]\n')
        wait_until(lambda: _hosts(watcher) == ("b.local",), timeout=5, what="the reload")
        _edit(path, "[capture\n")  # broken: the last good rules stay, the problem is told
        wait_until(lambda: watcher.last_error, timeout=5, what="the error")
        assert _hosts(watcher) == ("b.local",)
    finally:
        watcher.stop()
    assert loaded_on and set(loaded_on) == {"inspector-config-watcher"}
    # Stopped, it looks at the file itself again, as before polling started.
    _edit(path, '[capture]\nhosts = ["c.local"]\n')
    watcher.check_interval = 0
    assert _hosts(watcher) == ("c.local",)
