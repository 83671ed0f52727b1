"""The spool: every exchange handed to the writer is appended to a file beside the database
first, and stays there until its batch is committed.

The writer commits in batches, and with large bodies its backlog is seconds long: a kill -9
used to lose every answered exchange still waiting (23-47% of a run with 64 KB bodies). A
plain write() reaches the kernel's page cache at once and survives the death of the process,
so the next capture on the same database replays what the spool still holds; write_batch skips
uids already stored, so a replay never duplicates. (A power cut is another matter: nothing here
calls fsync, which would cost every request a disk flush.)

Files are `<db>-spool-<pid>-<n>`, mode 0600: what they hold was redacted before it got here.
A file is emptied when everything in it is committed and rotated past 64 MB, so it stays small.
The process id keeps two captures of one database apart: a start replays only the files of
processes that are gone.
"""

from __future__ import annotations

import itertools
import logging
import os
import pickle
import struct
from collections.abc import Iterator
from pathlib import Path

from inspector.model import Exchange

logger = logging.getLogger("inspector.capture")

_HEADER = struct.Struct("<I")
# Generations count up for the whole process, so a spool started again after a failure never
# reuses (and truncates) the name of one that still holds exchanges.
_GENERATIONS = itertools.count(1)
ROTATE_BYTES = 64 * 1024 * 1024


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: not ours to replay
    return True


def orphaned_spools(db_path: Path) -> list[Path]:
    """Spool files left by captures of this database that are no longer running, oldest first."""
    prefix = f"{db_path.name}-spool-"
    found = []
    for path in db_path.parent.glob(f"{db_path.name}-spool-*-*"):
        pid_text, _, generation = path.name.removeprefix(prefix).partition("-")
        if pid_text.isdigit() and generation.isdigit() and not _alive(int(pid_text)):
            found.append((path.stat().st_mtime, int(generation), path))
    return [path for *_, path in sorted(found)]


def read_spool(path: Path) -> Iterator[Exchange]:
    """The exchanges of one spool file; a record cut short by the kill ends it."""
    data = path.read_bytes()
    offset = 0
    while offset + _HEADER.size <= len(data):
        (size,) = _HEADER.unpack_from(data, offset)
        start = offset + _HEADER.size
        if start + size > len(data):
            return
        try:
            exchange = pickle.loads(data[start : start + size])
        except Exception:  # a damaged record: what follows cannot be trusted either
            logger.warning("%s is damaged after %d bytes; the rest is skipped.", path, offset)
            return
        if isinstance(exchange, Exchange):
            yield exchange
        offset = start + size


class Spool:
    """Append-only files of exchanges not yet committed. Not thread-safe: the writer locks."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._pid = os.getpid()
        self._generation = 0
        self._fd = -1
        self._size = 0
        self._outstanding: dict[int, int] = {}
        self._open_next()

    def _path(self, generation: int) -> Path:
        return self.db_path.with_name(f"{self.db_path.name}-spool-{self._pid}-{generation}")

    def _open_next(self) -> None:
        self._generation = next(_GENERATIONS)
        self._fd = os.open(self._path(self._generation),
                           os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_TRUNC, 0o600)  # fmt: skip
        self._size = 0
        self._outstanding[self._generation] = 0

    def append(self, exchange: Exchange) -> int:
        """Write one exchange; returns the generation to report back when it is committed."""
        data = pickle.dumps(exchange, protocol=pickle.HIGHEST_PROTOCOL)
        record = _HEADER.pack(len(data)) + data
        written = 0
        view = memoryview(record)
        while written < len(record):
            written += os.write(self._fd, view[written:])
        self._size += len(record)
        generation = self._generation
        self._outstanding[generation] += 1
        if self._size >= ROTATE_BYTES:
            os.close(self._fd)
            self._open_next()
        return generation

    def committed(self, generation: int) -> None:
        """One exchange of `generation` is in the database (or was given up on)."""
        self._outstanding[generation] -= 1
        if generation != self._generation and self._outstanding[generation] == 0:
            del self._outstanding[generation]
            self._path(generation).unlink(missing_ok=True)

    def idle(self) -> None:
        """Nothing is waiting: empty the current file so it does not grow for ever."""
        if self._outstanding.get(self._generation) == 0 and self._size:
            os.ftruncate(self._fd, 0)
            self._size = 0

    def close(self, *, everything_written: bool) -> None:
        """Close; the files go only when all they held was written (else the next start has
        them)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if everything_written and not any(self._outstanding.values()):
            for generation in self._outstanding:
                self._path(generation).unlink(missing_ok=True)
