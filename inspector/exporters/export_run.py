"""One export run to a service, as the command line and the app's export dialog start it."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from inspector.errors import InspectorError
from inspector.exporters.cursors import load_cursor
from inspector.exporters.delivery import Deliverer, DeliveryReport, RetryPolicy, deliver
from inspector.exporters.service import ServiceExporter
from inspector.exporters.transport import HttpxTransport, Transport
from inspector.store import open_db
from inspector.store.filters import MATCH_ALL, SqlFilter
from inspector.store.queries import count_requests
from inspector.store.selection import Selection


class ExportRun:
    """Sends what a scope selects to one exporter; safe to run in a worker thread.

    Scope: new exchanges past the cursor (default), or with `resend_all` everything `selection`
    holds (the app's "selection": `SqlFilter("e.id IN (?, ...)", ids)`). A filtered resend does not
    move the cursor. `stop()` from another thread ends the run after the current request.
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        exporter: ServiceExporter,
        *,
        selection: SqlFilter = MATCH_ALL,
        resend_all: bool = False,
        policy: RetryPolicy | None = None,
        transport_factory: Callable[[], Transport] = HttpxTransport,
    ) -> None:
        path = Path(db_path)
        if not path.exists():
            raise InspectorError(f"{path} does not exist: nothing to export.")
        self.exporter = exporter
        self.selection = selection
        self.resend_all = resend_all
        self._conn = open_db(path)
        self._stop = threading.Event()
        self._deliverer = Deliverer(exporter, transport_factory(), policy=policy, stop=self._stop)

    @property
    def retries(self) -> int:
        return self._deliverer.retries

    def total(self) -> int:
        """How many exchanges the run will look at (for a progress bar)."""
        start = 0 if self.resend_all else load_cursor(self._conn, self.exporter.cursor_key)
        past = SqlFilter("e.id > ?", (start,)).and_(self.selection)
        return count_requests(self._conn, Selection(past))

    def run(self, on_progress: Callable[[int], None] | None = None) -> DeliveryReport:
        try:
            return deliver(
                self._conn,
                self._deliverer,
                self.selection,
                resend_all=self.resend_all,
                move_cursor=not (self.resend_all and not self.selection.is_empty),
                on_progress=on_progress,
            )
        finally:
            self.close()

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self._deliverer.transport.close()
        self._conn.close()
