"""Storage of captured exchanges in SQLite: schema, opening, writing and reading."""

from inspector.store.database import DatabaseError, file_identity, open_db
from inspector.store.ingest import write_batch
from inspector.store.read import iter_exchanges, load_exchange

__all__ = [
    "DatabaseError",
    "file_identity",
    "iter_exchanges",
    "load_exchange",
    "open_db",
    "write_batch",
]
