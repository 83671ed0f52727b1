"""One export run to a service, as the command line and the app's export dialog start it."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from inspector.errors import InspectorError
from inspector.exporters.cursors import load_cursor
from inspector.exporters.delivery import (
    Deliverer,
    DeliveryReport,
    RetryPolicy,
    ServiceExporter,
    deliver,
)
from inspector.exporters.transport import HttpxTransport, Transport
from inspector.store import open_db


class ExportRun:
    """Sends what a scope selects to one exporter; safe to run in a worker thread.

    Scope: new exchanges past the cursor (default), or with `resend_all` everything `where`
    selects (the app's "selection": `where="e.id IN (?, ...)"`). A filtered resend does not
    move the cursor. `stop()` from another thread ends the run after the current request.
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        exporter: ServiceExporter,
        *,
        where: str = "1",
        params: Sequence[object] = (),
        resend_all: bool = False,
        policy: RetryPolicy | None = None,
        transport_factory: Callable[[], Transport] = HttpxTransport,
    ) -> None:
        path = Path(db_path)
        if not path.exists():
            raise InspectorError(f"{path} does not exist: nothing to export.")
        self.exporter = exporter
        self.where, self.params = where, tuple(params)
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
        row = self._conn.execute(
            "SELECT count(*) FROM exchanges e LEFT JOIN consumers c ON c.id = e.consumer_id "
            f"WHERE e.id > ? AND ({self.where})",
            (start, *self.params),
        ).fetchone()
        return int(row[0])

    def run(self, on_progress: Callable[[int], None] | None = None) -> DeliveryReport:
        try:
            return deliver(
                self._conn,
                self._deliverer,
                where=self.where,
                params=self.params,
                resend_all=self.resend_all,
                move_cursor=not (self.resend_all and self.where != "1"),
                on_progress=on_progress,
            )
        finally:
            self.close()

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self._deliverer.transport.close()
        self._conn.close()
