"""Validating a parsed TOML document and compiling it into a Config; errors name the key."""

from __future__ import annotations

import difflib
import importlib
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from inspector.config.defaults import (
    BUILTIN_DENY,
    BUILTIN_EXCLUDE_PATHS,
    BUILTIN_PAIR_DENY,
    DEFAULT_MAX_BODY_BYTES,
    MAX_EMAIL_CHARS,
    MAX_GROUP_CHARS,
    MAX_ID_CHARS,
    MAX_LABEL_CHARS,
)
from inspector.config.errors import ConfigError, KeyPath
from inspector.config.grouping import FunctionRule, Grouper, GroupRule, SourceRule
from inspector.config.pipeline import Config
from inspector.config.redaction import KeyRules, Masker
from inspector.config.scope import Scope, split_host_port
from inspector.config.settings import (
    CaptureSettings,
    RedactSettings,
    Retention,
    parse_duration_seconds,
    parse_size_mb,
)
from inspector.config.sources import parse_source
from inspector.model import Consumer, Exchange
from inspector.openapi import OpenApiError, OpenApiSpec

SCHEMA_VERSION = 1
T = TypeVar("T")

# Every key the file may hold, by table: the unknown-key check and `did you mean` use these.
TOP_KEYS = ("schema_version", "capture", "group", "consumer", "redact", "export")
CAPTURE_KEYS = (
    "hosts", "exclude_paths", "builtin_excludes", "max_body_bytes", "openapi", "retention",
)  # fmt: skip
RETENTION_KEYS = ("max_age", "max_exchanges", "max_db_mb")
GROUP_KEYS = ("id", "label", "email", "function")
CONSUMER_KEYS = ("id", "label", "email", "group")
REDACT_KEYS = ("deny", "allow", "mask", "builtin", "not_secret")

# The grouping rules used when a file has no [[group]]: the usual places an API key or user
# identity lives. A readable JWT subject first, then keys and tokens (stored as fingerprints).
DEFAULT_GROUP_RULES = (
    {"id": "jwt:sub", "label": "jwt:name", "email": "jwt:email"},
    {"id": "header:x-api-key"},
    {"id": "bearer"},
    {"id": "basic:user"},
)


def _type_name(value: object) -> str:
    return {
        bool: "a boolean", int: "an integer", float: "a number", str: "a string",
        list: "an array", dict: "a table",
    }.get(type(value), type(value).__name__)  # fmt: skip


class _Table:
    """A TOML table being read: typed getters, and unknown keys reported at the end."""

    def __init__(self, data: object, path: KeyPath, known: Sequence[str]) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"expected a table, got {_type_name(data)}", key_path=path)
        self.data: dict[str, Any] = data
        self.path = path
        for key in data:
            if key not in known:
                hint = difflib.get_close_matches(key, known, n=1)
                suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
                raise ConfigError(
                    f"unknown key{suggestion}; known keys here: {', '.join(known)}",
                    key_path=(*path, key),
                )

    def key(self, name: str) -> KeyPath:
        return (*self.path, name)

    def get(self, name: str, kind: type[T], default: T) -> T:
        value: object = self.data.get(name, default)
        # TOML booleans are Python ints: never accept one where a number is meant.
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return value
        raise ConfigError(
            f"expected {_type_name(kind())}, got {_type_name(value)}", key_path=self.key(name)
        )

    def strings(self, name: str) -> tuple[str, ...]:
        values = self.get(name, list, [])
        for index, value in enumerate(values):
            if not isinstance(value, str):
                raise ConfigError(
                    f"expected a string, got {_type_name(value)}", key_path=(*self.key(name), index)
                )
        return tuple(values)


def _regexes(table: _Table, name: str) -> list[re.Pattern[str]]:
    compiled = []
    for index, pattern in enumerate(table.strings(name)):
        try:
            compiled.append(re.compile(pattern))
        except (re.error, RecursionError, OverflowError) as exc:
            raise ConfigError(
                f"bad regular expression {pattern!r}: {exc}", key_path=(*table.key(name), index)
            ) from None
    return compiled


def _names(table: _Table, name: str) -> tuple[str, ...]:
    names = table.strings(name)
    for index, entry in enumerate(names):
        if not entry.strip():
            raise ConfigError("an empty key name", key_path=(*table.key(name), index))
    return tuple(entry.strip() for entry in names)


def _redact(data: object) -> tuple[RedactSettings, KeyRules, Masker]:
    table = _Table(data, ("redact",), REDACT_KEYS)
    builtin = table.get("builtin", bool, True)
    deny = _names(table, "deny")
    allow = _names(table, "allow")
    not_secret = _names(table, "not_secret")
    masks = _regexes(table, "mask")
    for index, name in enumerate(not_secret):
        if name.lower() in {entry.lower() for entry in deny}:
            raise ConfigError(
                f"{name!r} is in both deny and not_secret; keep it in one of them",
                key_path=(*table.key("not_secret"), index),
            )
    effective_deny = (*BUILTIN_DENY, *deny) if builtin else deny
    settings = RedactSettings(
        deny=effective_deny,
        allow=allow,
        mask=tuple(p.pattern for p in masks),
        builtin=builtin,
        not_secret=not_secret,
    )
    rules = KeyRules(
        effective_deny, allow, not_secret, pair_deny=BUILTIN_PAIR_DENY if builtin else ()
    )
    # The built-in rules also mask values shaped like credentials and secrets inside URLs.
    mask = Masker(
        masks, cards=builtin, tokens=builtin, url_rules=rules.for_pairs if builtin else None
    )
    return settings, rules, mask


def _retention(data: object) -> Retention:
    table = _Table(data, ("capture", "retention"), RETENTION_KEYS)
    values: dict[str, int | None] = {}
    for name, parse in (("max_age", parse_duration_seconds), ("max_db_mb", parse_size_mb)):
        raw = table.data.get(name)
        if raw is None:
            values[name] = None
        elif isinstance(raw, int) and not isinstance(raw, bool) and raw > 0:
            values[name] = raw
        elif isinstance(raw, str):
            try:
                values[name] = parse(raw)
            except ValueError as exc:
                raise ConfigError(str(exc), key_path=table.key(name)) from None
        else:
            raise ConfigError(
                f"expected a positive integer or a string, got {_type_name(raw)} {raw!r}",
                key_path=table.key(name),
            )
    max_exchanges = table.data.get("max_exchanges")
    if max_exchanges is not None:
        max_exchanges = table.get("max_exchanges", int, 0)
        if max_exchanges <= 0:
            raise ConfigError("must be a positive integer", key_path=table.key("max_exchanges"))
    return Retention(
        max_age_seconds=values["max_age"],
        max_exchanges=max_exchanges,
        max_db_mb=values["max_db_mb"],
    )


def _capture(data: object, base_dir: Path | None) -> tuple[CaptureSettings, Scope]:
    table = _Table(data, ("capture",), CAPTURE_KEYS)
    hosts = table.strings("hosts")
    for index, host in enumerate(hosts):
        try:
            split_host_port(host)
        except ValueError as exc:
            raise ConfigError(
                f"bad host: {exc}; write host or host:port", key_path=(*table.key("hosts"), index)
            ) from None
    excludes = _regexes(table, "exclude_paths")
    if table.get("builtin_excludes", bool, True):
        excludes = [re.compile(p) for p in BUILTIN_EXCLUDE_PATHS] + excludes
    max_body_bytes = table.get("max_body_bytes", int, DEFAULT_MAX_BODY_BYTES)
    if max_body_bytes < 0:
        raise ConfigError("must be 0 or more", key_path=table.key("max_body_bytes"))
    openapi = table.get("openapi", str, "").strip()
    if openapi and base_dir is not None and not Path(openapi).expanduser().is_absolute():
        openapi = str(base_dir / openapi)
    retention = _retention(table.data["retention"]) if "retention" in table.data else Retention()
    settings = CaptureSettings(
        hosts=hosts,
        exclude_paths=tuple(p.pattern for p in excludes),
        max_body_bytes=max_body_bytes,
        openapi=str(Path(openapi).expanduser()) if openapi else "",
        retention=retention,
    )
    return settings, Scope(hosts, excludes)


def _openapi_spec(path: str) -> OpenApiSpec | None:
    """The spec named by `capture.openapi`, read once here so each capture only matches."""
    if not path:
        return None
    try:
        return OpenApiSpec.load(path)
    except OpenApiError as exc:
        raise ConfigError(str(exc), key_path=("capture", "openapi")) from None


@contextmanager
def _import_path(base_dir: Path | None) -> Iterator[None]:
    # A grouping module next to the configuration file is found without installing it.
    added = base_dir is not None and str(base_dir) not in sys.path
    if added:
        sys.path.insert(0, str(base_dir))
    try:
        yield
    finally:
        if added:
            sys.path.remove(str(base_dir))


def _function(spec: object, key_path: KeyPath, base_dir: Path | None) -> FunctionRule:
    if not isinstance(spec, str) or spec.count(":") != 1 or not all(spec.split(":")):
        raise ConfigError(f'expected "module:callable", got {spec!r}', key_path=key_path)
    module_name, attribute = (part.strip() for part in spec.split(":"))
    try:
        with _import_path(base_dir):
            target: Any = importlib.import_module(module_name)
            # A module next to the configuration file is re-read with it, so saving the file
            # after editing the module applies both without a restart.
            module_file = getattr(target, "__file__", None)
            if base_dir is not None and module_file and Path(module_file).parent == base_dir:
                target = importlib.reload(target)
        for part in attribute.split("."):
            target = getattr(target, part)
    except (Exception, SystemExit) as exc:  # the user's module failing is a config error
        raise ConfigError(
            f"cannot load grouping function {spec!r}: {type(exc).__name__}: {exc}",
            key_path=key_path,
        ) from None
    if not callable(target):
        raise ConfigError(f"{spec!r} is not callable", key_path=key_path)
    return FunctionRule(name=spec, function=target)


def _group_rules(data: object, rules: KeyRules, base_dir: Path | None) -> list[GroupRule]:
    if not isinstance(data, list):
        raise ConfigError(f"expected [[group]] tables, got {_type_name(data)}", key_path=("group",))
    compiled: list[GroupRule] = []
    for index, entry in enumerate(data):
        table = _Table(entry, ("group", index), GROUP_KEYS)
        if "function" in table.data:
            extra = [k for k in ("id", "label", "email") if k in table.data]
            if extra:
                raise ConfigError(
                    f"a function rule takes no {', '.join(extra)}: the function returns them",
                    key_path=table.key(extra[0]),
                )
            compiled.append(_function(table.data["function"], table.key("function"), base_dir))
            continue
        if "id" not in table.data:
            raise ConfigError(
                "a [[group]] rule needs `id` (a source) or `function`", key_path=table.path
            )
        id_source = parse_source(table.data["id"], table.key("id"), rules)
        extras = {}
        for name in ("label", "email"):
            if name in table.data:
                source = parse_source(table.data[name], table.key(name), rules)
                if source.credential:
                    raise ConfigError(
                        f"{source.spec} is a credential (redacted), so it cannot be a {name}; "
                        "give names with [[consumer]] entries instead",
                        key_path=table.key(name),
                    )
                extras[name] = source
        compiled.append(SourceRule(id=id_source, **extras))
    return compiled


def _consumers(data: object) -> list[Consumer]:
    if not isinstance(data, list):
        raise ConfigError(
            f"expected [[consumer]] tables, got {_type_name(data)}", key_path=("consumer",)
        )
    known: list[Consumer] = []
    seen: dict[str, int] = {}
    limits = {"id": MAX_ID_CHARS, "label": MAX_LABEL_CHARS, "email": MAX_EMAIL_CHARS,
              "group": MAX_GROUP_CHARS}  # fmt: skip
    for index, entry in enumerate(data):
        table = _Table(entry, ("consumer", index), CONSUMER_KEYS)
        if "id" not in table.data:
            raise ConfigError("a [[consumer]] needs an `id`", key_path=table.path)
        values = {}
        for name, limit in limits.items():
            value = table.get(name, str, "").strip()
            if len(value) > limit:
                raise ConfigError(
                    f"is {len(value)} characters long; the limit is {limit}",
                    key_path=table.key(name),
                )
            values[name] = value
        if not values["id"]:
            raise ConfigError("must not be empty", key_path=table.key("id"))
        if values["id"] in seen:
            raise ConfigError(
                f"id {values['id']!r} is already given by consumer[{seen[values['id']] + 1}]",
                key_path=table.key("id"),
            )
        seen[values["id"]] = index
        known.append(Consumer(values["id"], values["label"], values["email"], values["group"]))
    return known


def _exports(data: object) -> dict[str, dict[str, object]]:
    if not isinstance(data, dict):
        raise ConfigError(f"expected a table, got {_type_name(data)}", key_path=("export",))
    for name, options in data.items():
        if not isinstance(options, dict):
            raise ConfigError(
                f"expected an [export.{name}] table, got {_type_name(options)}",
                key_path=("export", name),
            )
    # Kept as written: `env:VAR` values are resolved by the exporters, only when used.
    return {name: dict(options) for name, options in data.items()}


def _schema_version(data: dict[str, Any]) -> int:
    version = data.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ConfigError(
            f"expected a positive integer, got {version!r}", key_path=("schema_version",)
        )
    if version > SCHEMA_VERSION:
        raise ConfigError(
            f"this file was written for a newer API Inspector (schema_version {version}; this "
            f"version reads {SCHEMA_VERSION}); upgrade API Inspector",
            key_path=("schema_version",),
        )
    return version


def build_config(
    data: dict[str, Any], *, path: Path | None = None, base_dir: Path | None = None
) -> Config:
    """Validate a parsed document and compile it. Raises ConfigError naming the key path."""
    root = _Table(data, (), TOP_KEYS)
    version = _schema_version(root.data)
    redact, rules, mask = _redact(root.data.get("redact", {}))
    capture, scope = _capture(root.data.get("capture", {}), base_dir)
    spec = _openapi_spec(capture.openapi)
    groups_data = root.data.get("group", list(DEFAULT_GROUP_RULES))
    groups = _group_rules(groups_data, rules, base_dir)
    consumers = _consumers(root.data.get("consumer", []))
    exports = _exports(root.data.get("export", {}))
    return Config(
        capture=capture,
        scope=scope,
        grouper=Grouper(groups, consumers),
        redact=redact,
        rules=rules,
        mask=mask,
        exports=exports,
        path=path,
        schema_version=version,
        openapi=spec,
    )


def key_list_redaction(deny: Sequence[str], allow: Sequence[str]) -> Callable[[Exchange], Exchange]:
    """The redaction engine with only these deny/allow names (globs allowed), for a destination's
    own lists on top of what capture already removed (ReadMe's `denylist`/`allowlist`)."""
    document = {"redact": {"deny": list(deny), "allow": list(allow), "builtin": False}}
    return build_config(document).redact_exchange
