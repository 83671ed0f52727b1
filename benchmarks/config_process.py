"""Cost of Config.process() per exchange (grouping + redaction) with the built-in rules.

Prints microseconds per call for a few typical requests; process() runs on the proxy's event
loop for every flow, so the target is well under 100 µs for a typical request. The same cases
run in the same go against a baseline revision (a temporary git worktree, `--baseline REV`,
by default the code before value-shape redaction), and each new figure may be at most 20%
slower than the baseline's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from figures import figure

from inspector.config import load_config
from inspector.demo.credentials import make_jwt
from inspector.model import Body, Exchange
from inspector.testing.factories import make_exchange


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


# The last revision whose redaction keyed on names only.
BASELINE = "89c6f62"
ALLOWED_SLOWDOWN = 1.20


def measure() -> dict[str, float]:
    config = load_config(None)
    medians: dict[str, float] = {}
    for name, exchange in CASES.items():
        median, _ = per_call_us(lambda exchange=exchange: config.process(exchange))
        medians[name] = median
    return medians


def _baseline(revision: str) -> dict[str, float]:
    """The same measurement run against `revision`'s code, in a throwaway worktree."""
    repo = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as scratch:
        tree = Path(scratch) / "baseline"
        subprocess.run(["git", "-C", str(repo), "worktree", "add", "--detach", "-q", str(tree),
                        revision], check=True)  # fmt: skip
        try:
            env = {**os.environ, "PYTHONPATH": str(tree)}
            done = subprocess.run(
                [sys.executable, __file__, "--measure-only"],
                env=env, capture_output=True, text=True, check=True,
            )  # fmt: skip
        finally:
            subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", str(tree)],
                           check=False)  # fmt: skip
    return dict(json.loads(done.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", default=BASELINE, help="git revision to compare against")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_only:
        import inspector

        assert os.environ.get("PYTHONPATH", "") in inspector.__file__, "baseline not imported"
        print(json.dumps(measure()))
        return
    now = measure()
    before = _baseline(args.baseline)
    print(f"{'per exchange':55s} {'now':>10s} {'baseline':>10s} {'ratio':>6s}")
    missed = False
    for name, value in now.items():
        ratio = value / before[name]
        missed |= ratio > ALLOWED_SLOWDOWN
        print(f"{name:55s} {value:8.1f}µs {before[name]:8.1f}µs {ratio:6.2f}")
    config = load_config(None)
    median, _ = per_call_us(lambda: config.wants("localhost", 8000, "/users/42"))
    print(f"{'wants() scope check':55s} {median:8.1f}µs")
    names = list(now)
    figure(
        "Grouping and redaction per exchange: typical GET / 100 kB JSON (baseline: names only)",
        f"{now[names[0]]:.0f} µs / {now[names[2]] / 1000:.1f} ms "
        f"(was {before[names[0]]:.0f} µs / {before[names[2]] / 1000:.1f} ms)",
        target=f"at most {ALLOWED_SLOWDOWN:.0%} of the baseline",
        missed=missed,
    )


if __name__ == "__main__":
    main()
