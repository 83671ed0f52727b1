"""Opening capture databases: create or migrate, and refuse anything we must not touch."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from sqlite_utils import Database

from inspector.errors import InspectorError
from inspector.store import rollups
from inspector.store.schema import migrations


class DatabaseError(InspectorError):
    """A database that cannot be used; the message names the file and what to do."""


WAL_SIZE_LIMIT_BYTES = 4 * 1024 * 1024


def _access(path: Path, mode: int) -> bool:
    """os.access for the identity that will open the file (the effective one, where known)."""
    effective = os.access in os.supports_effective_ids
    return os.access(path, mode, effective_ids=effective)


def _check_existing_file(path: Path) -> None:
    # Only stat() here, never open(): closing any descriptor on a database file drops every
    # POSIX lock this process holds on it, including those of its open SQLite connections.
    if path.is_dir():
        raise DatabaseError(f"{path} is a directory, not a capture database.")
    if not _access(path, os.R_OK):
        raise DatabaseError(f"{path} cannot be read: permission denied.")


_SQLITE_HEADER = b"SQLite format 3\x00"
# A writable open checks the file's structure first (PRAGMA quick_check), so that capture never
# writes into a damaged file; on a file too large to check in this time the check is skipped.
QUICK_CHECK_BUDGET_S = 1.0


def _header(path: Path) -> bytes:
    """The first bytes of the file; only called once SQLite has refused it (see above)."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(_SQLITE_HEADER))
    except OSError:
        return b""


def _check_is_sqlite(conn: sqlite3.Connection, path: Path, readonly: bool) -> None:
    """SQLite reads the header itself; a file that is not a database is refused untouched."""
    try:
        conn.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as exc:
        # No connection of ours can hold locks on a file SQLite refuses, so reading it is safe.
        if path.stat().st_size == 0:
            return  # an empty file is an empty database: SQLite reads it as one
        if _header(path) == _SQLITE_HEADER:
            raise DatabaseError(
                f"{path} is a damaged SQLite database ({exc}): truncated or overwritten. "
                f"`sqlite3 {path} .recover` may rescue what is left; choose another file with --db."
            ) from exc
        # A reader (File > Open, Compare, `inspector requests`) was never going to write it.
        refusal = "." if readonly else "; refusing to overwrite it."
        raise DatabaseError(f"{path} is not an SQLite database{refusal}") from exc


def _check_not_damaged(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a damaged database before anything is written into it (within a time budget)."""
    deadline = time.monotonic() + QUICK_CHECK_BUDGET_S
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        problems = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
    except sqlite3.OperationalError as exc:
        if "interrupt" in str(exc):
            return  # too large to check at start: write errors are still reported as they come
        problems = [str(exc)]
    except sqlite3.DatabaseError as exc:
        problems = [str(exc)]
    finally:
        conn.set_progress_handler(None, 0)
    if problems != ["ok"]:
        raise DatabaseError(
            f"{path} is damaged ({'; '.join(problems)}); refusing to write into it. "
            f"`sqlite3 {path} .recover` may rescue what is left; choose another file with --db."
        )


def _create_database(path: Path) -> None:
    """Make a new, migrated capture database appear at path whole, readable by its owner only.

    It is built under a temporary name and then linked into place, so that a reader (the app
    beside a proxy that is starting, or following a replaced file) never opens a half-made one.
    Private, because captures hold other people's traffic.
    """
    try:
        # A folder we create (the user data directory) is private too; existing ones are kept.
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"Cannot create {path}: {path.parent} is not a directory.") from exc
    scratch = path.with_name(f".{path.name}.{os.getpid()}.new")
    try:
        os.close(os.open(scratch, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise DatabaseError(f"Cannot create {path}: {exc.strerror}.") from exc
    try:
        conn = sqlite3.connect(scratch)
        try:
            _configure(conn, readonly=False)
            migrations.apply(Database(conn))
        finally:
            conn.close()  # folds the write-ahead log into the file
        try:
            os.link(scratch, path)  # unlike rename, never replaces a file made meanwhile
        except FileExistsError:
            pass  # another process made it first: that one is used
        except OSError:
            if not path.exists():  # a filesystem without hard links (some network mounts)
                os.replace(scratch, path)
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseError(f"Cannot create {path}: {exc}.") from exc
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{scratch}{suffix}").unlink(missing_ok=True)


def _configure(conn: sqlite3.Connection, readonly: bool) -> None:
    conn.execute("PRAGMA busy_timeout = 5000")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL in WAL mode loses at most the last commits on power loss, never consistency.
        conn.execute("PRAGMA synchronous = NORMAL")
        # The log keeps the size of its largest transaction unless told otherwise.
        conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT_BYTES}")
    conn.execute("PRAGMA foreign_keys = ON")


def _check_schema(db: Database, path: Path, readonly: bool) -> None:
    known = {m.name for m in migrations._migrations}
    try:
        applied = {m.name for m in migrations.applied(db)}
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        # Its schema cannot even be read: damaged (or, rarely, written in another text encoding).
        raise DatabaseError(
            f"{path} is a damaged SQLite database ({exc}); its schema cannot be read. "
            f"`sqlite3 {path} .recover` may rescue what is left; choose another file with --db."
        ) from exc
    unknown = applied - known
    if unknown:
        raise DatabaseError(
            f"{path} was written by a newer version of API Inspector "
            f"(schema {', '.join(sorted(unknown))}); upgrade API Inspector to open it."
        )
    if not applied:
        tables = set(db.table_names())
        if tables:
            raise DatabaseError(
                f"{path} is an SQLite database of another application; "
                "refusing to modify it. Choose a new file with --db."
            )
        if readonly:
            raise DatabaseError(f"{path} is empty: no traffic has been captured into it.")


def _has_pending_migrations(db: Database) -> bool:
    applied = {m.name for m in migrations.applied(db)}
    return any(m.name not in applied for m in migrations._migrations)


def _upgrade(path: Path) -> None:
    """Bring a database of an older version up to date, so that readers find every column.

    Migrations only add (a column with its default, a table): no captured row changes.
    """
    if not os.access(path, os.W_OK):
        raise DatabaseError(
            f"{path} was written by an older version of API Inspector and is read-only, so it "
            "cannot be upgraded; make it writable or copy it."
        )
    open_db(path).close()


def file_identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """(device, inode) of the file at path now, or None if there is none.

    An open connection keeps using a database file that was deleted or replaced, silently (in
    WAL mode even writes succeed, into a file nobody will see): compare identities to notice.
    """
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def open_db(path: str | os.PathLike[str], *, readonly: bool = False) -> sqlite3.Connection:
    """Open (creating and migrating when writable) a capture database.

    Raises DatabaseError with a plain message for a file that is not SQLite, belongs to another
    application, comes from a newer schema, or cannot be written.
    """
    path = Path(path)
    if path.exists():
        _check_existing_file(path)
    elif readonly:
        raise DatabaseError(f"{path} does not exist.")
    else:
        _create_database(path)
    if not readonly and not _access(path, os.W_OK):
        raise DatabaseError(f"{path} is not writable; choose another file with --db.")
    sidecars = [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal")]
    absent = [sidecar for sidecar in sidecars if not sidecar.exists()]
    try:
        if readonly:
            conn = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
        else:
            conn = sqlite3.connect(path, check_same_thread=False)
        try:
            _checked(conn, path, readonly)
        except (DatabaseError, sqlite3.DatabaseError):
            conn.close()
            _remove_new_sidecars(absent)
            raise
        if readonly and _has_pending_migrations(Database(conn)):
            # An older version's file: readers need every column, so bring it up to date.
            conn.close()
            _upgrade(path)
            return open_db(path, readonly=True)
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path} cannot be opened: {exc}.") from exc
    return conn


def _remove_new_sidecars(created: list[Path]) -> None:
    """Remove the empty -wal and -shm files SQLite made while looking at a file we refused.

    Only those that did not exist before we opened it, and only while the log is empty: nothing
    was written through them, and a refused file is left exactly as it was found.
    """
    wal = next((sidecar for sidecar in created if sidecar.name.endswith("-wal")), None)
    if wal is not None and wal.exists() and wal.stat().st_size > 0:
        return
    for sidecar in created:
        sidecar.unlink(missing_ok=True)


def _checked(conn: sqlite3.Connection, path: Path, readonly: bool) -> None:
    """Refuse what is not a healthy capture database, then configure (and migrate) it."""
    _check_is_sqlite(conn, path, readonly)
    # Everything that could refuse the file runs before _configure, whose switch to WAL
    # rewrites the header: a file that is not ours is never changed, byte for byte.
    conn.execute("PRAGMA busy_timeout = 5000")
    db = Database(conn)
    _check_schema(db, path, readonly)
    if not readonly:
        _check_not_damaged(conn, path)
    _configure(conn, readonly)
    if not readonly:
        migrations.apply(db)
        rollups.ensure_current(conn)
