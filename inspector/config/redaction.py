"""Key-name rules (deny/allow), value masks, and redaction of headers, queries and cookies."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from urllib.parse import quote_plus, unquote_plus

from inspector.config.defaults import REDACTED
from inspector.model import Headers

KEEP, DENIED, NOT_ALLOWED = 0, 1, 2
_CACHE_LIMIT = 4096

# Only these Authorization schemes are kept in front of `[REDACTED]`: any other first word
# might be the secret itself.
_AUTH_SCHEMES = frozenset(
    [
        "basic",
        "bearer",
        "digest",
        "token",
        "apikey",
        "negotiate",
        "ntlm",
        "hoba",
        "mutual",
        "oauth",
        "dpop",
        "sharedkey",
        "aws4-hmac-sha256",
        "mac",
    ]
)
_URL_HEADERS = frozenset({"location", "content-location", "referer"})


def glob_regex(pattern: str) -> str:
    """A deny/allow entry (`*` wildcards, case-insensitive) as a regex over lower-case names."""
    return ".*".join(re.escape(part) for part in pattern.lower().split("*"))


class _NameSet:
    """Exact names and `*` globs, matched case-insensitively."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.exact = frozenset(p.lower() for p in patterns if "*" not in p)
        globs = [glob_regex(p) for p in patterns if "*" in p]
        self._globs = re.compile("|".join(f"(?:{g})" for g in globs)) if globs else None

    def __contains__(self, lower_name: str) -> bool:
        if lower_name in self.exact:
            return True
        return self._globs is not None and self._globs.fullmatch(lower_name) is not None


def _json_key_fragments(pattern: str) -> tuple[str, ...]:
    """Substrings every lower-cased JSON text holding this key as `"key"` must contain."""
    parts = pattern.lower().split("*")
    parts[0] = f'"{parts[0]}' if parts[0] else ""
    parts[-1] = f'{parts[-1]}"' if parts[-1] else ""
    if len(parts) == 1:
        parts = [f'"{pattern.lower()}"']
    return tuple(part for part in parts if part)


class KeyRules:
    """Decides, for a key name, whether its value is kept, denied, or dropped by `allow`."""

    def __init__(self, deny: Sequence[str], allow: Sequence[str]) -> None:
        self._deny = _NameSet(deny)
        self._allow = _NameSet(allow) if allow else None
        self._cache: dict[str, int] = {}
        # The longest literal piece of each deny pattern, as it would appear in JSON text.
        hints = {max(_json_key_fragments(p), key=len) for p in deny if p.strip("*")}
        self._json_hints = tuple(sorted(hints))
        self._json_hint = (
            re.compile("|".join(re.escape(h) for h in self._json_hints)) if hints else None
        )
        self._deny_anything = any(not p.strip("*") for p in deny)
        self._text_hints = tuple(sorted({hint.strip('"') for hint in hints}))

    def may_rule_json(self, lower_text: str) -> bool:
        """False only when no key of this lower-cased JSON text can be denied or not allowed.

        Looks for the literal parts of deny patterns, so most bodies skip the per-value walk.
        """
        if self._allow is not None or self._deny_anything:
            return True
        if self._json_hint is None:
            return False
        if len(lower_text) > 4096:
            # Over long texts, substring search (memory speed) beats a regex alternation.
            return any(hint in lower_text for hint in self._json_hints)
        return self._json_hint.search(lower_text) is not None

    def may_rule_text(self, lower_text: str) -> bool:
        """False only when no denied or unlisted key name can occur in this lower-cased text."""
        if self._allow is not None or self._deny_anything:
            return True
        return any(hint in lower_text for hint in self._text_hints)

    def verdict(self, name: str) -> int:
        """KEEP, DENIED (deny wins over allow) or NOT_ALLOWED (allow is set and misses)."""
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        lower = name.strip().lower()
        # Nested form names (`user[password]`, Rails and PHP style) are judged by their last part.
        inner = lower[lower.rindex("[") + 1 : -1] if lower.endswith("]") and "[" in lower else ""
        if lower in self._deny or (inner and inner in self._deny):
            result = DENIED
        elif self._allow is not None and lower not in self._allow and inner not in self._allow:
            result = NOT_ALLOWED
        else:
            result = KEEP
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[name] = result
        return result

    def removes(self, name: str) -> bool:
        return self.verdict(name) != KEEP


# Card-number-like digit runs (13 to 19 digits, single spaces or dashes between), checked with
# Luhn and a card-network first digit, so timestamps in milliseconds and long ids stay readable.
_CARD = re.compile(r"(?<![\d.])(?:\d[ -]?){12,18}\d(?![\d])")


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# Digit runs long enough to hold a card number: a cheap first pass before the exact pattern.
_CARD_RUN = re.compile(r"\d[\d -]{11,}\d")


def _card_replacement(match: re.Match[str]) -> str:
    digits = match.group().replace(" ", "").replace("-", "")
    if digits[0] in "23456" and _luhn_valid(digits):
        return REDACTED
    return match.group()


def _masked_cards(text: str) -> str:
    def run(match: re.Match[str]) -> str:
        if match.start() and text[match.start() - 1] == ".":  # the decimals of a number
            return match.group()
        return _CARD.sub(_card_replacement, match.group())

    return _CARD_RUN.sub(run, text)


class Masker:
    """Replaces matching substrings of kept values with `[REDACTED]`."""

    def __init__(self, patterns: Sequence[re.Pattern[str]], cards: bool) -> None:
        self.patterns = tuple(patterns)
        self.cards = cards
        self.active = bool(self.patterns) or cards

    def __call__(self, text: str) -> str:
        # search() before sub(): most values match nothing, and a search copies nothing.
        for pattern in self.patterns:
            if pattern.search(text):
                text = pattern.sub(REDACTED, text)
        if self.cards and _CARD_RUN.search(text):
            text = _masked_cards(text)
        return text

    def finds(self, text: str) -> bool:
        """Whether any mask matches somewhere in `text`."""
        if any(pattern.search(text) for pattern in self.patterns):
            return True
        if not self.cards:
            return False
        return any(
            _masked_cards(match.group()) != match.group() for match in _CARD_RUN.finditer(text)
        )


def redact_pairs(encoded: str, rules: KeyRules, mask: Masker, *, separator: str = "&") -> str:
    """A query string or form body with removed values replaced; untouched pairs stay as sent.

    `[REDACTED]` is written unencoded, as Apitally does, so a reader sees it in the URL.
    """
    if not encoded:
        return encoded
    parts = encoded.split(separator)
    changed = False
    for index, part in enumerate(parts):
        raw_name, equals, raw_value = part.partition("=")
        name = unquote_plus(raw_name)
        if rules.removes(name):
            if raw_value:
                parts[index] = f"{raw_name}={REDACTED}"
                changed = True
        elif raw_value and mask.active:
            value = unquote_plus(raw_value)
            masked = mask(value)
            if masked != value:
                parts[index] = f"{raw_name}{equals}{quote_plus(masked, safe='[]')}"
                changed = True
    return separator.join(parts) if changed else encoded


def redact_url(url: str, rules: KeyRules, mask: Masker) -> str:
    """A URL (Location, Referer, ...) with its query redacted and masks applied."""
    base, question, rest = url.partition("?")
    if question:
        query, hash_sign, fragment = rest.partition("#")
        url = f"{base}?{redact_pairs(query, rules, mask)}{hash_sign}{fragment}"
    return mask(url) if mask.active else url


def _redact_cookie_pairs(value: str, rules: KeyRules, mask: Masker) -> str:
    pairs = value.split(";")
    for index, pair in enumerate(pairs):
        name, equals, cookie = pair.partition("=")
        if equals and rules.removes(name.strip()):
            pairs[index] = f"{name}={REDACTED}"
        elif equals and mask.active:
            pairs[index] = f"{name}={mask(cookie)}"
    return ";".join(pairs)


def _redact_set_cookie(value: str, rules: KeyRules, mask: Masker) -> str:
    first, semicolon, attributes = value.partition(";")
    name, equals, _cookie = first.partition("=")
    if equals and rules.removes(name.strip()):
        return f"{name}={REDACTED}{semicolon}{attributes}"
    return mask(value) if mask.active else value


def redacted_credential(value: str) -> str:
    """`Bearer abc` -> `Bearer [REDACTED]`; anything else -> `[REDACTED]`."""
    scheme, space, _ = value.strip().partition(" ")
    if space and scheme.lower() in _AUTH_SCHEMES:
        return f"{scheme} {REDACTED}"
    return REDACTED


class HeaderRedactor:
    """Redacts a header list: removed names, cookie pairs, URLs in headers, masks."""

    def __init__(self, rules: KeyRules, mask: Masker) -> None:
        self._rules = rules
        self._mask = mask
        self._special: dict[str, Callable[[str, KeyRules, Masker], str]] = {
            "cookie": _redact_cookie_pairs,
            "set-cookie": _redact_set_cookie,
            **dict.fromkeys(_URL_HEADERS, redact_url),
        }

    def __call__(self, headers: Headers) -> Headers:
        rules, mask = self._rules, self._mask
        redacted: list[tuple[str, str]] = []
        changed = False
        for name, value in headers:
            verdict = rules.verdict(name)
            if verdict != KEEP:
                new = redacted_credential(value) if verdict == DENIED else REDACTED
            else:
                special = self._special.get(name.lower())
                if special is not None:
                    new = special(value, rules, mask)
                elif mask.active:
                    new = mask(value)
                else:
                    new = value
            if new != value:
                changed = True
            redacted.append((name, new))
        return tuple(redacted) if changed else headers
