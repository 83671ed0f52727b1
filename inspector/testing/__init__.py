"""Factories for tests and benchmarks: realistic records without a proxy."""

from inspector.testing.factories import make_exchange
from inspector.testing.waiting import wait_until

__all__ = ["make_exchange", "wait_until"]
