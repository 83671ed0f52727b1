"""What a service destination is, for the delivery engine (delivery.py) and each destination's
module: the exporter interface (turn exchanges into requests, read the answers), the verdict on
an answer, and the errors that stop a destination, as data the edges word their own way."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from inspector.errors import InspectorError
from inspector.exporters.transport import HttpRequest, HttpResponse
from inspector.model import Exchange

# Statuses worth another try: the service is busy, throttling or briefly down.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class DeliveryError(InspectorError):
    """A destination stopped. str() says why and what to check in the command line's words;
    the fields let the app say it its own way: `status`, the HTTP status that stopped it (None
    when none did), and `said`, the service's own words about it."""

    exit_code = 1

    def __init__(self, message: str, *, status: int | None = None, said: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.said = said


class CredentialRejected(DeliveryError):
    """401 or 403: `options` are the destination's credential options to check."""

    def __init__(self, title: str, status: int, said: str, hint: str, options: tuple[str, ...]
                 ) -> None:  # fmt: skip
        super().__init__(f"{title} refused the credential (HTTP {status}: {said}). Check {hint}.",
                         status=status, said=said)  # fmt: skip
        self.title = title
        self.options = options


class ServiceRejected(DeliveryError):
    pass


class RetriesExhausted(DeliveryError):
    pass


@dataclass(slots=True)
class Verdict:
    """What an exporter reads in a 2xx answer: items refused for good, and what to resend."""

    refused: list[str] = field(default_factory=list)  # one message per item refused
    resend: HttpRequest | None = None  # a subset to retry (e.g. bulk items that got a 429)


ACCEPTED = Verdict()


class ServiceExporter(ABC):
    """A destination: how to turn exchanges into requests and how to read the answers."""

    title: str = ""  # "ReadMe Metrics", used in messages
    credential_hint: str = ""  # "README_API_KEY (or --api-key)": named when a 401/403 comes
    credential_options: tuple[str, ...] = ()  # the options behind it, for the app's words
    batch_size: int = 100
    base_url: str = ""
    sends_credentials: bool = True  # False when no secret goes with the requests
    timeout_s: float = 10.0

    @property
    @abstractmethod
    def cursor_key(self) -> str:
        """Identifies the target (service, base URL, index...); never contains a secret."""

    def setup(self, call: Callable[..., HttpResponse]) -> None:  # noqa: B027  optional hook
        """Runs once before the first batch, e.g. to create an index. `call` retries."""

    @abstractmethod
    def prepare(self, exchange: Exchange) -> Any | None:
        """The item to send for one exchange, or None to skip it (not sent, counted skipped)."""

    @abstractmethod
    def requests_for(self, items: Sequence[Any]) -> list[HttpRequest]:
        """The requests that deliver one batch; all must succeed before the cursor moves."""

    def read_answer(self, request: HttpRequest, response: HttpResponse) -> Verdict:
        return ACCEPTED
