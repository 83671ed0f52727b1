"""`inspector [gui]`: the default command, and a clear exit when there is no display."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.commands import inspector_argv, run_inspector

pytestmark = pytest.mark.gui


def _without_display(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}  # fmt: skip
    env["INSPECTOR_DB"] = str(tmp_path / "capture.db")
    return env


@pytest.mark.parametrize("args", [[], ["gui"], ["--demo"], ["gui", "--listen", "127.0.0.1:0"]])
def test_no_display_exits_2_naming_xvfb_run_and_capture(tmp_path: Path, args: list[str]) -> None:
    done = run_inspector(*args, env=_without_display(tmp_path))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("Error: No display found")
    assert "xvfb-run" in done.stderr and "inspector capture" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "capture.db").exists()  # nothing created before the check


def test_a_bad_listen_address_is_refused_before_any_window(tmp_path: Path) -> None:
    env = _without_display(tmp_path)
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = run_inspector("gui", "--listen", "localhost", env=env)
    assert done.returncode == 2
    assert "HOST:PORT" in done.stderr


def test_a_foreign_database_is_refused_before_any_window(tmp_path: Path) -> None:
    foreign = tmp_path / "notes.txt"
    foreign.write_text("my notes")
    env = _without_display(tmp_path)
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = run_inspector("--db", foreign, env=env)
    assert done.returncode == 2
    assert "not an SQLite database" in done.stderr
    assert foreign.read_text() == "my notes"


@pytest.mark.every_python  # the app starts, proxies and stops on each supported Python
def test_demo_runs_end_to_end_and_quits_cleanly_on_sigterm(tmp_path: Path) -> None:
    import signal
    import sqlite3
    import time

    env = _without_display(tmp_path)
    env.update(QT_QPA_PLATFORM="offscreen", TMPDIR=str(tmp_path), HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path / "config"))  # fmt: skip
    app = subprocess.Popen(
        inspector_argv("--demo"),
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip

    def captured() -> int:
        for db in tmp_path.glob("api-inspector-demo-*/demo.db"):
            try:
                conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
                try:
                    return int(conn.execute("SELECT count(*) FROM exchanges").fetchone()[0])
                finally:
                    conn.close()
            except sqlite3.Error:
                return 0
        return 0

    try:
        deadline = time.monotonic() + 60
        while captured() < 10:
            assert app.poll() is None, app.stderr.read() if app.stderr else ""
            assert time.monotonic() < deadline, "the demo captured nothing within 60 s"
            time.sleep(0.1)  # polling a condition with a deadline, not waiting for time
        app.send_signal(signal.SIGTERM)
        _, stderr = app.communicate(timeout=30)
    finally:
        if app.poll() is None:
            app.kill()
    assert app.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert not list(tmp_path.glob("api-inspector-demo-*"))  # temporary database removed
    leftovers = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "capture" in text and str(tmp_path) in text:
            leftovers.append(text)
    assert leftovers == []  # the proxy child stopped with the app
    # The app's settings hold its filter history, which can hold a token: owner only.
    settings = tmp_path / "config" / "api-inspector" / "app-settings.ini"
    assert "[" in settings.read_text()  # written by the app, not only created
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.parent.stat().st_mode) == 0o700
