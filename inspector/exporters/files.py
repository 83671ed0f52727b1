"""Writing export files safely: complete or not at all, and readable by their owner only."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from inspector.errors import InspectorError


class ExportFileError(InspectorError):
    """The output cannot be written: a run-time failure (exit status 1)."""

    exit_code = 1


@contextlib.contextmanager
def replacing_file(path: Path) -> Iterator[TextIO]:
    """A private temporary file renamed over `path` on success and removed on any failure, so a
    failed export never leaves a half-written file behind (nor clobbers an older one)."""
    if path.is_dir():
        raise ExportFileError(f"{path} is a directory; give a file name.")
    directory = path.parent if str(path.parent) else Path(".")
    try:
        # mkstemp creates the file readable by its owner only: exports hold captured traffic.
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as exc:
        raise ExportFileError(f"Cannot write {path}: {exc.strerror}.") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
