"""Every export destination, by name. A service destination is one module that declares its
options, its payload and its delivery policy (its DESTINATION); this only lists them, and
imports a module when its destination is first asked for, so a command that exports nowhere
(or to one place) loads no other exporter. File destinations (FILE_FORMATS) take no options and
keep no cursor; they are listed in file_formats and named here so both kinds are found in one
place."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from inspector.errors import InspectorError
from inspector.exporters.file_formats import FILE_FORMATS
from inspector.exporters.options import (
    Destination,
    OptionError,
    check_keys,
    coerce,
    resolve_options,
)

__all__ = ["DESTINATIONS", "FILE_FORMATS", "build_exporter", "check_export_table"]

if TYPE_CHECKING:
    from inspector.exporters.service import ServiceExporter

_MODULES = {
    "readme": "inspector.exporters.readme",
    "apitally": "inspector.exporters.apitally",
    "otlp": "inspector.exporters.otlp_exporter",
    "elasticsearch": "inspector.exporters.elasticsearch",
}


class _Destinations(Mapping[str, Destination]):
    """The destinations by name, each module imported on first use."""

    def __getitem__(self, name: str) -> Destination:
        if name not in _MODULES:
            raise KeyError(name)
        destination: Destination = importlib.import_module(_MODULES[name]).DESTINATION
        return destination

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


DESTINATIONS: Mapping[str, Destination] = _Destinations()


def check_export_table(name: str, table: Mapping[str, Any]) -> None:
    """What `config check` can tell of an `[export.NAME]` table without the environment: that it
    names a destination (by its name or `type`), and its keys and the types of their values.
    `env:VAR` values are checked when used, where the variable is set. Raises OptionError."""
    kind = table.get("type", name)
    destination = DESTINATIONS.get(kind) if isinstance(kind, str) else None
    if destination is None:
        known = ", ".join(DESTINATIONS)
        subject = f"type {kind!r}" if "type" in table else "its name"
        raise OptionError(
            f"[export.{name}]: {subject} is no export destination (known: {known}); name the "
            'table after one, or add type = "readme" (say) to a table of your own name.',
            config_key=(name, "type") if "type" in table else None,
        )
    specs = {spec.name: spec for spec in destination.options}
    check_keys(table, specs, name)
    for key, value in table.items():
        if key == "type" or (isinstance(value, str) and value.startswith("env:") and value[4:]):
            continue
        coerce(specs[key], value, f"[export.{name}] {key}", (name, key))


def build_exporter(
    name: str,
    given: Mapping[str, Any] | None = None,
    table: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> ServiceExporter:
    """An exporter for destination `name` (a config table may say `type = "readme"`)."""
    kind = str((table or {}).get("type", name))
    destination = DESTINATIONS.get(kind)
    if destination is None:
        known = ", ".join(DESTINATIONS)
        raise InspectorError(f"Unknown export destination {kind!r} (known: {known}).")
    values = resolve_options(destination, given or {}, table, environ=environ, table_name=name)
    return destination.build(values)
