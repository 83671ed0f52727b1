"""How values read in the app: times and addresses (durations and sizes: inspector.units)."""

from __future__ import annotations

import time
from datetime import datetime


def clock_time(epoch_s: float, now: float | None = None) -> str:
    """`14:03:07.123` today, `Nov 22 14:03:07` on another day (local time)."""
    moment = datetime.fromtimestamp(epoch_s)
    today = datetime.fromtimestamp(time.time() if now is None else now).date()
    if moment.date() == today:
        return moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    return moment.strftime("%b %d %H:%M:%S")


def full_time(epoch_s: float) -> str:
    moment = datetime.fromtimestamp(epoch_s).astimezone()
    return moment.isoformat(timespec="milliseconds")


def relative_time(epoch_s: float | None, now: float | None = None) -> str:
    """`12 s ago`, `5 min ago`, `3 h ago`, `2 d ago`."""
    if epoch_s is None:
        return ""
    seconds = max(0.0, (time.time() if now is None else now) - epoch_s)
    if seconds < 60:
        return f"{seconds:.0f} s ago"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 86400:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} d ago"


def percent(part: int, whole: int) -> str:
    if not whole:
        return ""
    share = 100 * part / whole
    return f"{share:.1f} %" if 0 < share < 10 else f"{share:.0f} %"
