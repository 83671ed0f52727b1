"""`inspector config check PATH`: validate a configuration file and summarise what it does."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from inspector.cli.app import main
from inspector.config import Config, load_config
from inspector.config.defaults import BUILTIN_DENY, BUILTIN_EXCLUDE_PATHS
from inspector.config.errors import ConfigError
from inspector.config.grouping import FunctionRule, SourceRule
from inspector.config.locate import line_of
from inspector.config.secret_shapes import TOKEN_FORMATS
from inspector.config.sources import Source
from inspector.units import period_text

if TYPE_CHECKING:
    from inspector.exporters.options import OptionError


@main.group("config")
def config_group() -> None:
    """Check configuration files (grouping, redaction and capture rules)."""


def _source(source: Source) -> str:
    return f"{source.spec} (stored as a fingerprint)" if source.credential else source.spec


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def describe(config: Config) -> list[str]:
    """The summary `config check` prints: what the rules will do to captured traffic."""
    lines = [f"{config.path}: OK (schema_version {config.schema_version})"]
    rules = config.grouper.rules
    lines.append(f"Grouping: {_plural(len(rules), 'rule')}, first match wins")
    for number, rule in enumerate(rules, start=1):
        if isinstance(rule, FunctionRule):
            lines.append(f"  {number}. function {rule.name}")
        elif isinstance(rule, SourceRule):
            parts = [f"id {_source(rule.id)}"]
            if rule.label:
                parts.append(f"label {rule.label.spec}")
            if rule.email:
                parts.append(f"email {rule.email.spec}")
            lines.append(f"  {number}. {', '.join(parts)}")
    lines.append(f"Consumers: {_plural(len(config.grouper.known), 'known id')}")
    redact = config.redact
    builtin_deny = len(BUILTIN_DENY) if redact.builtin else 0
    own_deny = len(redact.deny) - builtin_deny
    allow = f"only {_plural(len(redact.allow), 'name')}" if redact.allow else "everything else"
    lines.append(
        f"Redaction: deny {_plural(len(redact.deny), 'name')} ({builtin_deny} built-in, "
        f"{own_deny} yours); keep {allow}; mask {_plural(len(redact.mask), 'pattern')}"
        + (" plus card numbers" if redact.builtin else "")
    )
    lines += _effective_redaction(config)
    capture = config.capture
    hosts = ", ".join(capture.hosts) if capture.hosts else "all hosts"
    builtin_excludes = sum(1 for p in capture.exclude_paths if p in BUILTIN_EXCLUDE_PATHS)
    retention = capture.retention
    kept = [
        f"max age {period_text(retention.max_age_seconds)}" if retention.max_age_seconds else "",
        f"at most {retention.max_exchanges} exchanges" if retention.max_exchanges else "",
        f"at most {retention.max_db_mb} MB" if retention.max_db_mb else "",
    ]
    lines.append(
        f"Capture: {hosts}; skip {_plural(len(capture.exclude_paths), 'path pattern')} "
        f"({builtin_excludes} built-in); bodies up to {capture.max_body_bytes} bytes"
    )
    lines.append(f"OpenAPI: {capture.openapi or 'none'}")
    lines.append(
        "Retention: "
        + (", ".join(k for k in kept if k) + ", oldest pruned first" if any(kept) else "keep all")
    )
    exports = ", ".join(sorted(config.exports)) if config.exports else "none"
    lines.append(f"Exports: {exports}")
    return lines + warnings(config)


def _wrapped(title: str, items: Sequence[str]) -> list[str]:
    text = textwrap.fill(", ".join(items), width=96, initial_indent="    ", break_on_hyphens=False,
                         subsequent_indent="    ")  # fmt: skip
    return [f"  {title}:", text]


def _effective_redaction(config: Config) -> list[str]:
    """The rules in force, spelled out: what `[REDACTED]` will replace in captured traffic."""
    rules = config.key_rules
    lines = _wrapped("Denied names (values replaced wherever the name appears)", rules.deny)
    pair_only = [name for name in rules.for_pairs.deny if name not in rules.deny]
    if pair_only:
        lines += _wrapped("Also denied in query strings, forms, headers and cookies", pair_only)
        lines.append("    and `code` beside state, redirect_uri, grant_type or client_id (OAuth)")
    if rules.allow:
        lines += _wrapped("Allowed names (every other value replaced)", rules.allow)
    if rules.not_secret:
        lines += _wrapped("Not secret here (kept although a built-in rule denies them)",
                          rules.not_secret)  # fmt: skip
    if config.mask.tokens:
        shapes = ["card numbers", *(rule.name for rule in TOKEN_FORMATS)]
        lines += _wrapped("Values masked whatever their name", shapes)
        lines.append("    and passwords and denied names inside URLs anywhere")
    return lines


def warnings(config: Config) -> list[str]:
    """Valid settings that are probably not what the user wants."""
    found = []
    if not config.redact.builtin:
        found.append(
            "Warning: [redact] builtin = false: credentials (Authorization, cookies, API keys, "
            "passwords) are stored unless your deny list names them."
        )
    return found


@config_group.command("check")
@click.argument("path", type=click.Path(dir_okay=True, path_type=Path))
def check(path: Path) -> None:
    """Validate the configuration file PATH and print what it will do.

    Exits 0 when the file is valid, 2 with the file, line and key at fault when it is not.
    """
    # Here, not at the top: the exporters (httpx and all) load only for this command.
    from inspector.exporters.options import OptionError
    from inspector.exporters.registry import check_export_table

    config = load_config(path)
    for name, table in config.exports.items():
        try:
            check_export_table(name, table)
        except OptionError as exc:
            raise _export_error(exc, path, name) from None
    click.echo("\n".join(describe(config)))


def _export_error(error: OptionError, path: Path, name: str) -> ConfigError:
    """The table's error with the file and the line of the key (or of the table)."""
    table = ("export", name)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        text = ""
    key = error.config_key[1:] if error.config_key else ()
    line = line_of(text, (*table, *key)) or line_of(text, table)
    return ConfigError(str(error), file=path, line=line)
