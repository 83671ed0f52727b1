"""Config: the compiled rules, and process(), which applies them to each captured exchange."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from inspector.config.bodies import BodyRedactor
from inspector.config.grouping import DO_NOT_LOG, Grouper
from inspector.config.redaction import HeaderRedactor, KeyRules, Masker, redact_pairs
from inspector.config.scope import Scope
from inspector.config.settings import CaptureSettings, RedactSettings
from inspector.model import Exchange
from inspector.openapi import OpenApiSpec


class Config:
    """Everything a configuration file says, compiled once at load time.

    Build one with load_config() or default_config(); it is immutable and safe to share.
    """

    def __init__(
        self,
        *,
        capture: CaptureSettings,
        scope: Scope,
        grouper: Grouper,
        redact: RedactSettings,
        rules: KeyRules,
        mask: Masker,
        exports: dict[str, dict[str, object]],
        path: Path | None = None,
        schema_version: int = 1,
        openapi: OpenApiSpec | None = None,
    ) -> None:
        self.capture = capture
        self.redact = redact
        self.exports = exports
        self.path = path
        self.schema_version = schema_version
        self.grouper = grouper
        self.openapi = openapi
        self.key_rules = rules
        self.mask = mask
        self._scope = scope
        self._headers = HeaderRedactor(rules.for_pairs, mask)
        self._body = BodyRedactor(rules, mask)

    def wants(self, host: str, port: int, path: str) -> bool:
        """Whether a request is in scope (`hosts`, `exclude_paths`); cheap, for early checks."""
        return self._scope.wants(host, port, path)

    def process(self, exchange: Exchange) -> Exchange | None:
        """Group, then redact, a complete raw exchange; None means "do not store it".

        None when the request is out of scope or a grouping function returned None. Grouping
        reads the raw request (an API key is usually a credential); everything returned has
        been redacted: headers, query and URL, cookies, form fields and JSON bodies.
        """
        if not self._scope.wants(exchange.host, exchange.port, exchange.path):
            return None
        consumer = self.grouper.identify(exchange)
        if consumer is DO_NOT_LOG:
            return None
        changes: dict[str, Any] = self.redact_changes(exchange)
        if consumer is not None:
            changes["consumer"] = consumer
        if self.openapi is not None and not exchange.endpoint:
            # The spec's template names the endpoint; no match leaves the store's heuristics.
            template = self.openapi.match(exchange.path)
            if template is not None:
                changes["endpoint"] = template
        return dataclasses.replace(exchange, **changes) if changes else exchange

    def redact_exchange(self, exchange: Exchange) -> Exchange:
        """Redaction alone (no scope, no grouping), e.g. for records imported from elsewhere."""
        changes = self.redact_changes(exchange)
        return dataclasses.replace(exchange, **changes) if changes else exchange

    def redact_changes(self, exchange: Exchange) -> dict[str, Any]:
        """The fields redaction changes (field name -> new value); empty when nothing does."""
        changes: dict[str, Any] = {}
        mask = self.mask
        query = redact_pairs(exchange.query, self.key_rules.for_pairs, mask)
        if query != exchange.query:
            changes["query"] = query
        path = exchange.path
        if ";" in path:  # matrix parameters: /app;jsessionid=...
            head, _, params = path.partition(";")
            path = f"{head};{redact_pairs(params, self.key_rules.for_pairs, mask, separator=';')}"
        if mask.active:
            path = mask(path)
        if path != exchange.path:
            changes["path"] = path
        # Failure messages can quote the raw request ("invalid header: Authorization: ...").
        if exchange.error:
            error = self._body.redact_text(exchange.error)
            if error != exchange.error:
                changes["error"] = error
        if exchange.reason and mask.active:
            reason = mask(exchange.reason)
            if reason != exchange.reason:
                changes["reason"] = reason
        # Unchanged parts come back as the same objects, so identity says what changed.
        for name, headers in (
            ("request_headers", exchange.request_headers),
            ("response_headers", exchange.response_headers),
        ):
            redacted_headers = self._headers(headers)
            if redacted_headers is not headers:
                changes[name] = redacted_headers
        for name, body in (
            ("request_body", exchange.request_body),
            ("response_body", exchange.response_body),
        ):
            redacted_body = self._body(body)
            if redacted_body is not body:
                changes[name] = redacted_body
        return changes
