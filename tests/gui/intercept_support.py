"""What the Intercept tests share besides their fixtures (tests/gui/conftest.py): timeouts and a
look at what the capture stored."""

from __future__ import annotations

from pathlib import Path

from pytest_httpserver import HTTPServer

from inspector.store import iter_exchanges, open_db

START_TIMEOUT_MS = 30_000
RUN_TIMEOUT_MS = 60_000


def stored(db_path: Path) -> list[tuple[str, str, str]]:
    conn = open_db(db_path, readonly=True)
    try:
        return [(e.scheme, e.path, e.source) for _, e in iter_exchanges(conn)]
    finally:
        conn.close()


def api_url(api: HTTPServer, path: str) -> str:
    return f"https://localhost:{api.port}{path}"
