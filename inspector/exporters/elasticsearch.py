"""Elasticsearch / OpenSearch: `_bulk` NDJSON into an index created with a mapping if absent."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from inspector.errors import InspectorError
from inspector.exporters.options import TIMEOUT_HELP, Destination, default_of, opt
from inspector.exporters.service import RETRYABLE_STATUSES, ServiceExporter, Verdict
from inspector.exporters.transport import HttpRequest, HttpResponse
from inspector.model import Body, Exchange, Headers
from inspector.records import request_json

DEFAULT_BASE_URL = "http://localhost:9200"
DEFAULT_INDEX = "api-inspector"
MAX_BODY_CHARS = 100_000  # larger text bodies are cut: a log index is not a blob store

_KEYWORD = {"type": "keyword"}
_HEADERS = {"properties": {"name": _KEYWORD, "value": {"type": "keyword", "ignore_above": 1024}}}
MAPPING: dict[str, Any] = {
    "mappings": {
        "dynamic": False,
        "properties": {
            "uid": _KEYWORD,
            "started_at": {"type": "date"},
            "method": _KEYWORD,
            "scheme": _KEYWORD,
            "host": _KEYWORD,
            "port": {"type": "integer"},
            "path": {"type": "keyword", "ignore_above": 2048},
            "query": {"type": "keyword", "ignore_above": 2048},
            "url": {"type": "keyword", "ignore_above": 4096},
            "endpoint": _KEYWORD,
            "status": {"type": "short"},
            "duration_ms": {"type": "float"},
            "request_bytes": {"type": "long"},
            "response_bytes": {"type": "long"},
            "user_agent": {"type": "keyword", "ignore_above": 1024},
            "source": {"type": "keyword"},
            "client_address": _KEYWORD,
            "error": {"type": "text"},
            "consumer": {
                "properties": {
                    "id": _KEYWORD,
                    "label": _KEYWORD,
                    "email": _KEYWORD,
                    "group": _KEYWORD,
                }
            },
            "request_headers": _HEADERS,
            "response_headers": _HEADERS,
            "request_body": {"type": "text"},
            "response_body": {"type": "text"},
        },
    }
}


def _headers(headers: Headers) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in headers]


def _body(body: Body) -> str | None:
    text = body.text
    if not text:
        return None
    return text[:MAX_BODY_CHARS]


def document(exchange: Exchange) -> dict[str, Any]:
    """The `inspector requests --json` object with headers and text bodies, less the ids that
    only mean something in the capture's own database (the document's `_id` is the uid)."""
    listed = request_json(None, exchange)
    del listed["id"]
    if isinstance(listed["consumer"], dict):
        del listed["consumer"]["row_id"]
    return {
        "uid": exchange.uid,
        **listed,
        "client_address": exchange.client_address,
        "request_headers": _headers(exchange.request_headers),
        "response_headers": _headers(exchange.response_headers),
        "request_body": _body(exchange.request_body),
        "response_body": _body(exchange.response_body),
    }


@dataclass(frozen=True, slots=True)
class ElasticsearchOptions:
    base_url: str = DEFAULT_BASE_URL
    index: str = DEFAULT_INDEX
    api_key: str = ""
    username: str = ""
    password: str = ""
    batch_size: int = 500
    timeout_s: float = 30.0

    def __post_init__(self) -> None:
        bad = set('\\/*?"<>| ,#:')
        if (
            not self.index
            or self.index != self.index.lower()
            or bad & set(self.index)
            or self.index[0] in "-_+"
        ):
            raise InspectorError(
                f"--index {self.index!r} is not a valid index name: use lower-case letters, "
                "digits, '-' or '_', not starting with '-', '_' or '+'."
            )
        if self.api_key and self.username:
            raise InspectorError("Give either an API key (ES_API_KEY) or a user, not both.")


class ElasticsearchExporter(ServiceExporter):
    title = "Elasticsearch"
    credential_hint = "ES_API_KEY (or --api-key), or --user with ES_PASSWORD"
    credential_options = ("api_key", "user", "password")

    def __init__(self, options: ElasticsearchOptions) -> None:
        self.options = options
        self.base_url = options.base_url
        self.sends_credentials = bool(options.api_key or options.username)
        self.batch_size = options.batch_size
        self.timeout_s = options.timeout_s
        base = options.base_url.rstrip("/")
        self.index_url = f"{base}/{quote(options.index)}"
        self.bulk_url = f"{self.index_url}/_bulk"
        auth: list[tuple[str, str]] = []
        if options.api_key:
            auth.append(("Authorization", f"ApiKey {options.api_key}"))
        elif options.username:
            pair = f"{options.username}:{options.password}".encode()
            auth.append(("Authorization", f"Basic {base64.b64encode(pair).decode('ascii')}"))
        self._auth = tuple(auth)

    @property
    def cursor_key(self) -> str:
        return f"elasticsearch {self.options.base_url.rstrip('/')} index:{self.options.index}"

    def setup(self, call: Callable[..., HttpResponse]) -> None:
        """Create the index with our mapping when it does not exist (a 404 on HEAD)."""
        head = call(HttpRequest("HEAD", self.index_url, self._auth), accept=(404,))
        if head.status != 404:
            return
        body = json.dumps(MAPPING).encode()
        headers = (*self._auth, ("Content-Type", "application/json"))
        created = call(HttpRequest("PUT", self.index_url, headers, body), accept=(400,))
        # Another writer may have created it between our HEAD and PUT: that is fine.
        if created.status == 400 and b"resource_already_exists_exception" not in created.body:
            call(HttpRequest("PUT", self.index_url, headers, body))  # raises with ES's reason

    def prepare(self, exchange: Exchange) -> tuple[str, bytes]:
        return exchange.uid, json.dumps(document(exchange), ensure_ascii=False).encode()

    def _bulk(self, items: Sequence[tuple[str, bytes]]) -> HttpRequest:
        lines = []
        for uid, doc in items:
            # `index` with _id = uid: a resent item overwrites itself, never duplicates.
            lines.append(json.dumps({"index": {"_id": uid}}).encode())
            lines.append(doc)
        body = b"\n".join(lines) + b"\n"
        headers = (*self._auth, ("Content-Type", "application/x-ndjson"))
        return HttpRequest("POST", self.bulk_url, headers, body)

    def requests_for(self, items: Sequence[tuple[str, bytes]]) -> list[HttpRequest]:
        return [self._bulk(items)]

    def read_answer(self, request: HttpRequest, response: HttpResponse) -> Verdict:
        """Per-item results: 429/5xx items are resent, other errors are refused for good."""
        try:
            answer = json.loads(response.body)
        except ValueError:
            return Verdict()
        if not isinstance(answer, dict) or not answer.get("errors"):
            return Verdict()
        lines = request.body.split(b"\n")
        sent = list(zip(lines[0::2], lines[1::2], strict=False))
        verdict = Verdict()
        retry: list[tuple[str, bytes]] = []
        for (action, doc), result in zip(sent, answer.get("items", []), strict=False):
            outcome: dict[str, Any] = (
                next(iter(result.values()), {}) if isinstance(result, dict) else {}
            )
            status = int(outcome.get("status", 0))
            if status < 300:
                continue
            uid = json.loads(action)["index"]["_id"]
            if status in RETRYABLE_STATUSES:
                retry.append((uid, doc))
                continue
            error = outcome.get("error") or {}
            reason = error.get("reason") if isinstance(error, dict) else str(error)
            kind = error.get("type", "") if isinstance(error, dict) else ""
            verdict.refused.append(f"exchange {uid}: {kind} {reason}".strip())
        if retry:
            verdict.resend = self._bulk(retry)
        return verdict


# The destination: its options (flags, config keys, variables) and how they build it.
def _build(values: dict[str, Any]) -> ServiceExporter:
    return ElasticsearchExporter(
        ElasticsearchOptions(
            base_url=values["base_url"], index=values["index"], api_key=values["api_key"],
            username=values["user"], password=values["password"],
            batch_size=values["batch_size"], timeout_s=values["timeout"],
        )
    )  # fmt: skip


DESTINATION = Destination(
    "elasticsearch",
    "Elasticsearch",
    "Index exchanges into Elasticsearch or OpenSearch.",
    (
        opt(
            "base_url",
            "str",
            default_of(ElasticsearchOptions, "base_url"),
            "Cluster URL.",
            env="ES_URL",
        ),
        opt(
            "index",
            "str",
            default_of(ElasticsearchOptions, "index"),
            "Index name (created with a mapping if absent).",
        ),
        opt(
            "api_key",
            "str",
            default_of(ElasticsearchOptions, "api_key"),
            "API key (Authorization: ApiKey).",
            env="ES_API_KEY",
            secret=True,
        ),
        opt(
            "user",
            "str",
            default_of(ElasticsearchOptions, "username"),
            "User for basic auth (password from ES_PASSWORD).",
            env="ES_USER",
        ),
        opt(
            "password",
            "str",
            default_of(ElasticsearchOptions, "password"),
            "Password for basic auth.",
            env="ES_PASSWORD",
            secret=True,
        ),
        opt(
            "batch_size",
            "int",
            default_of(ElasticsearchOptions, "batch_size"),
            "Documents per _bulk request.",
            minimum=1,
        ),
        opt(
            "timeout",
            "float",
            default_of(ElasticsearchOptions, "timeout_s"),
            TIMEOUT_HELP,
            minimum=0.1,
        ),
    ),
    _build,
)
