"""Consumer identification: `[[group]]` rules, grouping functions and `[[consumer]]` entries."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from inspector.config.defaults import (
    MAX_EMAIL_CHARS,
    MAX_GROUP_CHARS,
    MAX_ID_CHARS,
    MAX_LABEL_CHARS,
)
from inspector.config.fingerprint import fingerprint, is_fingerprint
from inspector.config.request_view import RequestView
from inspector.config.sources import Source
from inspector.model import Consumer, Exchange

logger = logging.getLogger("inspector.config")

GroupingFunction = Callable[[RequestView], Any]


class DoNotLog:
    """What identify() returns when a grouping function says the request must not be logged."""

    def __repr__(self) -> str:
        return "DO_NOT_LOG"


DO_NOT_LOG: Final = DoNotLog()


@dataclass(frozen=True, slots=True)
class SourceRule:
    """`[[group]] id = ..., label = ..., email = ...`."""

    id: Source
    label: Source | None = None
    email: Source | None = None


@dataclass(frozen=True, slots=True)
class FunctionRule:
    """`[[group]] function = "module:callable"`."""

    name: str
    function: GroupingFunction


GroupRule = SourceRule | FunctionRule


def _clip(value: object, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


class Grouper:
    """Finds the consumer of an exchange: the first rule that yields an id wins."""

    def __init__(self, rules: Sequence[GroupRule], known: Sequence[Consumer]) -> None:
        """`known`: the `[[consumer]]` entries, names for ids seen in traffic (in clear or as
        fingerprints), matched before fingerprinting."""
        self.rules = tuple(rules)
        self.known = tuple(known)
        self._known: dict[str, Consumer] = {}
        for entry in known:
            self._known[entry.id] = entry
        self._reported: set[tuple[str, str]] = set()

    def identify(self, exchange: Exchange) -> Consumer | DoNotLog | None:
        """The consumer, None when no rule matched, or DO_NOT_LOG."""
        if not self.rules:
            return None
        view = RequestView(exchange)
        for rule in self.rules:
            if isinstance(rule, FunctionRule):
                return self._call(rule, view)
            clear_id = rule.id.extract(view)
            if clear_id is None:
                continue
            label = rule.label.extract(view) if rule.label else None
            email = rule.email.extract(view) if rule.email else None
            return self.consumer(clear_id, rule.id.credential, label or "", email or "")
        return None

    def consumer(
        self, clear_id: str, credential: bool, label: str = "", email: str = "", group: str = ""
    ) -> Consumer:
        """A Consumer for an id seen in traffic: names from `[[consumer]]`, secrets hashed.

        `[[consumer]]` ids may be given in clear or as their fingerprint.
        """
        stored_id = (
            clear_id if is_fingerprint(clear_id) or not credential else fingerprint(clear_id)
        )
        known = self._known.get(clear_id) or self._known.get(stored_id)
        if not credential and not is_fingerprint(stored_id):
            stored_id = stored_id[:MAX_ID_CHARS]
        return Consumer(
            id=stored_id,
            label=(known.label if known and known.label else label)[:MAX_LABEL_CHARS],
            email=(known.email if known and known.email else email)[:MAX_EMAIL_CHARS],
            group=(known.group if known and known.group else group)[:MAX_GROUP_CHARS],
        )

    def _report_once(self, rule: FunctionRule, problem: str, detail: str) -> None:
        # Once per function and kind of problem; never with request content, which may hold
        # secrets and must not reach logs.
        if (rule.name, problem) in self._reported:
            return
        self._reported.add((rule.name, problem))
        logger.warning(
            "grouping function %s %s; such requests are captured without a consumer",
            rule.name,
            detail,
        )

    def _call(self, rule: FunctionRule, view: RequestView) -> Consumer | DoNotLog | None:
        try:
            result = rule.function(view)
        except Exception as exc:
            name = type(exc).__name__
            self._report_once(rule, name, f"raised {name}")
            return None
        if result is None:
            return DO_NOT_LOG
        if not isinstance(result, Mapping):
            kind = type(result).__name__
            self._report_once(rule, f"returned {kind}", f"returned a {kind}, not a dict or None")
            return None
        api_key, plain_id = result.get("api_key"), result.get("id")
        raw_id = api_key if api_key is not None else plain_id
        if isinstance(raw_id, int) and not isinstance(raw_id, bool):
            raw_id = str(raw_id)
        if not isinstance(raw_id, str) or not raw_id.strip():
            self._report_once(
                rule, "no id", "returned a dict without a non-empty 'api_key' or 'id' string"
            )
            return None
        # An `api_key` is a credential by its name (ReadMe masks it); an `id` is the function's
        # own choice of a public identifier and is stored as given.
        return self.consumer(
            raw_id.strip(),
            credential=api_key is not None,
            label=_clip(result.get("label"), MAX_LABEL_CHARS),
            email=_clip(result.get("email"), MAX_EMAIL_CHARS),
            group=_clip(result.get("group"), MAX_GROUP_CHARS),
        )
