"""Live forwarding: a background thread per destination tails the database and delivers.

It has its own connection, keeps its cursor in `export_cursors`, and never touches the proxy's
event loop: capture only writes rows, forwarders only read them. A failing destination keeps
retrying with growing pauses; a refused credential stops that forwarder with its reason.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspector.config import Config
from inspector.errors import InspectorError
from inspector.exporters.cursors import pending_count
from inspector.exporters.delivery import Deliverer, DeliveryReport, RetryPolicy, deliver
from inspector.exporters.registry import DESTINATIONS, build_exporter
from inspector.exporters.service import CredentialRejected, ServiceRejected
from inspector.exporters.transport import HttpxTransport, Transport
from inspector.store import open_db

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ForwarderStatus:
    """What the status bar shows for one destination."""

    name: str
    state: str  # "starting", "idle", "sending", "failing", "stopped"
    queued: int  # exchanges stored but not yet delivered
    sent: int
    skipped: int
    failed: int
    message: str  # why it is failing or stopped; empty otherwise

    @property
    def failing(self) -> bool:
        return self.state in ("failing", "stopped")


class LiveForwarder:
    """Forwards new exchanges to one destination until stop() is called."""

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        destination_name: str,
        options: Mapping[str, Any],
        *,
        poll_interval_s: float = 0.5,
        failure_pause_s: float = 30.0,
        policy: RetryPolicy | None = None,
        transport_factory: Callable[[], Transport] = HttpxTransport,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.name = destination_name
        self.db_path = Path(db_path)
        # Built now, so a bad option or missing credential fails at start, not in the thread.
        self.exporter = build_exporter(destination_name, table=options, environ=environ)
        self.poll_interval_s = poll_interval_s
        self.failure_pause_s = failure_pause_s
        # Live traffic must not wait minutes behind one stuck batch: shorter retry budget.
        self.policy = policy or RetryPolicy(max_attempts=5, max_total_s=60.0)
        self._transport_factory = transport_factory
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._status = ForwarderStatus(destination_name, "starting", 0, 0, 0, 0, "")

    @property
    def status(self) -> ForwarderStatus:
        with self._lock:
            return self._status

    def _update(self, **changes: Any) -> None:
        with self._lock:
            self._status = dataclasses.replace(self._status, **changes)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=f"forward-{self.name}", daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Ask the thread to finish its current request and exit; waits up to `timeout_s`."""
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def poke(self) -> None:
        """New rows were written: look now instead of at the next poll."""
        self._wake.set()

    def _progress(self, before: ForwarderStatus, queued: int, so_far: DeliveryReport) -> None:
        """Live counters during a run: totals before it plus what it has done so far."""
        self._update(
            sent=before.sent + so_far.sent,
            skipped=before.skipped + so_far.skipped,
            failed=before.failed + so_far.failed,
            queued=max(0, queued - so_far.examined),
        )

    def _run(self) -> None:
        transport = self._transport_factory()
        try:
            conn = open_db(self.db_path)
        except InspectorError as exc:
            self._update(state="stopped", message=str(exc))
            transport.close()
            return
        deliverer = Deliverer(
            self.exporter, transport, policy=self.policy, stop=self._stop, rng=random.Random()
        )
        key = self.exporter.cursor_key
        try:
            while not self._stop.is_set():
                queued = pending_count(conn, key)
                self._update(queued=queued)
                pause = self.poll_interval_s
                if queued:
                    self._update(state="sending")
                    progress = functools.partial(self._progress, self.status, queued)
                    report = deliver(conn, deliverer, on_batch=progress)
                    progress(report)
                    self._update(queued=pending_count(conn, key))
                    if report.error is not None:
                        if isinstance(report.error, CredentialRejected | ServiceRejected):
                            log.warning("Forwarding to %s stopped: %s", self.name, report.error)
                            self._update(state="stopped", message=str(report.error))
                            return
                        self._update(state="failing", message=str(report.error))
                        pause = self.failure_pause_s
                    elif report.failed:
                        self._update(state="failing", message="; ".join(report.failures[:3]))
                    elif not report.interrupted:
                        self._update(state="idle", message="")
                else:
                    self._update(state="idle" if self.status.state != "failing" else "failing")
                self._wake.wait(pause)
                self._wake.clear()
        except Exception as exc:  # a forwarder must never take the app down
            log.exception("Forwarding to %s crashed", self.name)
            self._update(state="stopped", message=f"internal error: {exc}")
        finally:
            conn.close()
            transport.close()


def start_forwarders(
    db_path: str | os.PathLike[str],
    names: Iterable[str],
    config: Config | None,
    **kwargs: Any,
) -> list[LiveForwarder]:
    """Start one forwarder per `[export.NAME]` table named; used by `inspector capture
    --forward NAME`. A name with no table may still be a service (`readme`...) configured by
    environment variables alone. Every name is checked before any thread starts."""
    exports: Mapping[str, Mapping[str, Any]] = config.exports if config is not None else {}
    forwarders = []
    for name in names:
        if name not in exports and name not in DESTINATIONS:
            raise InspectorError(
                f"--forward {name}: no [export.{name}] table in the configuration file."
            )
        forwarders.append(LiveForwarder(db_path, name, exports.get(name, {}), **kwargs))
    if forwarders:
        # Create and migrate the database here, before any thread (or the capture writer) races
        # to do it; also reports an unusable file at once, as a user error.
        open_db(db_path).close()
    for forwarder in forwarders:
        forwarder.start()
    return forwarders


def stop_forwarders(forwarders: Iterable[LiveForwarder], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    forwarders = list(forwarders)
    for forwarder in forwarders:
        forwarder.request_stop()
    for forwarder in forwarders:
        forwarder.stop(max(0.1, deadline - time.monotonic()))
