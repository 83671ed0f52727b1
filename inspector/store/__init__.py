"""Storage of captured exchanges in SQLite: schema, opening, writing and reading."""

from inspector.store.database import DatabaseError, open_db
from inspector.store.ingest import write_batch
from inspector.store.read import iter_exchanges, load_exchange

__all__ = ["DatabaseError", "iter_exchanges", "load_exchange", "open_db", "write_batch"]
