"""The delivery engine shared by every service: batching, cursors, retries with backoff.
(What a destination is, its interface and errors, is in service.py.)

An exporter turns exchanges into HTTP requests; this module decides when to send, resend or
stop. Rules (issue 6): timeouts, connection errors, 408, 429 and 5xx are retried with
exponential backoff and jitter, honouring Retry-After, within a bounded number of attempts and
time per request; 401/403 stop the destination naming the credential to check; any other 4xx
stops it with the service's own error text. The cursor only moves after a batch was accepted,
and items carry stable ids, so a rerun or a retry never loses or duplicates anything.
"""

from __future__ import annotations

import base64
import json
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

from inspector.exporters.cursors import (
    FAILING,
    IDLE,
    SENDING,
    STOPPED,
    load_cursor,
    save_cursor,
)
from inspector.exporters.service import (
    RETRYABLE_STATUSES,
    CredentialRejected,
    DeliveryError,
    RetriesExhausted,
    ServiceExporter,
    ServiceRejected,
)
from inspector.exporters.transport import HttpRequest, HttpResponse, Transport, TransportError
from inspector.store import iter_exchanges
from inspector.store.filters import MATCH_ALL, SqlFilter

MAX_REPORTED_FAILURES = 20
SKIP_CHECKPOINT_ROWS = 1000


class Interrupted(Exception):
    """stop() was requested while waiting to retry."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 10  # per request, the first try included
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    max_total_s: float = 300.0  # per request, waits included

    def backoff_s(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with jitter: half fixed, half random, so clients spread out."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return float(ceiling * (0.5 + rng.random() / 2))


@dataclass(slots=True)
class DeliveryReport:
    destination: str
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    examined: int = 0
    last_id: int = 0
    error: DeliveryError | None = None
    interrupted: bool = False
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and self.failed == 0 and not self.interrupted

    def summary(self) -> str:
        return f"sent {self.sent}, skipped {self.skipped}, failed {self.failed}"


# Headers that never carry a credential; every other header value we sent is treated as one.
_PLAIN_HEADERS = frozenset(
    {"accept", "accept-encoding", "content-encoding", "content-length", "content-type",
     "user-agent", "host", "connection"}
)  # fmt: skip
_MIN_SECRET_CHARS = 6


def _credential_forms(request: HttpRequest) -> list[str]:
    """What of the request's credentials a service might echo: whole header values, their
    words (the token after "Bearer"), and base64-decoded Basic parts; longest first."""
    forms: set[str] = set()
    for name, value in request.headers:
        if name.lower() in _PLAIN_HEADERS:
            continue
        words = [value, *value.split()]
        for word in list(words):
            try:
                decoded = base64.b64decode(word, validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                continue
            words += [decoded, *decoded.split(":")]
        forms.update(word for word in words if len(word) >= _MIN_SECRET_CHARS)
    return sorted(forms, key=len, reverse=True)


def service_message(
    response: HttpResponse, limit: int = 300, *, sent: HttpRequest | None = None
) -> str:
    """The service's own explanation of an error, shortened to one line.

    Services sometimes echo the credential they refused ("bad key: Basic ..."): every form of
    the credentials in `sent` is masked, before shortening, so that none reaches a log.
    """
    text = response.text.strip()
    if sent is not None:
        for secret in _credential_forms(sent):
            text = text.replace(secret, "[redacted]")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("message", "error", "detail", "errors"):
            value = data.get(key)
            if isinstance(value, dict):
                value = value.get("reason") or value.get("message") or json.dumps(value)
            if value:
                text = value if isinstance(value, str) else json.dumps(value)
                break
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text or "no details given"


def retry_after_s(value: str | None, now: float) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date; None when absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


class Deliverer:
    """Sends one exporter's requests with retries; one instance per run or forwarder."""

    def __init__(
        self,
        exporter: ServiceExporter,
        transport: Transport,
        *,
        policy: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] | None = None,
        rng: random.Random | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.exporter = exporter
        self.transport = transport
        self.policy = policy or RetryPolicy()
        self.clock = clock
        self.wall_clock = wall_clock
        self.stop_event = stop or threading.Event()
        self._sleep = sleep
        self.rng = rng or random.Random()
        self.retries = 0  # total resends, for reports and tests
        self._ready = False

    def _wait(self, seconds: float) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
            if self.stop_event.is_set():
                raise Interrupted
        elif self.stop_event.wait(seconds):
            raise Interrupted

    def _stop_for_status(self, request: HttpRequest, response: HttpResponse) -> DeliveryError:
        title = self.exporter.title
        if response.status in (401, 403):
            return CredentialRejected(
                title, response.status, service_message(response, 160, sent=request),
                self.exporter.credential_hint, self.exporter.credential_options,
            )  # fmt: skip
        said = service_message(response, sent=request)
        return ServiceRejected(
            f"{title} refused the request (HTTP {response.status}): {said}",
            status=response.status, said=said,
        )  # fmt: skip

    def call(
        self, request: HttpRequest, *, accept: Iterable[int] = (), failures: list[str] | None = None
    ) -> HttpResponse:
        """Send until the service accepts; statuses in `accept` are returned as they are.

        Raises a DeliveryError subclass when the destination must stop, Interrupted on stop().
        """
        accepted = set(accept)
        started = self.clock()
        attempt = 0
        while True:
            attempt += 1
            delay: float | None = None
            try:
                response = self.transport.send(request, timeout_s=self.exporter.timeout_s)
            except TransportError as exc:
                reason = str(exc)
            else:
                if response.status in accepted:
                    return response
                if 200 <= response.status < 300:
                    verdict = self.exporter.read_answer(request, response)
                    if failures is not None:
                        failures.extend(verdict.refused)
                    if verdict.resend is None:
                        return response
                    request = verdict.resend
                    reason = "the service asked to resend some items"
                elif response.status in RETRYABLE_STATUSES:
                    message = service_message(response, 160, sent=request)
                    reason = f"HTTP {response.status}: {message}"
                    delay = retry_after_s(response.headers.get("retry-after"), self.wall_clock())
                else:
                    raise self._stop_for_status(request, response)
            if attempt >= self.policy.max_attempts:
                raise RetriesExhausted(
                    f"{self.exporter.title} is still failing after {attempt} attempts ({reason}); "
                    "a later run resumes where this one stopped."
                )
            if delay is None:
                delay = self.policy.backoff_s(attempt, self.rng)
            elapsed = self.clock() - started
            if elapsed + delay > self.policy.max_total_s:
                raise RetriesExhausted(
                    f"{self.exporter.title} is still failing after {elapsed:.0f} s ({reason}); "
                    f"the next retry (in {delay:.0f} s) would pass the retry time limit. "
                    "A later run resumes where this one stopped."
                )
            self.retries += 1
            self._wait(delay)

    def deliver_batch(self, items: Sequence[Any]) -> list[str]:
        """Deliver one batch; returns the messages of items refused for good."""
        if not self._ready:
            self.exporter.setup(self.call)
            self._ready = True
        failures: list[str] = []
        try:
            for request in self.exporter.requests_for(items):
                self.call(request, failures=failures)
        except ServiceRejected as exc:
            if exc.status != 413 or len(items) < 2:
                raise
            # Too large for the service: halves go separately (ids are stable, so any part
            # already accepted is only overwritten).
            middle = len(items) // 2
            return self.deliver_batch(items[:middle]) + self.deliver_batch(items[middle:])
        return failures


def deliver(
    conn: sqlite3.Connection,
    deliverer: Deliverer,
    selection: SqlFilter = MATCH_ALL,
    *,
    resend_all: bool = False,
    move_cursor: bool = True,
    after_id: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    on_batch: Callable[[DeliveryReport], None] | None = None,
) -> DeliveryReport:
    """Send what is new past the cursor (or everything `selection` holds with `resend_all`).

    The cursor moves after each accepted batch, past skipped rows too, so an interrupted run
    resumes exactly where it stopped. `on_progress` gets the number of rows just examined,
    `on_batch` the report so far, after each batch. Returns the report; a stop is in
    `report.error`.
    """
    exporter = deliverer.exporter
    key = exporter.cursor_key
    report = DeliveryReport(destination=key)
    start = 0 if resend_all else (after_id if after_id is not None else load_cursor(conn, key))
    report.last_id = start
    batch: list[Any] = []
    examined_id = start
    pending_progress = 0

    def save(state: str, message: str, last_id: int | None, status: int | None = None) -> None:
        if move_cursor:
            save_cursor(
                conn, key, last_id=last_id, state=state, message=message,
                now=deliverer.wall_clock(), http_status=status,
            )  # fmt: skip

    def flush() -> None:
        nonlocal batch, pending_progress
        if batch:
            refused = deliverer.deliver_batch(batch)
            report.failed += len(refused)
            report.sent += len(batch) - len(refused)
            room = MAX_REPORTED_FAILURES - len(report.failures)
            report.failures.extend(refused[: max(room, 0)])
            batch = []
        report.last_id = examined_id
        save(SENDING, "", examined_id)
        if on_progress is not None and pending_progress:
            on_progress(pending_progress)
        pending_progress = 0
        if on_batch is not None:
            on_batch(report)

    try:
        save(SENDING, "", None)
        for row_id, exchange in iter_exchanges(conn, selection, after_id=start):
            if deliverer.stop_event.is_set():
                raise Interrupted
            report.examined += 1
            pending_progress += 1
            examined_id = row_id
            item = exporter.prepare(exchange)
            if item is None:
                report.skipped += 1
            else:
                batch.append(item)
            if len(batch) >= exporter.batch_size:
                flush()
            elif not batch and pending_progress >= SKIP_CHECKPOINT_ROWS:
                flush()  # a long run of skipped rows: move the cursor and the progress bar
        flush()
    except DeliveryError as exc:
        report.error = exc
        state = STOPPED if isinstance(exc, CredentialRejected | ServiceRejected) else FAILING
        save(state, str(exc), None, exc.status)
        return report
    except Interrupted:
        report.interrupted = True
        save(IDLE, "interrupted", None)
        return report
    message = f"{report.failed} item(s) refused" if report.failed else ""
    save(FAILING if report.failed else IDLE, message, None)
    return report
