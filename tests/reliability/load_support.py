"""Load for the reliability suite: many concurrent raw HTTP/1.1 clients through the proxy.

The clients are stdlib `http.client` connections, which cost far less CPU per request than httpx,
so the proxy (not the load generator) is what runs at full rate. Every request carries a unique
path id, so the database can be checked for exactly-once storage.
"""

from __future__ import annotations

import http.client
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.capture.capture_support import ProxyProcess


@dataclass
class LoadResult:
    """What the clients observed: the ids that got a response, latencies, and failures."""

    answered: set[str] = field(default_factory=set)
    latencies_s: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    def percentile_ms(self, fraction: float) -> float:
        ordered = sorted(self.latencies_s)
        if not ordered:
            return 0.0
        return 1000 * ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Load:
    """`workers` threads sending `per_worker` GETs each through the proxy at `proxy_port`."""

    def __init__(
        self,
        proxy_port: int,
        upstream_port: int,
        prefix: str,
        *,
        workers: int,
        per_worker: int,
        keep_alive: bool = True,
        route: str = "json",
        deadline_s: float = 120.0,
    ) -> None:
        self.proxy_port = proxy_port
        self.upstream_port = upstream_port
        self.prefix = prefix
        self.workers = workers
        self.per_worker = per_worker
        self.keep_alive = keep_alive
        self.route = route
        self.deadline_s = deadline_s
        self.result = LoadResult()
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._started = 0.0

    def start(self) -> Load:
        self._started = time.monotonic()
        self._threads = [
            threading.Thread(target=self._work, args=(worker,), daemon=True)
            for worker in range(self.workers)
        ]
        for thread in self._threads:
            thread.start()
        return self

    def join(self) -> LoadResult:
        for thread in self._threads:
            thread.join(self.deadline_s + 10)
        self.result.elapsed_s = time.monotonic() - self._started
        return self.result

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.proxy_port, timeout=15)

    def _work(self, worker: int) -> None:
        deadline = self._started + self.deadline_s
        conn = self._connect()
        headers = {} if self.keep_alive else {"Connection": "close"}
        try:
            for index in range(self.per_worker):
                if self.stop.is_set() or time.monotonic() > deadline:
                    return
                request_id = f"w{worker}n{index}"
                url = (
                    f"http://127.0.0.1:{self.upstream_port}{self.prefix}/{request_id}/{self.route}"
                )
                began = time.monotonic()
                try:
                    conn.request("GET", url, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    ok = response.status == 200
                except (OSError, http.client.HTTPException) as exc:
                    ok = False
                    failure = f"{request_id}: {type(exc).__name__}: {exc}"
                else:
                    failure = f"{request_id}: status {response.status}"
                took = time.monotonic() - began
                with self._lock:
                    if ok:
                        self.result.answered.add(request_id)
                        self.result.latencies_s.append(took)
                    else:
                        self.result.failures.append(failure)
                if not ok or not self.keep_alive:
                    conn.close()
                    conn = self._connect()
        finally:
            conn.close()

    @property
    def answered_count(self) -> int:
        with self._lock:
            return len(self.result.answered)


@contextmanager
def under_load(proxy: ProxyProcess, load: Load) -> Iterator[Load]:
    """Start `load` through `proxy` for the body; however the body ends, the load is stopped and
    waited for, and a proxy still running (the body failed before stopping it) is killed."""
    load.start()
    try:
        yield load
    finally:
        load.stop.set()
        load.join()
        if proxy.process.poll() is None:
            proxy.stop(signal.SIGKILL)
