"""Key-name rules (deny/allow), value masks, and redaction of headers, queries and cookies."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import quote_plus, unquote_plus

import ahocorasick

from inspector.config.defaults import REDACTED
from inspector.config.secret_shapes import has_token, mask_tokens
from inspector.model import Headers

KEEP, DENIED, NOT_ALLOWED = 0, 1, 2
_CACHE_LIMIT = 4096
_CLEAN_CACHE_TEXT = 512

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
_URL_HEADERS = frozenset({"location", "content-location", "referer", "origin"})
# Bracketed parts of a form or query name: `token[0]`, `access_token[]`, `user[password]`.
_BRACKETS = re.compile(r"\[([^\[\]]*)\]")
# An OAuth authorization code is a one-time credential, but `code` alone names error codes and
# country codes too: it is removed when a pair beside it says the query is an OAuth exchange.
_OAUTH_COMPANIONS = frozenset(
    {"state", "redirect_uri", "grant_type", "code_verifier", "client_id", "session_state"}
)
_PAIR_SEPARATORS = re.compile(r"[&;]")


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


def _automaton(words: Iterable[str]) -> ahocorasick.Automaton | None:
    """One Aho-Corasick pass tells whether any of `words` occurs: a substring test per word
    would read a 100 kB body once for each of the fifty-odd deny patterns."""
    automaton = ahocorasick.Automaton()
    for word in words:
        automaton.add_word(word, word)
    if not len(automaton):
        return None
    automaton.make_automaton()
    return automaton


def _occurs(automaton: ahocorasick.Automaton | None, text: str) -> bool:
    return automaton is not None and next(automaton.iter(text), None) is not None


class KeyRules:
    """Decides, for a key name, whether its value is kept, denied, or dropped by `allow`."""

    def __init__(
        self,
        deny: Sequence[str],
        allow: Sequence[str],
        not_secret: Sequence[str] = (),
        *,
        pair_deny: Sequence[str] = (),
    ) -> None:
        self.deny, self.allow, self.not_secret = tuple(deny), tuple(allow), tuple(not_secret)
        # The rules for query strings, form fields, headers and cookies: `pair_deny` too.
        self.for_pairs = KeyRules((*deny, *pair_deny), allow, not_secret) if pair_deny else self
        self._deny = _NameSet(deny)
        # Names the user declared harmless here: they beat the deny list (not value shapes).
        self._not_secret = _NameSet(not_secret) if not_secret else None
        self._allow = _NameSet(allow) if allow else None
        self._cache: dict[str, int] = {}
        # The longest literal piece of each deny pattern, as it would appear in JSON text.
        hints = {max(_json_key_fragments(p), key=len) for p in deny if p.strip("*")}
        self._json_hint = _automaton(hints)
        self._deny_anything = any(not p.strip("*") for p in deny)
        self._text_hints = tuple(sorted({hint.strip('"') for hint in hints}))
        self._text_hint = _automaton(self._text_hints)

    def may_rule_json(self, lower_text: str) -> bool:
        """False only when no key of this lower-cased JSON text can be denied or not allowed.

        Looks for the literal parts of deny patterns, so most bodies skip the per-value walk.
        """
        if self._allow is not None or self._deny_anything:
            return True
        return _occurs(self._json_hint, lower_text)

    def may_rule_text(self, lower_text: str) -> bool:
        """False only when no denied or unlisted key name can occur in this lower-cased text."""
        if self._allow is not None or self._deny_anything:
            return True
        return _occurs(self._text_hint, lower_text)

    def verdict(self, name: str) -> int:
        """KEEP, DENIED (deny wins over allow) or NOT_ALLOWED (allow is set and misses)."""
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        lower = name.strip().lower()
        # Nested and array form names (`user[password]`, `access_token[]`, `token[0]`, Rails and
        # PHP style) are judged by their base name and by their last named part.
        base, inner = lower, ""
        if lower.endswith("]") and "[" in lower:
            base = lower[: lower.index("[")]
            named = [part for part in _BRACKETS.findall(lower) if part and not part.isdigit()]
            inner = named[-1] if named else ""
        names = [n for n in (lower, base, inner) if n]
        if self._not_secret is not None and any(n in self._not_secret for n in names):
            result = KEEP
        elif any(n in self._deny for n in names):
            result = DENIED
        elif self._allow is not None and not any(n in self._allow for n in names):
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
    """Masks credentials inside kept values: the user's `mask` regexes and, with the built-in
    rules, card numbers, well-known token formats (secret_shapes) and secrets in URLs (a
    password in the userinfo, denied names in the query or fragment)."""

    def __init__(
        self,
        patterns: Sequence[re.Pattern[str]],
        cards: bool,
        *,
        tokens: bool = False,
        url_rules: KeyRules | None = None,
    ) -> None:
        self.patterns = tuple(patterns)
        self.cards = cards
        self.tokens = tokens
        self._url_rules = url_rules
        self.active = bool(self.patterns) or cards or tokens or url_rules is not None
        # Header values repeat from request to request (User-Agent, Accept, Host): the short
        # ones found clean are remembered. Only clean values, so no secret is held here.
        self._clean: dict[str, None] = {}

    def __call__(self, text: str) -> str:
        if text in self._clean:
            return text
        original = text
        text = self._masked(text)
        if text is original and len(text) <= _CLEAN_CACHE_TEXT:
            if len(self._clean) >= _CACHE_LIMIT:
                self._clean.clear()
            self._clean[text] = None
        return text

    def _masked(self, text: str) -> str:
        # search() before sub(): most values match nothing, and a search copies nothing.
        for pattern in self.patterns:
            if pattern.search(text):
                text = pattern.sub(REDACTED, text)
        if self.cards and _CARD_RUN.search(text):
            text = _masked_cards(text)
        if self.tokens:
            text = mask_tokens(text)
        if self._url_rules is not None and "://" in text:
            text = _scrub_urls(text, self._url_rules)
        return text

    def finds(self, text: str) -> bool:
        """Whether any mask matches somewhere in `text`."""
        if any(pattern.search(text) for pattern in self.patterns):
            return True
        if self.tokens and has_token(text):
            return True
        rules = self._url_rules
        if rules is not None and "://" in text and _scrub_urls(text, rules) != text:
            return True
        if not self.cards:
            return False
        return any(
            _masked_cards(match.group()) != match.group() for match in _CARD_RUN.finditer(text)
        )


_NO_MASK = Masker((), cards=False)
# Absolute URLs in free text: headers, JSON strings, YAML, logs, error messages.
_URL_IN_TEXT = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]{1,20}://[^\s\"'<>\\`{}|^]+")
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://)([^/?#@:]*):([^/?#@]+)@")


def _scrub_urls(text: str, rules: KeyRules) -> str:
    def one(match: re.Match[str]) -> str:
        url = _USERINFO.sub(lambda m: f"{m.group(1)}{m.group(2)}:{REDACTED}@", match.group(), 1)
        return redact_url(url, rules, _NO_MASK)

    return _URL_IN_TEXT.sub(one, text)


def redact_pairs(encoded: str, rules: KeyRules, mask: Masker, *, separator: str = "&") -> str:
    """A query string or form body with removed values replaced; untouched pairs stay as sent.

    Pairs split at `&` and at `;` (the older HTML separator, still accepted by many servers).
    `[REDACTED]` is written unencoded, as Apitally does, so a reader sees it in the URL.
    """
    if not encoded:
        return encoded
    if separator == "&" and ";" in encoded:
        return _redact_split_pairs(encoded, _PAIR_SEPARATORS, rules, mask)
    parts = encoded.split(separator)
    redacted = _redact_pair_list(parts, rules, mask)
    return separator.join(redacted) if redacted is not parts else encoded


def _redact_split_pairs(
    encoded: str, separators: re.Pattern[str], rules: KeyRules, mask: Masker
) -> str:
    parts = separators.split(encoded)
    kept = separators.findall(encoded)
    redacted = _redact_pair_list(parts, rules, mask)
    if redacted is parts:
        return encoded
    pieces = [redacted[0]]
    for joint, part in zip(kept, redacted[1:], strict=True):
        pieces += [joint, part]
    return "".join(pieces)


def _redact_pair_list(parts: list[str], rules: KeyRules, mask: Masker) -> list[str]:
    """The same list when nothing changed, else a new one."""
    names = [unquote_plus(part.partition("=")[0]).strip().lower() for part in parts]
    oauth = "code" in names and not _OAUTH_COMPANIONS.isdisjoint(names)
    result = parts
    for index, part in enumerate(parts):
        raw_name, equals, raw_value = part.partition("=")
        name = names[index]
        if rules.removes(name) or (oauth and name == "code"):
            new = f"{raw_name}={REDACTED}" if raw_value else part
        elif raw_value and mask.active:
            value = unquote_plus(raw_value)
            masked = mask(value)
            new = part if masked == value else f"{raw_name}{equals}{quote_plus(masked, safe='[]')}"
        else:
            continue
        if new != part:
            if result is parts:
                result = list(parts)
            result[index] = new
    return result


def redact_url(url: str, rules: KeyRules, mask: Masker) -> str:
    """A URL (Location, Referer, ...) with its query and fragment redacted and masks applied.

    The fragment counts: OAuth's implicit flow returns `#access_token=...` in a Location.
    """
    rest, hash_sign, fragment = url.partition("#")
    base, question, query = rest.partition("?")
    if question:
        query = redact_pairs(query, rules, mask)
    if hash_sign and "=" in fragment:
        fragment = redact_pairs(fragment, rules, mask)
    url = f"{base}{question}{query}{hash_sign}{fragment}"
    return mask(url) if mask.active else url


def _redact_link(value: str, rules: KeyRules, mask: Masker) -> str:
    """`Link: <url>; rel="next", <url>; rel="prev"`: each target is a URL."""
    return re.sub(r"<([^<>]*)>", lambda m: f"<{redact_url(m.group(1), rules, mask)}>", value)


_REFRESH_URL = re.compile(r";\s*url\s*=\s*['\"]?(.*)", re.IGNORECASE)


def _redact_refresh(value: str, rules: KeyRules, mask: Masker) -> str:
    """`Refresh: 0; url=/next?token=...`."""
    found = _REFRESH_URL.search(value)
    if found is None:
        return mask(value) if mask.active else value
    return value[: found.start(1)] + redact_url(found.group(1), rules, mask)


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
            "link": _redact_link,
            "refresh": _redact_refresh,
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
