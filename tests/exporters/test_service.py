"""What a service destination is: the interface, the verdict on an answer, the errors as data,
and destinations that describe themselves without loading the delivery engine or the store."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from inspector.exporters.service import (
    ACCEPTED,
    RETRYABLE_STATUSES,
    CredentialRejected,
    ServiceExporter,
)
from inspector.exporters.transport import HttpRequest, HttpResponse
from inspector.model import Exchange


class _Minimal(ServiceExporter):
    @property
    def cursor_key(self) -> str:
        return "minimal"

    def prepare(self, exchange: Exchange) -> Any | None:
        return exchange.uid

    def requests_for(self, items: Sequence[Any]) -> list[HttpRequest]:
        return [HttpRequest("POST", "http://127.0.0.1:9/", body=repr(items).encode())]


def test_a_2xx_answer_is_accepted_unless_the_exporter_reads_more_into_it() -> None:
    exporter = _Minimal()
    request = exporter.requests_for(["a"])[0]
    assert exporter.read_answer(request, HttpResponse(200, {}, b"")) is ACCEPTED


def test_throttling_and_outages_are_retried_client_errors_are_not() -> None:
    assert {408, 429, 500, 502, 503, 504} <= RETRYABLE_STATUSES
    assert not {400, 401, 403, 404, 413, 422} & RETRYABLE_STATUSES


def test_a_refused_credential_keeps_its_parts_beside_its_sentence() -> None:
    error = CredentialRejected("ReadMe Metrics", 401, "Invalid API key", "README_API_KEY (or "
                               "--api-key)", ("api_key",))  # fmt: skip
    assert str(error) == ("ReadMe Metrics refused the credential (HTTP 401: Invalid API key). "
                          "Check README_API_KEY (or --api-key).")  # fmt: skip
    assert (error.status, error.said, error.title, error.options) == (
        401, "Invalid API key", "ReadMe Metrics", ("api_key",))  # fmt: skip


def test_destination_modules_load_neither_the_delivery_engine_nor_the_store() -> None:
    probe = (
        "import sys; from inspector.exporters.registry import DESTINATIONS; "
        "[DESTINATIONS[name] for name in DESTINATIONS]; "
        "heavy = ('inspector.exporters.delivery', 'inspector.store'); "
        "print([m for m in heavy if m in sys.modules])"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout.strip()  # fmt: skip
    assert loaded == "[]"
