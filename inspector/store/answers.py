"""The typed answers of the query layer: consumer and endpoint statistics, summaries, and how.

Every figure the CLI prints, the app shows or an exporter sends comes in one of these records;
`to_json()` gives the `inspector stats --json` shapes. `errors` always counts status >= 400 and
failed exchanges (store.selection.IS_ERROR_SQL); percentiles follow store.percentiles.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from inspector.consumer_names import display_name
from inspector.model import authority
from inspector.records import iso_utc


@dataclass(frozen=True)
class Method:
    """How an answer was computed: from every matching row, or from the per-minute rollups.

    `exact_percentiles` is False when percentiles came from latency sketches (then within
    store.percentiles.RELATIVE_ERROR of the exact values); counts are exact either way.
    """

    rollups: bool = False
    exact_percentiles: bool = True


@dataclass(frozen=True)
class Latency:
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    max: float | None = None

    def to_json(self) -> dict[str, float | None]:
        return {"p50": self.p50, "p95": self.p95, "p99": self.p99, "max": self.max}


@dataclass(frozen=True)
class ConsumerStats:
    """One consumer's figures. `row_id` is its row in `consumers`; `id` its identifier."""

    row_id: int
    id: str
    label: str
    email: str
    group: str
    requests: int
    errors: int
    p50_ms: float | None
    p95_ms: float | None
    last_seen: float  # epoch seconds

    @property
    def name(self) -> str:
        """The label, or a short readable name for a fingerprinted credential (`key …0001`)."""
        return display_name(self.id, self.label)

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "row_id": self.row_id,
            "label": self.label,
            "email": self.email,
            "group": self.group,
            "requests": self.requests,
            "errors": self.errors,
            "p50_ms": self.p50_ms,
            "p95_ms": self.p95_ms,
            "last_seen": iso_utc(self.last_seen),
        }


@dataclass(frozen=True)
class Totals:
    """Requests, errors, p50/p95 and last seen of a set of exchanges (everyone, or anonymous)."""

    requests: int = 0
    errors: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None
    last_seen: float | None = None


@dataclass(frozen=True)
class ConsumerList:
    """The consumers list: everyone's totals, anonymous traffic's, and each consumer's."""

    everyone: Totals = field(default_factory=Totals)
    anonymous: Totals = field(default_factory=Totals)
    consumers: tuple[ConsumerStats, ...] = ()  # busiest first
    method: Method = field(default_factory=Method)


@dataclass(frozen=True)
class EndpointStats:
    method: str
    endpoint: str
    requests: int
    errors: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    avg_request_bytes: float
    avg_response_bytes: float

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.requests if self.requests else None

    @property
    def never_called(self) -> bool:
        """No request reached it: an operation known only from an OpenAPI spec."""
        return self.requests == 0

    def to_json(self) -> dict[str, object]:
        return {
            "method": self.method,
            "endpoint": self.endpoint,
            "requests": self.requests,
            "errors": self.errors,
            "p50_ms": self.p50_ms,
            "p95_ms": self.p95_ms,
            "p99_ms": self.p99_ms,
            "max_ms": self.max_ms,
            "avg_request_bytes": self.avg_request_bytes,
            "avg_response_bytes": self.avg_response_bytes,
        }


@dataclass(frozen=True)
class Summary:
    """Everything `inspector stats` says about a selection. Count maps are largest first."""

    requests: int = 0
    errors: int = 0
    failed: int = 0
    unidentified_requests: int = 0
    methods: dict[str, int] = field(default_factory=dict)
    schemes: dict[str, int] = field(default_factory=dict)
    hosts: dict[str, int] = field(default_factory=dict)
    user_agents: dict[str, int] = field(default_factory=dict)
    status_codes: dict[str, int] = field(default_factory=dict)  # failed count under "failed"
    latency_ms: Latency = field(default_factory=Latency)
    consumers: tuple[ConsumerStats, ...] = ()
    endpoints: tuple[EndpointStats, ...] = ()
    method: Method = field(default_factory=Method)

    def to_json(self) -> dict[str, object]:
        """The `inspector stats --json` object."""
        return {
            "requests": self.requests,
            "errors": self.errors,
            "failed": self.failed,
            "unidentified_requests": self.unidentified_requests,
            "methods": self.methods,
            "schemes": self.schemes,
            "hosts": self.hosts,
            "user_agents": self.user_agents,
            "status_codes": self.status_codes,
            "latency_ms": self.latency_ms.to_json(),
            "consumers": [consumer.to_json() for consumer in self.consumers],
            "endpoints": [endpoint.to_json() for endpoint in self.endpoints],
        }


# A host's key in the hosts count: what its URLs show as their authority.
host_key = authority


def by_count(counts: dict[str, int]) -> dict[str, int]:
    """Largest first, then by key: the order of every count map."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def consumer_order(row: ConsumerStats) -> tuple[int, str]:
    return (-row.requests, row.name)


def endpoint_order(row: EndpointStats) -> tuple[int, str, str]:
    return (-row.requests, row.endpoint, row.method)
