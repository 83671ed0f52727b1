"""Exports under faults: every service destination (ReadMe, Apitally, OTLP, Elasticsearch)
forwarding beside a running capture, against local services that fail at random (seeded): every
exchange arrives exactly once at each.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from inspector.config import parse_config
from inspector.exporters.delivery import RetryPolicy
from inspector.exporters.forwarding import start_forwarders, stop_forwarders
from inspector.exporters.otlp import span_id
from inspector.exporters.readme import exchange_uuid
from inspector.store import open_db
from inspector.testing import wait_until
from tests.capture.capture_servers import Upstream
from tests.capture.capture_support import start_capture
from tests.exporters.service_support import Received, Reply, ScriptedServer
from tests.reliability.load_support import Load

pytestmark = [pytest.mark.capture, pytest.mark.timeout(90)]

WORKERS, PER_WORKER = 4, 75
FAILURE_RATE = 0.3
KEY = "rdme_reliabilityTESTkey00000"
APITALLY_TOKEN = "apt_reliabilityTESTtoken0000"


class FlakyService:
    """Answers like a real service, except that a seeded share of requests fails in one of
    the ways real services fail; counts each item only when the service accepted it."""

    def __init__(self, seed: int, items_of: Callable[[Received], list[str]]) -> None:
        self.rng = random.Random(seed)
        self.items_of = items_of
        self.accepted: Counter[str] = Counter()
        self.failures = 0
        self.lock = threading.Lock()
        self.server = ScriptedServer(default=self.answer)

    def snapshot(self) -> Counter[str]:
        with self.lock:
            return Counter(self.accepted)

    def answer(self, request: Received) -> Reply:  # called under the server's lock
        if request.method == "HEAD":
            return (200, {}, b"")
        if self.rng.random() < FAILURE_RATE:
            self.failures += 1
            failed: list[Reply] = [
                (500, {}, b"oops"),
                (503, {}, b""),
                (429, {"Retry-After": "0"}, b""),
                "drop",
            ]
            return self.rng.choice(failed)
        if request.path.endswith("/_bulk"):
            return self.bulk(request)
        items = self.items_of(request)
        with self.lock:
            self.accepted.update(items)
        return (200, {"Content-Type": "application/json"}, b"{}")

    def bulk(self, request: Received) -> Reply:
        """Elasticsearch answers 200 per batch and may still refuse single items (429)."""
        ids = self.items_of(request)
        statuses = [429 if self.rng.random() < FAILURE_RATE / 2 else 201 for _ in ids]
        outcomes = list(zip(ids, statuses, strict=True))
        with self.lock:
            self.accepted.update(uid for uid, status in outcomes if status < 300)
        answer = {
            "errors": any(status >= 300 for status in statuses),
            "items": [{"index": {"_id": uid, "status": status}} for uid, status in outcomes],
        }
        return (200, {"Content-Type": "application/json"}, json.dumps(answer).encode())


def _body(request: Received) -> bytes:
    return bytes(request.ungzipped())


def readme_items(request: Received) -> list[str]:
    return [str(item["_id"]) for item in json.loads(_body(request))]


def otlp_items(request: Received) -> list[str]:
    if request.path.endswith(("/v1/logs", "/v1/metrics")):
        return []  # Apitally's consumer announcements and histograms, beside its spans
    message = ExportTraceServiceRequest.FromString(_body(request))
    return [
        span.span_id.hex()
        for resource in message.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]


def elasticsearch_items(request: Received) -> list[str]:
    lines = [line for line in _body(request).split(b"\n") if line]
    return [json.loads(action)["index"]["_id"] for action in lines[0::2]]


@pytest.fixture
def services() -> Iterator[dict[str, FlakyService]]:
    flaky = {
        "readme": FlakyService(7, readme_items),
        "apitally": FlakyService(5, otlp_items),
        "otlp": FlakyService(11, otlp_items),
        "elasticsearch": FlakyService(13, elasticsearch_items),
    }
    for service in flaky.values():
        service.server.start()
    try:
        yield flaky
    finally:
        for service in flaky.values():
            service.server.stop()


def test_all_destinations_get_every_exchange_exactly_once_despite_random_failures(
    tmp_path: Path, upstream: Upstream, services: dict[str, FlakyService]
) -> None:
    config = parse_config(
        "schema_version = 1\n"
        f'[export.readme]\napi_key = "{KEY}"\nbase_url = "{services["readme"].server.url()}"\n'
        'fallback_group = "client-ip"\nbuffer_length = 10\n'
        f'[export.apitally]\ntoken = "{APITALLY_TOKEN}"\n'
        f'base_url = "{services["apitally"].server.url()}"\nbuffer_length = 10\n'
        f'[export.otlp]\nbase_url = "{services["otlp"].server.url()}"\nbatch_size = 10\n'
        f'[export.elasticsearch]\nbase_url = "{services["elasticsearch"].server.url()}"\n'
        "batch_size = 10\n"
    )
    proxy = start_capture(tmp_path)
    forwarders = start_forwarders(
        proxy.db_path, list(services), config,
        poll_interval_s=0.05, failure_pause_s=0.2,
        policy=RetryPolicy(max_attempts=60, base_delay_s=0.005, max_delay_s=0.05, max_total_s=60),
    )  # fmt: skip
    try:
        result = Load(proxy.port, upstream.port, "/fwd", workers=WORKERS,
                      per_worker=PER_WORKER).start().join()  # fmt: skip
        assert not result.failures, result.failures[:5]
        total = WORKERS * PER_WORKER

        def uids() -> list[str]:
            conn = open_db(proxy.db_path, readonly=True)
            try:
                rows = conn.execute("SELECT uid FROM exchanges WHERE path LIKE '/fwd/%'")
                return [uid for (uid,) in rows]
            finally:
                conn.close()

        stored = wait_until(lambda: found if len(found := uids()) == total else None,
                            what=f"{total} captured exchanges")  # fmt: skip
        expected = {
            "readme": Counter(exchange_uuid(uid) for uid in stored),
            "apitally": Counter(span_id(uid).hex() for uid in stored),
            "otlp": Counter(span_id(uid).hex() for uid in stored),
            "elasticsearch": Counter(stored),
        }

        def all_arrived() -> bool:
            return all(
                set(expected[name]) <= set(service.snapshot()) for name, service in services.items()
            )

        wait_until(all_arrived, timeout=90, what="every exchange at every destination")
    finally:
        stop_forwarders(forwarders)
        code = proxy.stop()
    assert code == 0, proxy.text("stderr")
    for name, service in services.items():
        assert service.failures > 0, f"{name}: the service never failed, so nothing was proven"
        assert service.snapshot() == expected[name], f"{name}: an item is missing or duplicated"
    for forwarder in forwarders:
        assert forwarder.status.failed == 0, forwarder.status
    print(
        "\nexports under faults: "
        + ", ".join(f"{n} {s.failures} failures" for n, s in services.items())
        + f" for {total} exchanges"
    )
