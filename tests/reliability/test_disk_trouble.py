"""Disk trouble: a full disk or a read-only database is reported, and proxying goes on."""

from __future__ import annotations

import errno
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from inspector.store import open_db
from inspector.testing import wait_until
from tests.capture.capture_servers import Upstream
from tests.capture.capture_support import REPO, ProxyProcess, exchanges_under, start_capture
from tests.commands import run_inspector

pytestmark = [pytest.mark.capture, pytest.mark.timeout(60)]

DISK_BYTES = 4 * 1024 * 1024
REQUESTS = 20
BODY = b"x" * 16 * 1024


def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, timeout=10)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MB filesystem (tmpfs), so that "disk full" and "read-only" are the kernel's."""
    directory = tmp_path / "disk"
    directory.mkdir()
    mounted = _mount("-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(directory))
    if mounted.returncode != 0:
        pytest.skip(f"disk trouble needs root to mount a tmpfs: {mounted.stderr.strip()}")
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], capture_output=True, timeout=10)


@pytest.fixture
def ext4_disk(tmp_path: Path) -> Iterator[Path]:
    """A real ext4 filesystem in a file, loop-mounted: there `chattr +i` makes a file read-only
    for everyone, root included, through descriptors already open (chmod stops neither)."""
    image, directory = tmp_path / "disk.img", tmp_path / "ext4"
    directory.mkdir()
    with image.open("wb") as out:
        out.truncate(32 * 1024 * 1024)
    try:
        made = subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], capture_output=True,
                              text=True, timeout=30)  # fmt: skip
    except FileNotFoundError:
        pytest.skip("a read-only database mid-run needs mkfs.ext4 (Debian's e2fsprogs)")
    assert made.returncode == 0, made.stderr
    mounted = _mount("-o", "loop", str(image), str(directory))
    if mounted.returncode != 0:
        pytest.skip(f"a read-only database mid-run needs root to loop-mount: {mounted.stderr}")
    try:
        yield directory
    finally:
        for path in directory.iterdir():
            subprocess.run(["chattr", "-i", str(path)], capture_output=True, timeout=10)
        subprocess.run(["umount", "-l", str(directory)], capture_output=True, timeout=10)


def _set_immutable(paths: list[Path], on: bool) -> None:
    for path in paths:
        subprocess.run(["chattr", "+i" if on else "-i", str(path)], check=True, timeout=10)


def _fill(directory: Path) -> Path:
    """Take every free byte of the filesystem with one file; return it."""
    ballast = directory / "ballast"
    with ballast.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    return ballast


def _send_all(proxy: ProxyProcess, upstream: Upstream, prefix: str) -> None:
    with httpx.Client(proxy=proxy.url, timeout=10) as http:
        for i in range(REQUESTS):
            response = http.post(upstream.url(f"{prefix}/{i}/echo"), content=BODY)
            assert response.status_code == 200 and response.content == BODY


def _send_and_store(proxy: ProxyProcess, upstream: Upstream, prefix: str) -> None:
    """Send the requests and wait until capture has stored them all (a healthy start)."""
    _send_all(proxy, upstream, prefix)
    wait_until(lambda: len(exchanges_under(proxy.db_path, f"{prefix}/")) == REQUESTS,
               timeout=15, what=f"the {prefix} requests to be stored")  # fmt: skip


def _held_exchanges_land(proxy: ProxyProcess, prefix: str, when: str) -> None:
    """The writer's retries land every exchange it held, and it says writing works again."""
    wait_until(lambda: len(exchanges_under(proxy.db_path, prefix)) == REQUESTS, timeout=30,
               what=f"the held exchanges to be written {when}")  # fmt: skip
    wait_until(lambda: "works again" in proxy.text("stderr"), what="a recovery notice")


def _assert_intact(db_path: Path) -> None:
    conn = open_db(db_path, readonly=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


def _stop(proxy: ProxyProcess) -> int:
    try:
        return int(proxy.stop(timeout=30))
    finally:
        if proxy.process.poll() is None:
            proxy.stop(signal.SIGKILL)


@contextmanager
def _capture_that_recovers(tmp_path: Path, db_path: Path) -> Iterator[ProxyProcess]:
    """`inspector capture` on `db_path` for the body; then it is stopped, and must exit 0 with
    the database intact (the trouble is over and nothing it held is lost)."""
    proxy = start_capture(tmp_path, db_path=db_path)
    try:
        yield proxy
    finally:
        code = _stop(proxy)
    assert code == 0, proxy.text("stderr")
    _assert_intact(db_path)


def test_a_full_disk_is_reported_proxying_goes_on_and_writes_resume_once_there_is_room(
    tmp_path: Path, small_disk: Path, upstream: Upstream
) -> None:
    db_path = small_disk / "capture.db"
    with _capture_that_recovers(tmp_path, db_path) as proxy:
        ballast = _fill(small_disk)
        _send_all(proxy, upstream, "/full")
        wait_until(lambda: f"Cannot write to {db_path}" in proxy.text("stderr"), timeout=15,
                   what="a disk-full report")  # fmt: skip
        stderr = proxy.text("stderr")
        assert f"Cannot write to {db_path}" in stderr and "proxying continues" in stderr, stderr
        # Room again: the writer's retries land what it was holding, nothing lost.
        os.unlink(ballast)
        _held_exchanges_land(proxy, "/full/", "once the disk has room")


def test_a_database_made_read_only_mid_run_is_reported_proxying_goes_on_and_writes_resume(
    tmp_path: Path, ext4_disk: Path, upstream: Upstream
) -> None:
    db_path = ext4_disk / "capture.db"
    with _capture_that_recovers(tmp_path, db_path) as proxy:
        _send_and_store(proxy, upstream, "/writable")
        # The database and its log; the shared-memory index has a test of its own below.
        files = [db_path, Path(f"{db_path}-wal")]
        _set_immutable(files, True)
        try:
            _send_all(proxy, upstream, "/read-only")  # every response arrives: proxying goes on
            wait_until(lambda: "read-only" in proxy.text("stderr"), timeout=15,
                       what="a read-only report")  # fmt: skip
        finally:
            _set_immutable(files, False)
        stderr = proxy.text("stderr")
        assert f"Cannot write to {db_path}" in stderr and "proxying continues" in stderr, stderr
        _held_exchanges_land(proxy, "/read-only/", "once the file is writable")
    assert len(exchanges_under(db_path, "/writable/")) == REQUESTS


def test_a_disk_that_stays_full_does_not_hang_the_stop_which_says_what_was_lost(
    tmp_path: Path, small_disk: Path, upstream: Upstream
) -> None:
    db_path = small_disk / "capture.db"
    proxy = start_capture(tmp_path, db_path=db_path)
    try:
        _fill(small_disk)
        _send_all(proxy, upstream, "/stuck")
        wait_until(lambda: f"Cannot write to {db_path}" in proxy.text("stderr"), timeout=15,
                   what="a disk-full report")  # fmt: skip
    finally:
        code = _stop(proxy)
    stderr = proxy.text("stderr")
    assert code == 1, stderr
    lost = re.search(
        r"Error: (\d+) captured exchanges could not be written to (.+?)\.( \d+ of them are in "
        r"the spool beside it; the next capture on it writes them\.)?$",
        stderr,
        re.M,
    )
    assert lost is not None and lost.group(2) == str(db_path), stderr
    assert "Traceback" not in stderr, stderr
    # Every exchange is accounted for: stored, or counted in the message.
    assert len(exchanges_under(db_path, "/stuck/")) + int(lost.group(1)) == REQUESTS


def _frozen_shm(proxy: ProxyProcess, upstream: Upstream, db_path: Path) -> Path:
    """Make the running capture's -shm immutable, send traffic, and wait for the report."""
    shm = Path(f"{db_path}-shm")
    _set_immutable([shm], True)
    _send_all(proxy, upstream, "/frozen")  # every response arrives: proxying goes on
    wait_until(lambda: "read-only or immutable" in proxy.text("stderr"), timeout=15,
               what="a report of the frozen -shm file")  # fmt: skip
    assert proxy.process.poll() is None, f"capture died ({proxy.process.returncode})"
    return shm


def test_an_immutable_shm_file_mid_run_is_reported_instead_of_killing_capture(
    tmp_path: Path, ext4_disk: Path, upstream: Upstream
) -> None:
    # SQLite maps <db>-shm into memory; the first write through that mapping after `chattr +i`
    # used to kill the capture with SIGBUS, silently, and lose what it had answered.
    db_path = ext4_disk / "capture.db"
    with _capture_that_recovers(tmp_path, db_path) as proxy:
        _send_and_store(proxy, upstream, "/writable")
        shm = _frozen_shm(proxy, upstream, db_path)
        try:
            # Another process still reads the database meanwhile (SQLite maps it read-only).
            stats = run_inspector("stats", "--db", db_path, "--json", cwd=REPO)
            assert stats.returncode == 0, stats.stderr
            assert f'"requests": {REQUESTS}' in stats.stdout
        finally:
            _set_immutable([shm], False)
        _held_exchanges_land(proxy, "/frozen/", "once -shm is writable")


def test_a_stop_while_shm_is_immutable_keeps_the_exchanges_for_the_next_capture(
    tmp_path: Path, ext4_disk: Path, upstream: Upstream
) -> None:
    db_path = ext4_disk / "capture.db"
    proxy = start_capture(tmp_path, db_path=db_path)
    try:
        _send_and_store(proxy, upstream, "/writable")
        shm = _frozen_shm(proxy, upstream, db_path)
    finally:
        code = _stop(proxy)
    stderr = proxy.text("stderr")
    # A clean exit with one true sentence, not a bus error (-7) on closing the database.
    assert code == 1, stderr
    assert stderr.strip().splitlines()[-1] == (
        f"Error: {REQUESTS} captured exchanges could not be written to {db_path}. {REQUESTS} of "
        "them are in the spool beside it; the next capture on it writes them."
    ), stderr
    assert "Traceback" not in stderr, stderr
    assert exchanges_under(db_path, "/frozen/") == []

    _set_immutable([shm], False)
    again = start_capture(tmp_path / "again", db_path=db_path)
    assert _stop(again) == 0, again.text("stderr")
    assert f"Recovered {REQUESTS} exchanges" in again.text("stderr"), again.text("stderr")
    assert len(exchanges_under(db_path, "/frozen/")) == REQUESTS
    assert not list(ext4_disk.glob("capture.db-spool-*")), "the spool was left behind"
    _assert_intact(db_path)


def test_a_read_only_database_is_refused_at_start_naming_the_file(
    tmp_path: Path, small_disk: Path
) -> None:
    db_path = small_disk / "capture.db"
    open_db(db_path).close()
    # chmod does not stop root, and a filesystem with files open for writing cannot be remounted
    # read-only: make it read-only before capture opens the database.
    remounted = _mount("-o", "remount,ro", str(small_disk))
    assert remounted.returncode == 0, remounted.stderr
    run = run_inspector("capture", "--db", db_path, "--listen", "127.0.0.1:0",
                        "--set", f"confdir={tmp_path / 'mitmproxy'}", cwd=REPO)  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip().splitlines()[-1] == (
        f"Error: {db_path} is not writable; choose another file with --db."
    ), run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""


def test_a_database_deleted_under_a_running_capture_is_reported_and_a_new_one_takes_over(
    tmp_path: Path, upstream: Upstream
) -> None:
    # What `rm capture.db*` does to a running capture: SQLite's open connection now writes to a
    # file nobody can see (and refuses: "attempt to write a readonly database").
    db_path = tmp_path / "capture.db"
    proxy = start_capture(tmp_path, db_path=db_path)
    try:
        _send_and_store(proxy, upstream, "/before")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        _send_all(proxy, upstream, "/after")
        wait_until(lambda: len(exchanges_under(db_path, "/after/")) == REQUESTS, timeout=20,
                   what="the later requests to be stored in a new database")  # fmt: skip
        stderr = proxy.text("stderr")
        assert f"{db_path} was deleted or replaced while capturing" in stderr, stderr
    finally:
        code = _stop(proxy)
    stderr = proxy.text("stderr")
    assert code == 0 and "Traceback" not in stderr and "could not be written" not in stderr, stderr
    assert exchanges_under(db_path, "/before/") == []
    # The last line tells the truth: the earlier exchanges went with the deleted file.
    assert (f"Stopped; {REQUESTS} exchanges recorded into {db_path}. {REQUESTS} more went into "
            "the file that was deleted or replaced") in stderr, stderr  # fmt: skip
