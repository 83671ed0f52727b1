"""Factories for tests and benchmarks: realistic records without a proxy."""

from inspector.testing.factories import make_exchange

__all__ = ["make_exchange"]
