"""compare(): the order of its rows."""

from __future__ import annotations

from array import array

from inspector.compare.report import compare
from inspector.compare.sides import Group, Side


def _side(volumes: dict[str, int]) -> Side:
    side = Side("side")
    for name, requests in volumes.items():
        side.endpoints[name] = Group(requests, 0, array("d", [10.0] * requests))
    return side


def test_busiest_first_and_equal_volumes_by_name() -> None:
    # Twelve names of equal volume: a set's order (it changes with PYTHONHASHSEED) would almost
    # never come out sorted by chance.
    names = [f"GET /r{n:02d}" for n in range(12)]
    volumes = {name: 9 for name in reversed(names)} | {"GET /busy": 20}
    report = compare(_side(volumes), _side(volumes))
    assert [change.name for change in report.endpoints] == ["GET /busy", *names]
