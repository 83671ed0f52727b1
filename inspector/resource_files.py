"""Finding files of the top-level resources/ folder, from a checkout or an installed wheel."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable


def resource(name: str) -> Traversable:
    """A file shipped in resources/ (packaged as `inspector.resources`)."""
    found = resources.files("inspector.resources").joinpath(name)
    if not found.is_file():
        raise FileNotFoundError(f"resource {name!r} is not installed")
    return found
