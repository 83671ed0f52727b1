"""The database schema, as an ordered list of sqlite-utils migrations."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("api-inspector")


@migrations()
def m001_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE consumers (
            id INTEGER PRIMARY KEY,
            identifier TEXT NOT NULL UNIQUE,   -- fingerprint when drawn from a credential
            label TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL DEFAULT '',
            consumer_group TEXT NOT NULL DEFAULT '',
            first_seen REAL NOT NULL,
            last_seen REAL NOT NULL
        );

        -- Scalar columns only: what lists, filters and statistics scan. Headers and bodies live in
        -- exchange_payloads so that a scan over a million rows never pages through blobs.
        -- AUTOINCREMENT: an id is never reused after a delete, so export cursors ("sent up to
        -- id N") and the GUI's "rows past the last id" stay correct under retention pruning.
        CREATE TABLE exchanges (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            uid TEXT NOT NULL UNIQUE,
            started_at REAL NOT NULL,
            duration_ms REAL,
            ttfb_ms REAL,
            method TEXT NOT NULL,
            scheme TEXT NOT NULL,
            host TEXT NOT NULL,
            port INTEGER NOT NULL,
            path TEXT NOT NULL,
            query TEXT NOT NULL DEFAULT '',
            endpoint TEXT NOT NULL,
            http_version TEXT NOT NULL DEFAULT '',
            status INTEGER,
            reason TEXT NOT NULL DEFAULT '',
            error TEXT,
            client_address TEXT NOT NULL DEFAULT '',
            client_port INTEGER,
            server_address TEXT NOT NULL DEFAULT '',
            server_port INTEGER,
            request_bytes INTEGER NOT NULL DEFAULT 0,
            response_bytes INTEGER NOT NULL DEFAULT 0,
            request_wire_bytes INTEGER NOT NULL DEFAULT 0,
            response_wire_bytes INTEGER NOT NULL DEFAULT 0,
            request_truncated INTEGER NOT NULL DEFAULT 0,
            response_truncated INTEGER NOT NULL DEFAULT 0,
            request_content_type TEXT NOT NULL DEFAULT '',
            response_content_type TEXT NOT NULL DEFAULT '',
            user_agent TEXT NOT NULL DEFAULT '',
            consumer_id INTEGER REFERENCES consumers(id),
            websocket_messages INTEGER,
            websocket_bytes INTEGER
        );
        CREATE INDEX exchanges_started_at ON exchanges(started_at);
        CREATE INDEX exchanges_consumer ON exchanges(consumer_id, started_at);
        CREATE INDEX exchanges_status ON exchanges(status);
        CREATE INDEX exchanges_endpoint ON exchanges(endpoint, method);
        CREATE INDEX exchanges_host ON exchanges(host);
        CREATE INDEX exchanges_path ON exchanges(path);
        CREATE INDEX exchanges_duration ON exchanges(duration_ms);

        CREATE TABLE exchange_payloads (
            exchange_id INTEGER PRIMARY KEY REFERENCES exchanges(id) ON DELETE CASCADE,
            request_headers TEXT NOT NULL,     -- JSON array of [name, value] pairs, wire order
            response_headers TEXT NOT NULL,
            request_body BLOB NOT NULL,
            response_body BLOB NOT NULL
        );

        -- Full-text search over URL, headers and text bodies; rowid = exchanges.id.
        -- Contentless: the text already lives in exchanges and exchange_payloads, and a second
        -- copy cost a third of the write rate. SQLite 3.40 (Python 3.11's) cannot delete from a
        -- contentless table by rowid alone; store.prune rebuilds the indexed values to delete.
        CREATE VIRTUAL TABLE exchanges_fts USING fts5(url, headers, body, content='');

        -- Durable per-destination export cursors (exporters resume after the last id sent).
        CREATE TABLE export_cursors (
            destination TEXT PRIMARY KEY,
            last_id INTEGER NOT NULL DEFAULT 0,
            updated_at REAL,
            state TEXT NOT NULL DEFAULT 'idle',
            message TEXT NOT NULL DEFAULT ''
        );
        """
    )


@migrations()
def m002_rollups(db: Database) -> None:
    """Rollups per minute, five minutes and hour, built from the exchanges already stored."""
    from inspector.store import rollups

    # One statement at a time: executescript would commit the migration's transaction.
    for statement in rollups.SCHEMA.split(";"):
        if statement.strip():
            db.conn.execute(statement)
    rollups.rebuild(db.conn)


@migrations()
def m003_exchange_source(db: Database) -> None:
    # Which launched program sent the request (`inspector run`, the app's Intercept menu);
    # empty for traffic from clients set up by hand.
    db.execute("ALTER TABLE exchanges ADD COLUMN source TEXT NOT NULL DEFAULT ''")


@migrations()
def m004_consumer_named_by_hand(db: Database) -> None:
    # A name given in the app (store.naming) outlasts the configuration's label at the
    # consumer's next request; clearing it hands the name back to the configuration.
    db.execute("ALTER TABLE consumers ADD COLUMN named_by_hand INTEGER NOT NULL DEFAULT 0")


@migrations()
def m005_export_cursor_status(db: Database) -> None:
    # The HTTP status that stopped a destination, as data beside the message: the app's status
    # bar says "401, credential refused" without reading it back out of a sentence.
    db.execute("ALTER TABLE export_cursors ADD COLUMN http_status INTEGER")
