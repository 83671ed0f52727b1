"""Destination options as data: one schema gives each option its flag, its `[export.NAME]` key
and its environment variable, and resolving them says what is wrong as data (OptionError)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from inspector.errors import InspectorError

if TYPE_CHECKING:
    from inspector.exporters.service import ServiceExporter

TIMEOUT_HELP = "Seconds to wait for each answer."


class OptionError(InspectorError):
    """A bad destination option, as data: which option (`option`, its config key), where the
    value came from (`where`: a flag, `[export.NAME] key` or a variable) and what is wrong
    (`problem`, the words after it). str() says it the command line's way; a form that shows
    options as labelled fields says it with `in_form`. `config_key` is set when the value came
    from an [export.NAME] table, so the command line can add the file and line."""

    def __init__(
        self,
        problem: str,
        *,
        option: str | None = None,
        where: str = "",
        from_flag: bool = False,
        config_key: tuple[str, str] | None = None,
    ) -> None:
        super().__init__(f"{where} {problem}" if where else problem)
        self.problem = problem
        self.option = option
        self.where = where
        self.from_flag = from_flag
        self.config_key = config_key

    def in_form(self, label: Callable[[str], str]) -> str:
        """The message with a flag named by its field's label (`label(option)`)."""
        if self.from_flag and self.option is not None:
            return f"{label(self.option)} {self.problem}"
        return str(self)


class MissingCredential(OptionError):
    """A destination's required credential was given nowhere."""

    def __init__(self, title: str, spec: OptionSpec, section: str) -> None:
        self.title, self.spec, self.section = title, spec, section
        super().__init__(
            f"needs a credential: set {spec.env} (or pass {spec.flag}, or {spec.name} in "
            f"{section} of the configuration file).",
            option=spec.name, where=title,
        )  # fmt: skip

    def in_form(self, label: Callable[[str], str]) -> str:
        return (f"{self.title} needs a credential: set {self.spec.env} (or type it here, or put "
                f"{self.spec.name} in {self.section} of the configuration file).")  # fmt: skip


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One option: `name` is the config key, `--name-with-dashes` the flag."""

    name: str
    kind: str  # "str", "int", "float", "bool", "list", or "choice"
    default: Any = None
    help: str = ""
    env: str = ""  # environment variable read when neither flag nor config gives a value
    secret: bool = False  # never shown, never accepted positionally
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    required: bool = False

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True, slots=True)
class Destination:
    name: str
    title: str
    summary: str
    options: tuple[OptionSpec, ...]
    build: Callable[[dict[str, Any]], ServiceExporter]


def opt(name: str, kind: str, default: Any = None, help: str = "", **kw: Any) -> OptionSpec:
    return OptionSpec(name, kind, default, help, **kw)


def coerce(spec: OptionSpec, value: Any, where: str, table_key: tuple[str, str] | None = None
            ) -> Any:  # fmt: skip
    """Check a value from a flag (`where` is the flag), a config table (`table_key`) or a
    variable; OptionError names where it came from."""

    def bad(problem: str) -> OptionError:
        return OptionError(problem, option=spec.name, where=where, from_flag=where == spec.flag,
                           config_key=table_key)  # fmt: skip

    kind = spec.kind
    ok: bool
    if kind == "bool":
        ok = isinstance(value, bool)
    elif kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == "float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif kind == "list":
        if isinstance(value, str):
            value = [value]
        ok = isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
        value = tuple(value) if ok else value
    else:
        ok = isinstance(value, str)
    shown = "a hidden value" if spec.secret else repr(value)  # never echo a secret
    if not ok:
        raise bad(f"must be {_KIND_WORDS[kind]}, not {shown}.")
    if spec.choices and value not in spec.choices:
        raise bad(f"must be one of {', '.join(spec.choices)}, not {shown}.")
    if spec.minimum is not None and value < spec.minimum:
        raise bad(f"must be at least {spec.minimum:g}, not {shown}.")
    if spec.name.endswith("url") and value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad("must be an http:// or https:// URL.")
    return value


_KIND_WORDS = {
    "bool": "true or false", "int": "a whole number", "float": "a number",
    "list": "a list of strings", "str": "a string", "choice": "a string",
}  # fmt: skip


def _from_env_reference(value: Any, where: str, environ: Mapping[str, str],
                        table_key: tuple[str, str]) -> Any:  # fmt: skip
    if isinstance(value, str) and value.startswith("env:"):
        var = value[4:]
        if var not in environ:
            raise OptionError(f"refers to the environment variable {var}, not set.",
                              option=table_key[1], where=where, config_key=table_key)  # fmt: skip
        return environ[var]
    return value


def check_keys(table: Mapping[str, Any], specs: Mapping[str, OptionSpec], name: str) -> None:
    for key in table:
        if key != "type" and key not in specs:
            raise OptionError(
                f"[export.{name}]: unknown key {key!r} (known keys: {', '.join(specs)}).",
                config_key=(name, key),
            )


def resolve_options(
    destination: Destination,
    given: Mapping[str, Any],
    table: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    table_name: str = "",
) -> dict[str, Any]:
    """Flags beat the `[export.NAME]` table, which beats environment variables and defaults.

    Config values may be `env:VAR`. Unknown config keys, wrong types and a missing credential
    are InspectorErrors naming the key or the variable to set.
    """
    environ = os.environ if environ is None else environ
    table = dict(table or {})
    table.pop("type", None)
    specs = {spec.name: spec for spec in destination.options}
    table_name = table_name or destination.name
    section = f"[export.{table_name}]"
    check_keys(table, specs, table_name)
    values: dict[str, Any] = {}
    for name, spec in specs.items():
        if given.get(name) not in (None, ()):
            values[name] = coerce(spec, given[name], spec.flag)
        elif name in table:
            where = f"{section} {name}"
            value = _from_env_reference(table[name], where, environ, (table_name, name))
            values[name] = coerce(spec, value, where, (table_name, name))
        elif spec.env and environ.get(spec.env):
            values[name] = coerce(spec, environ[spec.env], spec.env)
        else:
            values[name] = spec.default
    values["_environ"] = environ
    for name, spec in specs.items():
        if spec.required and not values[name]:
            raise MissingCredential(destination.title, spec, section)
    return values


def default_of(options_class: type, field_name: str) -> Any:
    """The default an exporter's options dataclass gives a field: the option schema states it
    through this, so the flag's default and the exporter's can never disagree."""
    for field in dataclasses.fields(options_class):
        if field.name == field_name:
            if field.default is dataclasses.MISSING:
                raise TypeError(f"{options_class.__name__}.{field_name} has no default")
            return field.default
    raise TypeError(f"{options_class.__name__} has no field {field_name!r}")
