"""Opening capture databases: create or migrate, and refuse anything we must not touch."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from inspector.errors import InspectorError
from inspector.store.schema import migrations


class DatabaseError(InspectorError):
    """A database that cannot be used; the message names the file and what to do."""


WAL_SIZE_LIMIT_BYTES = 4 * 1024 * 1024


def _check_existing_file(path: Path) -> None:
    # Only stat() here, never open(): closing any descriptor on a database file drops every
    # POSIX lock this process holds on it, including those of its open SQLite connections.
    if path.is_dir():
        raise DatabaseError(f"{path} is a directory, not a capture database.")
    if not os.access(path, os.R_OK):
        raise DatabaseError(f"{path} cannot be read: permission denied.")


def _check_is_sqlite(conn: sqlite3.Connection, path: Path) -> None:
    """SQLite reads the header itself; a file that is not a database is refused untouched."""
    try:
        conn.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path} is not an SQLite database; refusing to overwrite it.") from exc


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


def _check_schema(db: Database, path: Path) -> None:
    known = {m.name for m in migrations._migrations}
    try:
        applied = {m.name for m in migrations.applied(db)}
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path} is not a usable SQLite database: {exc}.") from exc
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
    if not readonly and not os.access(path, os.W_OK):
        raise DatabaseError(f"{path} is not writable; choose another file with --db.")
    if readonly:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
        )
    else:
        conn = sqlite3.connect(path, check_same_thread=False)
    try:
        _check_is_sqlite(conn, path)
        _configure(conn, readonly)
        db = Database(conn)
        _check_schema(db, path)
        if not readonly:
            migrations.apply(db)
        elif _has_pending_migrations(db):
            conn.close()
            _upgrade(path)
            return open_db(path, readonly=True)
    except DatabaseError:
        conn.close()
        raise
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseError(f"{path} cannot be opened: {exc}.") from exc
    return conn
