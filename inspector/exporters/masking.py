"""Per-destination deny/allow lists applied on top of capture redaction, and id masking."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from inspector.config import fingerprint, is_fingerprint

REDACTED = "[REDACTED]"


__all__ = ["REDACTED", "KeyLists", "fingerprint", "is_fingerprint", "masked_id"]


def masked_id(value: str) -> str:
    """ReadMe's `group.id`: an id already stored as a fingerprint stays as it is."""
    return value if is_fingerprint(value) else fingerprint(value)


@dataclass(frozen=True, slots=True)
class KeyLists:
    """denylist/allowlist as ReadMe's SDK names them, but matched case-insensitively and at
    any depth of a JSON body (the SDK only looks at top-level keys, with exact case)."""

    deny: frozenset[str] = frozenset()
    allow: frozenset[str] = frozenset()

    @classmethod
    def of(cls, deny: Iterable[str] = (), allow: Iterable[str] = ()) -> KeyLists:
        return cls(frozenset(k.lower() for k in deny), frozenset(k.lower() for k in allow))

    @property
    def active(self) -> bool:
        return bool(self.deny or self.allow)

    def hides(self, key: str) -> bool:
        lowered = key.lower()
        if lowered in self.deny:
            return True
        return bool(self.allow) and lowered not in self.allow

    def pairs(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(k, REDACTED if self.hides(k) else v) for k, v in pairs]

    def _walk(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: REDACTED if self.hides(str(k)) else self._walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._walk(v) for v in value]
        return value

    def json_text(self, text: str) -> str:
        """JSON text with hidden keys' values replaced; non-JSON text is returned unchanged."""
        if not self.active:
            return text
        try:
            data = json.loads(text)
        except ValueError:
            return text
        if not isinstance(data, dict | list):
            return text
        redacted = self._walk(data)
        if redacted == data:
            return text  # untouched bodies keep their original formatting
        return json.dumps(redacted, ensure_ascii=False)
