"""Service destinations by name: their option schema (CLI flags, config keys, env vars) and
how to build an exporter from resolved options. Pure data here; exporters import lazily."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from inspector.errors import InspectorError

if TYPE_CHECKING:
    from inspector.exporters.delivery import ServiceExporter


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


def _opt(name: str, kind: str, default: Any = None, help: str = "", **kw: Any) -> OptionSpec:
    return OptionSpec(name, kind, default, help, **kw)


def _build_readme(values: dict[str, Any]) -> ServiceExporter:
    from inspector.exporters.readme import ReadmeExporter, ReadmeOptions

    return ReadmeExporter(
        ReadmeOptions(
            api_key=values["api_key"], base_url=values["base_url"],
            buffer_length=values["buffer_length"], development=values["development"],
            timeout_s=values["timeout"], base_log_url=values["base_log_url"],
            allowed_http_hosts=tuple(values["allowed_http_hosts"]),
            denylist=tuple(values["denylist"]), allowlist=tuple(values["allowlist"]),
            fallback_group=values["fallback_group"],
        )
    )  # fmt: skip


def _build_apitally(values: dict[str, Any]) -> ServiceExporter:
    from inspector.exporters.apitally import ApitallyExporter, ApitallyOptions

    return ApitallyExporter(
        ApitallyOptions(
            token=values["token"], env=values["env"], base_url=values["base_url"],
            buffer_length=values["buffer_length"], timeout_s=values["timeout"],
            service_name=values["service_name"],
        )
    )  # fmt: skip


def _build_otlp(values: dict[str, Any]) -> ServiceExporter:
    from inspector.exporters.otlp_exporter import OtlpExporter, OtlpOptions, parse_headers

    env_headers = values["_environ"].get("OTEL_EXPORTER_OTLP_HEADERS", "")
    headers = parse_headers(
        [h for h in env_headers.split(",") if h.strip()], source="OTEL_EXPORTER_OTLP_HEADERS"
    ) + parse_headers(values["header"], source="--header")
    return OtlpExporter(
        OtlpOptions(
            base_url=values["base_url"], headers=headers, batch_size=values["batch_size"],
            timeout_s=values["timeout"], compression=values["compression"],
            service_name=values["service_name"], bodies=values["bodies"],
        )
    )  # fmt: skip


def _build_elasticsearch(values: dict[str, Any]) -> ServiceExporter:
    from inspector.exporters.elasticsearch import ElasticsearchExporter, ElasticsearchOptions

    return ElasticsearchExporter(
        ElasticsearchOptions(
            base_url=values["base_url"], index=values["index"], api_key=values["api_key"],
            username=values["user"], password=values["password"],
            batch_size=values["batch_size"], timeout_s=values["timeout"],
        )
    )  # fmt: skip


_TIMEOUT_HELP = "Seconds to wait for each answer."
DESTINATIONS: dict[str, Destination] = {
    "readme": Destination(
        "readme",
        "ReadMe Metrics",
        "Send exchanges to ReadMe Metrics (API logs).",
        (
            _opt(
                "api_key",
                "str",
                "",
                "ReadMe API key.",
                env="README_API_KEY",
                secret=True,
                required=True,
            ),
            _opt(
                "base_url",
                "str",
                "https://metrics.readme.io",
                "Metrics API base URL.",
                env="README_METRICS_SERVER",
            ),
            _opt("buffer_length", "int", 10, "Log items per POST.", minimum=1),
            _opt("development", "bool", False, "Mark the logs as development traffic."),
            _opt("timeout", "float", 3.0, _TIMEOUT_HELP, minimum=0.1),
            _opt(
                "base_log_url",
                "str",
                "",
                "Adds x-documentation-url = BASE/logs/<id> to each logged response.",
            ),
            _opt(
                "allowed_http_hosts",
                "list",
                (),
                "Send only exchanges whose Host is one of these (host or host:port).",
            ),
            _opt("denylist", "list", (), "Keys to redact (headers, query, form, JSON)."),
            _opt("allowlist", "list", (), "Keys to keep; all others are redacted."),
            _opt(
                "fallback_group",
                "choice",
                "none",
                "Grouping for exchanges without a consumer: skip them (none) or group by "
                "client IP address.",
                choices=("none", "client-ip"),
            ),
        ),
        _build_readme,
    ),
    "apitally": Destination(
        "apitally",
        "Apitally",
        "Send exchanges to Apitally (OTLP traces, logs, metrics).",
        (
            _opt(
                "token",
                "str",
                "",
                "Apitally write token (apt_...).",
                env="APITALLY_TOKEN",
                secret=True,
                required=True,
            ),
            _opt("env", "str", "dev", "Apitally environment.", env="APITALLY_ENV"),
            _opt(
                "base_url",
                "str",
                "https://otlp.apitally.io",
                "OTLP endpoint base URL.",
                env="APITALLY_OTLP_ENDPOINT",
            ),
            _opt("buffer_length", "int", 200, "Spans per POST.", minimum=1),
            _opt("timeout", "float", 10.0, _TIMEOUT_HELP, minimum=0.1),
            _opt("service_name", "str", "api-inspector", "The service.name resource attribute."),
        ),
        _build_apitally,
    ),
    "otlp": Destination(
        "otlp",
        "OTLP collector",
        "Send exchanges as OTLP/HTTP spans to a collector.",
        (
            _opt(
                "base_url",
                "str",
                "http://localhost:4318",
                "Collector base URL (/v1/traces is appended).",
                env="OTEL_EXPORTER_OTLP_ENDPOINT",
            ),
            _opt(
                "header",
                "list",
                (),
                "Extra header NAME=VALUE (repeatable); also read from OTEL_EXPORTER_OTLP_HEADERS.",
                secret=True,
            ),
            _opt("batch_size", "int", 500, "Spans per POST.", minimum=1),
            _opt("timeout", "float", 10.0, _TIMEOUT_HELP, minimum=0.1),
            _opt(
                "compression",
                "choice",
                "gzip",
                "Request body compression.",
                choices=("gzip", "none"),
            ),
            _opt(
                "service_name",
                "str",
                "api-inspector",
                "The service.name resource attribute.",
                env="OTEL_SERVICE_NAME",
            ),
            _opt("bodies", "bool", True, "Put text bodies on spans (apitally.*.body)."),
        ),
        _build_otlp,
    ),
    "elasticsearch": Destination(
        "elasticsearch",
        "Elasticsearch",
        "Index exchanges into Elasticsearch or OpenSearch.",
        (
            _opt("base_url", "str", "http://localhost:9200", "Cluster URL.", env="ES_URL"),
            _opt("index", "str", "api-inspector", "Index name (created with a mapping if absent)."),
            _opt(
                "api_key",
                "str",
                "",
                "API key (Authorization: ApiKey).",
                env="ES_API_KEY",
                secret=True,
            ),
            _opt(
                "user", "str", "", "User for basic auth (password from ES_PASSWORD).", env="ES_USER"
            ),
            _opt("password", "str", "", "Password for basic auth.", env="ES_PASSWORD", secret=True),
            _opt("batch_size", "int", 500, "Documents per _bulk request.", minimum=1),
            _opt("timeout", "float", 30.0, _TIMEOUT_HELP, minimum=0.1),
        ),
        _build_elasticsearch,
    ),
}


def _coerce(spec: OptionSpec, value: Any, where: str, table_key: tuple[str, str] | None = None
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


def _check_keys(table: Mapping[str, Any], specs: Mapping[str, OptionSpec], name: str) -> None:
    for key in table:
        if key != "type" and key not in specs:
            raise OptionError(
                f"[export.{name}]: unknown key {key!r} (known keys: {', '.join(specs)}).",
                config_key=(name, key),
            )


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
    _check_keys(table, specs, name)
    for key, value in table.items():
        if key == "type" or (isinstance(value, str) and value.startswith("env:") and value[4:]):
            continue
        _coerce(specs[key], value, f"[export.{name}] {key}", (name, key))


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
    _check_keys(table, specs, table_name)
    values: dict[str, Any] = {}
    for name, spec in specs.items():
        if given.get(name) not in (None, ()):
            values[name] = _coerce(spec, given[name], spec.flag)
        elif name in table:
            where = f"{section} {name}"
            value = _from_env_reference(table[name], where, environ, (table_name, name))
            values[name] = _coerce(spec, value, where, (table_name, name))
        elif spec.env and environ.get(spec.env):
            values[name] = _coerce(spec, environ[spec.env], spec.env)
        else:
            values[name] = spec.default
    values["_environ"] = environ
    for name, spec in specs.items():
        if spec.required and not values[name]:
            raise MissingCredential(destination.title, spec, section)
    return values


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
