"""Damaged, foreign and odd database files: one clear sentence, exit 1 or 2, the file untouched.

Every read command (requests, stats, export har/ndjson) is run on databases damaged the ways
disks, copies and people damage them: truncated anywhere, bytes flipped inside pages, a zeroed
page, zero bytes long, another application's database, a directory, a file it may not read. Each
run must end in success or in one "Error:" line naming the file with exit status 1 or 2; never a
traceback, and never a changed byte. Capture, import and demo must refuse the same files
before changing anything.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from inspector.cli import main
from inspector.demo.synthetic import generate_exchanges
from inspector.store import DatabaseError, open_db, write_batch
from tests.commands import run_inspector

pytestmark = pytest.mark.timeout(300)

READ_COMMANDS = [
    ["requests", "--limit", "0"],
    ["requests", "--json", "--limit", "0"],
    ["stats"],
    ["stats", "--json"],
    ["export", "har", "-o", "{out}"],
    ["export", "ndjson", "-o", "-"],
    ["requests", "--filter", "users OR status:5xx"],
]
PAGE = 4096


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a real capture database with a few hundred varied exchanges."""
    path = tmp_path_factory.mktemp("healthy") / "capture.db"
    conn = open_db(path)
    try:
        write_batch(conn, list(generate_exchanges(300, seed=13)))
    finally:
        conn.close()
    return path.read_bytes()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(args: list[str], db: Path, out: Path) -> Result:
    argv = [part.replace("{out}", str(out)) for part in args]
    return CliRunner().invoke(main, [*argv, "--db", str(db)])


def assert_clean_outcome(result: Result, db: Path, what: str) -> None:
    """Success, or exactly one Error line naming the file, with exit 1 or 2 and no traceback."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{what}: {type(result.exception).__name__}") from result.exception
    if result.exit_code == 0:
        return
    assert result.exit_code in (1, 2), f"{what}: exit {result.exit_code}"
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and str(db) in errors[0], f"{what}: {result.stderr!r}"
    assert "Traceback" not in result.output


def _damaged_copies(data: bytes, seed: int) -> Iterator[tuple[str, bytes]]:
    rng = random.Random(seed)
    for size in (1, 50, 99, 100, PAGE - 1, PAGE, PAGE + 1, len(data) // 3, len(data) - PAGE):
        yield f"truncated to {size} bytes", data[:size]
    for _ in range(6):
        size = rng.randrange(len(data))
        yield f"truncated to {size} bytes", data[:size]
    for flips in (1, 1, 1, 5, 5, 20, 20, 200, 200, 2000):
        damaged = bytearray(data)
        for _ in range(flips):
            damaged[rng.randrange(len(data))] = rng.randrange(256)
        yield f"{flips} random bytes replaced", bytes(damaged)
    for page in (1, 2, 3, len(data) // PAGE // 2, len(data) // PAGE - 1):
        damaged = bytearray(data)
        damaged[page * PAGE : (page + 1) * PAGE] = bytes(PAGE)
        yield f"page {page} zeroed", bytes(damaged)
    damaged = bytearray(data)
    damaged[:16] = b"SQLite format 2\x00"
    yield "header overwritten", bytes(damaged)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_read_commands_on_damaged_databases_fail_in_one_sentence_and_change_nothing(
    tmp_path: Path, healthy: bytes, seed: int
) -> None:
    db = tmp_path / "damaged.db"
    outcomes: dict[int, int] = {}
    for what, content in _damaged_copies(healthy, seed):
        db.write_bytes(content)
        before = digest(db)
        for command in READ_COMMANDS:
            result = run(command, db, tmp_path / "out.har")
            assert_clean_outcome(result, db, f"{' '.join(command)} on a database {what}")
            outcomes[result.exit_code] = outcomes.get(result.exit_code, 0) + 1
        assert digest(db) == before, f"reading a database {what} changed it"
        assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    # The corpus really damages: most runs are refused, and the mildest still read.
    assert outcomes.get(2, 0) > outcomes.get(0, 0) > 0, outcomes


def test_a_truncated_database_is_called_damaged_not_foreign(tmp_path: Path, healthy: bytes) -> None:
    db = tmp_path / "cut.db"
    db.write_bytes(healthy[: len(healthy) // 2])
    result = run(["requests"], db, tmp_path / "x")
    assert result.exit_code == 2
    assert "is a damaged SQLite database" in result.stderr or "is damaged" in result.stderr
    assert "not an SQLite database" not in result.stderr


def _foreign_database(path: Path) -> None:
    """Another application's SQLite database, in rollback-journal mode as most are."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.executemany("INSERT INTO notes (body) VALUES (?)", [(f"note {i}",) for i in range(500)])
    conn.commit()
    conn.close()


def _odd_file(kind: str, path: Path, healthy: bytes) -> None:
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "foreign":
        _foreign_database(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "text":
        path.write_text("id,name\n1,not a database\n")
    elif kind == "truncated":
        path.write_bytes(healthy[:9000])


@pytest.mark.parametrize("kind", ["empty", "foreign", "directory", "text", "truncated"])
def test_read_commands_refuse_odd_files_in_one_sentence(
    tmp_path: Path, healthy: bytes, kind: str
) -> None:
    db = tmp_path / "odd.db"
    _odd_file(kind, db, healthy)
    before = digest(db) if db.is_file() else None
    for command in READ_COMMANDS:
        result = run(command, db, tmp_path / "out.har")
        assert_clean_outcome(result, db, f"{' '.join(command)} on {kind}")
        assert result.exit_code == 2, f"{command} on {kind}: {result.output}"
    assert (digest(db) if db.is_file() else None) == before
    assert not (tmp_path / "out.har").exists(), "a failed export leaves no file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odd.db"], "no -wal, -shm or journal"


@contextlib.contextmanager
def _as_nobody() -> Iterator[None]:
    """Root reads any file: act as nobody (in this process) for the duration, when root."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)


def test_a_database_the_user_may_not_read_is_one_sentence(healthy: bytes) -> None:
    # Outside pytest's private temporary folder, which nobody could not even enter.
    folder = Path(tempfile.mkdtemp(prefix="inspector-unreadable-"))
    try:
        folder.chmod(0o755)
        db = folder / "private.db"
        db.write_bytes(healthy)
        db.chmod(0o000)
        with _as_nobody():
            results = [run(command, db, folder / "out.har") for command in READ_COMMANDS]
        for command, result in zip(READ_COMMANDS, results, strict=True):
            assert_clean_outcome(result, db, " ".join(command))
            assert result.exit_code == 2
            assert result.stderr.strip() == f"Error: {db} cannot be read: permission denied."
    finally:
        shutil.rmtree(folder)


@pytest.mark.parametrize("kind", ["foreign", "empty-foreign-journal", "truncated", "damaged"])
def test_writers_never_change_a_file_that_is_not_a_healthy_capture(
    tmp_path: Path, healthy: bytes, kind: str
) -> None:
    db = tmp_path / "theirs.db"
    if kind == "foreign":
        _foreign_database(db)
    elif kind == "empty-foreign-journal":
        # Another application's schema in WAL mode already: still not ours.
        _foreign_database(db)
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.close()
    elif kind == "truncated":
        db.write_bytes(healthy[: len(healthy) // 2])
    else:
        damaged = bytearray(healthy)
        damaged[3 * PAGE : 4 * PAGE] = bytes(PAGE)
        db.write_bytes(bytes(damaged))
    before = digest(db)
    with pytest.raises(DatabaseError) as refused:
        open_db(db)
    assert str(db) in str(refused.value)
    assert digest(db) == before, "open_db changed a file it refused"
    har = tmp_path / "one.har"
    har.write_text(
        '{"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": []}}'
    )
    for argv in (["import", str(har)], ["demo", "--generate", "5"]):
        result = CliRunner().invoke(main, [*argv, "--db", str(db)])
        assert result.exit_code == 2, result.output
        assert result.stderr.count("Error:") == 1 and str(db) in result.stderr
        assert digest(db) == before, f"{argv[0]} changed a file it refused"
    capture = run_inspector("capture", "--db", db, "--listen", "127.0.0.1:0")
    assert capture.returncode == 2, capture.stderr
    assert capture.stderr.count("Error:") == 1 and str(db) in capture.stderr
    assert "Traceback" not in capture.stderr
    assert digest(db) == before, "capture changed a file it refused"
