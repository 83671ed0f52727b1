"""Cost of Config.process() per exchange (grouping + redaction) with the built-in rules.

Prints microseconds per call for a few typical requests; process() runs on the proxy's event
loop for every flow, so the target is well under 100 µs for a typical request.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

from figures import figure

from inspector.config import load_config
from inspector.model import Body, Exchange
from inspector.testing.factories import make_exchange
from inspector.testing.tokens import make_jwt


def _body(payload: object) -> Body:
    content = json.dumps(payload).encode()
    return Body(content=content, size=len(content), wire_size=len(content),
                content_type="application/json")  # fmt: skip


CASES: dict[str, Exchange] = {
    "GET, API key header, small JSON response": make_exchange(
        query="page=2&limit=50",
        request_headers=(
            ("Host", "localhost:8000"),
            ("User-Agent", "python-httpx/0.27"),
            ("Accept", "*/*"),
            ("Accept-Encoding", "gzip, deflate"),
            ("Connection", "keep-alive"),
            ("X-Api-Key", "key-acme-0001"),
        ),
    ),
    "POST JSON, bearer JWT, cookies, secrets to redact": make_exchange(
        method="POST",
        query="api_key=abc&x=1",
        request_headers=(
            ("Host", "localhost:8000"),
            ("User-Agent", "node-fetch"),
            ("Authorization", "Bearer " + make_jwt({"sub": "u-1", "name": "Ada"})),
            ("Cookie", "sid=abc; theme=dark"),
            ("Content-Type", "application/json"),
        ),
        request_body=_body({"user": {"name": "Ada", "password": "p"}, "items": [1, 2, 3]}),
        response_headers=(("Content-Type", "application/json"), ("Set-Cookie", "sid=x")),
        response_body=_body({"id": 1, "token": "t", "list": [{"a": i} for i in range(20)]}),
    ),
    "GET, 100 kB JSON response": make_exchange(
        response_body=_body(
            [{"id": i, "name": f"user {i}", "tags": ["a", "b"]} for i in range(2000)]
        ),
    ),
}


def per_call_us(func: Callable[[], object], rounds: int = 7) -> tuple[float, float]:
    """(median, best) CPU microseconds per call over rounds of ~0.2 s.

    CPU time of this process, not wall time: on a machine shared with other work, wall time
    mostly measures the scheduler.
    """
    count = 1
    while True:
        start = time.process_time()
        for _ in range(count):
            func()
        if time.process_time() - start > 0.2:
            break
        count *= 2
    samples = []
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(count):
            func()
        samples.append((time.process_time() - start) / count * 1e6)
    return statistics.median(samples), min(samples)


def main() -> None:
    config = load_config(None)
    medians: dict[str, float] = {}
    for name, exchange in CASES.items():
        median, best = per_call_us(lambda exchange=exchange: config.process(exchange))
        print(f"{name:55s} {median:9.1f} µs median  {best:9.1f} µs best")
        medians[name] = median
    median, best = per_call_us(lambda: config.wants("localhost", 8000, "/users/42"))
    print(f"{'wants() scope check':55s} {median:9.1f} µs median  {best:9.1f} µs best")
    figure(
        "Grouping and redaction rules per exchange (typical GET / POST with secrets)",
        " / ".join(f"{value:.0f} µs" for value in list(medians.values())[:2]),
    )


if __name__ == "__main__":
    main()
