"""Parsing the values of filter terms: comparisons, durations, sizes, status classes, instants."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable


class BadValue(Exception):
    """A value that does not parse; the message says what was expected (no position)."""


# (low, high, low_exclusive, high_exclusive); None means unbounded on that side.
Bounds = tuple[float | None, float | None, bool, bool]

_OPERATOR = re.compile(r"(>=|<=|>|<|=)(.*)", re.S)
_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"


def parse_comparison(item: str, parse: Callable[[str], float]) -> Bounds:
    """`>5`, `>=5`, `<5`, `<=5`, `=5`, `5`, `2-5` or `2..5`, each number read by `parse`."""
    operator = _OPERATOR.fullmatch(item)
    if operator:
        op, rest = operator.groups()
        value = parse(rest.strip())
        return {
            ">": (value, None, True, False),
            ">=": (value, None, False, False),
            "<": (None, value, False, True),
            "<=": (None, value, False, False),
            "=": (value, value, False, False),
        }[op]
    if ".." in item:
        low_text, _, high_text = item.partition("..")
    elif "-" in item[1:]:
        low_text, _, high_text = item.partition("-")
    else:
        value = parse(item)
        return value, value, False, False
    low, high = parse(low_text.strip()), parse(high_text.strip())
    if low > high:
        raise BadValue(f"the range starts above its end ({low_text} > {high_text})")
    return low, high, False, False


def _number(text: str, what: str) -> float:
    if not re.fullmatch(_NUMBER, text):
        raise BadValue(f"expected {what}")
    return float(text)


def parse_port(text: str) -> float:
    if not re.fullmatch(r"\d{1,5}", text):
        raise BadValue("expected a port number (8080)")
    return float(text)


def parse_status(item: str) -> Bounds:
    """A code (404), a class (4xx), a comparison (>=400) or a range (400-499)."""
    klass = re.fullmatch(r"([1-5])[xX]{2}", item)
    if klass:
        base = int(klass.group(1)) * 100
        return base, base + 99, False, False

    def code(text: str) -> float:
        if not re.fullmatch(r"\d{1,3}", text):
            raise BadValue(
                "expected a code (404), a class (5xx), a comparison (>=400), a range (400-499) "
                "or failed"
            )
        return float(text)

    return parse_comparison(item, code)


_DURATION_UNITS_MS = {"": 1.0, "ms": 1.0, "s": 1000.0, "sec": 1000.0, "m": 60_000.0,
                      "min": 60_000.0, "h": 3_600_000.0}  # fmt: skip


def parse_duration_ms(text: str) -> float:
    """`500` (ms), `200ms`, `1.5s`, `2m` -> milliseconds."""
    match = re.fullmatch(_NUMBER + r"\s*([a-zA-Z]*)", text)
    unit = match.group(2).lower() if match else ""
    if not match or unit not in _DURATION_UNITS_MS:
        raise BadValue("expected milliseconds (500) or a number with ms, s or m (1.5s)")
    return float(match.group(1)) * _DURATION_UNITS_MS[unit]


_BYTE_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2,
               "mib": 1024**2, "g": 1024**3, "gb": 1024**3, "gib": 1024**3}  # fmt: skip


def parse_bytes(text: str) -> float:
    """`512`, `10k`, `1.5mb` -> bytes (1k = 1024)."""
    match = re.fullmatch(_NUMBER + r"\s*([a-zA-Z]*)", text)
    unit = match.group(2).lower() if match else ""
    if not match or unit not in _BYTE_UNITS:
        raise BadValue("expected bytes (512) or a number with k, m or g (10k, 1.5mb)")
    return float(match.group(1)) * _BYTE_UNITS[unit]


_RELATIVE_UNITS_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_RELATIVE = re.compile(r"(?:(\d+(?:\.\d+)?)([smhdw]))+", re.I)
_RELATIVE_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])", re.I)


def _local_midnight(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time()).timestamp()  # naive: local time


def parse_instant(text: str, now: float, *, end_of_day: bool = False) -> float:
    """See _parse_instant; dates the platform cannot convert are a BadValue too."""
    try:
        return _parse_instant(text, now, end_of_day=end_of_day)
    except (OverflowError, OSError, ValueError) as exc:
        raise BadValue("that date is out of range") from exc


def _parse_instant(text: str, now: float, *, end_of_day: bool) -> float:
    """Epoch seconds for `15m`, `2h30m`, `now`, `today`, `yesterday`, `10:30`, an ISO date or
    datetime (local time unless it has an offset or Z).

    A whole day (`2026-11-22`, `today`) means its start, or its end when `end_of_day` is set, so
    that until:2026-11-22 includes that day.
    """
    lowered = text.strip().lower()
    if _RELATIVE.fullmatch(lowered):
        seconds = sum(
            float(amount) * _RELATIVE_UNITS_S[unit]
            for amount, unit in _RELATIVE_PART.findall(lowered)
        )
        return now - seconds
    if lowered == "now":
        return now
    today = dt.datetime.fromtimestamp(now).date()
    day: dt.date | None = None
    if lowered == "today":
        day = today
    elif lowered == "yesterday":
        day = today - dt.timedelta(days=1)
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", lowered):
        try:
            day = dt.date.fromisoformat(lowered)
        except ValueError:
            raise BadValue("no such date") from None
    if day is not None:
        return _local_midnight(day + dt.timedelta(days=1) if end_of_day else day)
    if re.fullmatch(r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?", lowered):
        try:
            clock = dt.time.fromisoformat(lowered.zfill(len(lowered) + (lowered[1] == ":")))
        except ValueError:
            raise BadValue("no such time of day") from None
        return dt.datetime.combine(today, clock).timestamp()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[t ].+", lowered):
        try:
            moment = dt.datetime.fromisoformat(text.strip())
        except ValueError:
            raise BadValue("not an ISO 8601 date and time (2026-11-22T10:00)") from None
        return moment.timestamp()  # naive means local time
    raise BadValue(
        "expected a time ago (15m, 2h, 3d, 1w), today, yesterday, a time of day (10:30) "
        "or an ISO date or datetime (2026-11-22, 2026-11-22T10:00)"
    )
