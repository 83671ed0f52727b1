"""TrafficGenerator: the demo consumers calling the sample API over real HTTP, as clients would.

Requests mix endpoints and methods, including some that fail validation or ask for things that
do not exist (see inspector.demo.clients for who calls what).
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections import Counter
from typing import Any

import httpx

from inspector.demo.clients import (
    DEMO_CLIENTS,
    DemoClient,
    PlannedRequest,
    client_headers,
    plan_request,
)


class TrafficGenerator:
    """Calls `base_url` at about `rate_per_s` requests per second from worker threads.

    `start()` returns at once; `stop()` returns within about a second (in-flight requests time
    out after `timeout_s`). `max_requests` bounds the run; `wait_done()` waits for it.
    """

    def __init__(
        self,
        base_url: str,
        *,
        rate_per_s: float = 20.0,
        seed: int | None = None,
        workers: int = 4,
        max_requests: int | None = None,
        timeout_s: float = 5.0,
        proxy: str | None = None,
    ) -> None:
        if rate_per_s <= 0:
            raise ValueError("rate_per_s must be positive")
        self.base_url = base_url.rstrip("/")
        self.rate_per_s = rate_per_s
        self.max_requests = max_requests
        self._rng = random.Random(seed)
        self._workers = max(1, workers)
        self._timeout_s = timeout_s
        self._proxy = proxy
        self._stop = threading.Event()
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._next_slot = 0.0
        self._issued = 0
        self._order_ids: list[str] = []
        self.statuses: Counter[int] = Counter()
        self.transport_errors = 0

    @property
    def sent(self) -> int:
        with self._lock:
            return sum(self.statuses.values()) + self.transport_errors

    def start(self) -> None:
        if self._threads:
            return
        self._stop.clear()
        self._done.clear()
        self._next_slot = time.monotonic()
        for index in range(self._workers):
            thread = threading.Thread(target=self._work, name=f"demo-traffic-{index}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self._timeout_s + 1)
        self._threads.clear()

    def wait_done(self, timeout_s: float) -> bool:
        """Wait until `max_requests` have been answered (or failed); False on timeout."""
        return self._done.wait(timeout_s)

    def __enter__(self) -> TrafficGenerator:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _claim(self) -> tuple[float, DemoClient, PlannedRequest] | None:
        """The next request and when to send it, or None when the run is over."""
        with self._lock:
            if self.max_requests is not None and self._issued >= self.max_requests:
                return None
            self._issued += 1
            now = time.monotonic()
            # Never bank more than a second of missed slots: after a stall, no burst.
            slot = max(self._next_slot, now - 1.0)
            self._next_slot = slot + 1.0 / self.rate_per_s
            weights = [c.weight for c in DEMO_CLIENTS]
            client = self._rng.choices(DEMO_CLIENTS, weights)[0]
            return slot, client, plan_request(self._rng, client, self._order_ids)

    def _record(self, status: int | None, request: PlannedRequest, response: Any) -> None:
        with self._lock:
            if status is None:
                self.transport_errors += 1
            else:
                self.statuses[status] += 1
            if status == 200 and request.path.endswith("/orders") and len(self._order_ids) < 500:
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    self._order_ids.extend(o["id"] for o in response.json()["data"])
            finished = sum(self.statuses.values()) + self.transport_errors
            if self.max_requests is not None and finished >= self.max_requests:
                self._done.set()

    def _work(self) -> None:
        with httpx.Client(
            base_url=self.base_url,
            timeout=self._timeout_s,
            proxy=self._proxy,
            trust_env=False,
            follow_redirects=False,
        ) as http:
            while not self._stop.is_set():
                claimed = self._claim()
                if claimed is None:
                    return
                slot, client, request = claimed
                if self._stop.wait(max(0.0, slot - time.monotonic())):
                    return
                try:
                    response = http.request(
                        request.method,
                        request.path,
                        params=request.params,
                        json=request.json_body,
                        headers=client_headers(client),
                    )
                except httpx.HTTPError:
                    self._record(None, request, None)
                    continue
                self._record(response.status_code, request, response)
