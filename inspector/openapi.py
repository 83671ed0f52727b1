"""OpenAPI 3 specs as endpoint names: `/users/42` is `/users/{userId}` when the spec says so."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from inspector.errors import InspectorError

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PARAM = re.compile(r"\{[^{}/]+\}")


class OpenApiError(InspectorError):
    """A spec that cannot be read; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Operation:
    method: str  # upper case, e.g. GET
    template: str  # as the spec writes it, base path included, e.g. /api/users/{userId}


@dataclass(frozen=True)
class _Route:
    template: str
    pattern: re.Pattern[str]
    literal_segments: int


def _base_paths(document: dict[str, Any]) -> list[str]:
    """Path prefixes from `servers` (e.g. http://localhost/api/v1 -> /api/v1); '' when none."""
    prefixes = []
    for server in document.get("servers") or []:
        url = server.get("url", "") if isinstance(server, dict) else ""
        # Server URLs may hold their own {variables}; keep the path part as a template.
        path = urlsplit(url).path if "://" in url else url
        prefixes.append(path.rstrip("/"))
    return sorted(set(prefixes)) or [""]


def _route(template: str) -> _Route:
    parts = []
    position = 0
    for match in _PARAM.finditer(template):
        parts.append(re.escape(template[position : match.start()]))
        parts.append(r"[^/]+")
        position = match.end()
    parts.append(re.escape(template[position:]))
    literal = sum(1 for seg in template.split("/") if seg and not _PARAM.search(seg))
    return _Route(template, re.compile("".join(parts) + r"/?"), literal)


class OpenApiSpec:
    """The operations of a spec, and a matcher from concrete paths to its templates."""

    def __init__(
        self,
        operations: list[Operation],
        document: dict[str, Any] | None = None,
        objects: dict[Operation, dict[str, Any]] | None = None,
        source: str = "<spec>",
    ) -> None:
        self.operations = operations
        # The whole document (for $ref) and each operation's object (responses, schemas).
        self.document = document or {"openapi": "3.1.0", "paths": {}}
        self.objects = objects or {}
        self.source = source
        templates = sorted({op.template for op in operations})
        # A more literal template wins: /users/me before /users/{id}.
        self._routes = sorted(
            (_route(t) for t in templates), key=lambda r: (-r.literal_segments, -len(r.template))
        )

    @classmethod
    def load(cls, path: str | Path) -> OpenApiSpec:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise OpenApiError(f"Cannot read the OpenAPI spec {path}: {exc.strerror}.") from exc
        except UnicodeDecodeError as exc:
            raise OpenApiError(f"{path} is not UTF-8 text, so not an OpenAPI spec.") from exc
        return cls.parse(text, source=str(path))

    @classmethod
    def parse(cls, text: str, *, source: str = "<spec>") -> OpenApiSpec:
        try:
            document = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
        except json.JSONDecodeError as exc:
            raise OpenApiError(
                f"{source}, line {exc.lineno} column {exc.colno}: {exc.msg}."
            ) from exc
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f", line {mark.line + 1} column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or "not valid YAML"
            raise OpenApiError(f"{source}{where}: {problem}.") from exc
        if not isinstance(document, dict):
            raise OpenApiError(f"{source} is not an OpenAPI document (no top-level mapping).")
        version = str(document.get("openapi", ""))
        if not version.startswith("3."):
            found = f"'{version}'" if version else "no 'openapi' key"
            raise OpenApiError(f"{source}: only OpenAPI 3.x specs are supported ({found}).")
        paths = document.get("paths")
        if not isinstance(paths, dict):
            raise OpenApiError(f"{source}: 'paths' is missing or not a mapping.")
        operations = []
        objects: dict[Operation, dict[str, Any]] = {}
        for base in _base_paths(document):
            for template, item in paths.items():
                if not isinstance(template, str) or not template.startswith("/"):
                    raise OpenApiError(f"{source}: path {template!r} must start with '/'.")
                if not isinstance(item, dict):
                    continue
                for method in HTTP_METHODS:
                    if method in item:
                        operation = Operation(method.upper(), base + template)
                        operations.append(operation)
                        if isinstance(item[method], dict):
                            objects[operation] = item[method]
        return cls(operations, document, objects, source)

    @property
    def version(self) -> str:
        return str(self.document.get("openapi", ""))

    def operation(self, method: str, template: str) -> dict[str, Any] | None:
        """The spec's operation object for a method and one of its templates."""
        return self.objects.get(Operation(method.upper(), template))

    def match(self, path: str) -> str | None:
        """The spec template a concrete path belongs to, or None."""
        for route in self._routes:
            if route.pattern.fullmatch(path):
                return route.template
        return None

    def uncalled(self, called: set[tuple[str, str]]) -> list[Operation]:
        """Operations of the spec with no (method, template) among those called."""
        return [op for op in self.operations if (op.method, op.template) not in called]
