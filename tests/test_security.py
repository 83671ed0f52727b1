"""Security of what the tool writes, without a proxy: private files and folders whatever the
umask, and credentials a service echoes back never reach an error message."""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspector.exporters.delivery import service_message
from inspector.exporters.transport import HttpRequest, HttpResponse
from inspector.store import open_db, write_batch
from inspector.testing import make_exchange
from tests.commands import run_inspector

REPO = Path(__file__).resolve().parents[1]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    # The most common umask: files readable by everyone unless the tool says otherwise.
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_database_wal_shm_and_new_folder_are_owner_only(
    tmp_path: Path, permissive_umask: None
) -> None:
    db_path = tmp_path / "new-data-dir" / "capture.db"
    conn = open_db(db_path)
    try:
        write_batch(conn, [make_exchange()])
        files = [db_path, db_path.with_name("capture.db-wal"), db_path.with_name("capture.db-shm")]
        for path in files:
            assert _mode(path) & 0o077 == 0, f"{path.name} is {oct(_mode(path))}"
    finally:
        conn.close()
    assert _mode(db_path.parent) & 0o077 == 0, oct(_mode(db_path.parent))


def test_an_existing_folder_keeps_its_permissions(tmp_path: Path, permissive_umask: None) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    open_db(shared / "capture.db").close()
    assert _mode(shared) == 0o755  # not ours to change
    assert _mode(shared / "capture.db") == 0o600


@pytest.mark.parametrize("kind", ["ndjson", "har"])
def test_export_files_are_owner_only(tmp_path: Path, kind: str) -> None:
    db_path = tmp_path / "capture.db"
    conn = open_db(db_path)
    write_batch(conn, [make_exchange()])
    conn.close()
    target = tmp_path / f"out.{kind}"
    result = run_inspector(
        "export", kind, "--db", db_path, "-o", target,
        cwd=REPO, preexec_fn=lambda: os.umask(0o022),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert _mode(target) == 0o600


@pytest.mark.parametrize(
    "echo",
    [
        "bad key: Basic {basic}",
        '{{"error": "invalid api key {key}"}}',
        "token {key} revoked",
        '{{"message": "key {basic} is not valid", "sent": "{key}"}}',
    ],
)
def test_a_refusal_echoing_the_credential_is_reported_without_it(echo: str) -> None:
    key = "sk_live_SECRET0123456789abcdef"
    basic = base64.b64encode(f"{key}:".encode()).decode()
    request = HttpRequest(
        method="POST",
        url="http://127.0.0.1:9/v1/request",
        headers=(
            ("Authorization", f"Basic {basic}"),
            ("X-Api-Key", key),
            ("Content-Type", "application/json"),
        ),
    )
    response = HttpResponse(status=401, headers={}, body=echo.format(key=key, basic=basic).encode())
    message = service_message(response, 160, sent=request)
    assert key not in message and basic not in message and "SECRET" not in message
    assert "[redacted]" in message
