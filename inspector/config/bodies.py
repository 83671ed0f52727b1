"""Redaction of message bodies: JSON at any depth, forms, multipart, and a text fallback.

Sizes keep describing the original message (Body.size, wire_size); only `content` changes. A body
that cannot be parsed is still searched for `"key": value`, `key=value` and `<key>value</key>`
pairs of denied keys, so a malformed or truncated JSON body never keeps a password in clear.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
from typing import Any
from urllib.parse import unquote

from inspector.config.defaults import REDACTED
from inspector.config.redaction import DENIED, KEEP, NOT_ALLOWED, KeyRules, Masker, redact_pairs
from inspector.config.secret_shapes import mask_tokens, mask_tokens_in_bytes
from inspector.model import Body

_BINARY_PREFIXES = ("image/", "audio/", "video/", "font/")
_BINARY_TYPES = frozenset(
    {
        "application/octet-stream",
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/pdf",
        "application/wasm",
        "application/x-protobuf",
        "application/protobuf",
        "application/grpc",
        "application/vnd.google.protobuf",
        "application/msgpack",
        "application/x-msgpack",
        "application/cbor",
    }
)
_FORM = "application/x-www-form-urlencoded"
_NDJSON = frozenset({"application/x-ndjson", "application/jsonl", "application/jsonlines"})
_REDACTED_JSON = json.dumps(REDACTED)

# Fallback patterns. Keys are bounded so that a pathological body cannot make them slow.
_COLON = re.compile(r"\s*:\s*")
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_JSON_SCALAR = re.compile(r"[^,}\]\s]*")
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[{}\[\]]', re.DOTALL)
_QUOTED = r"\"[^\"\n]*\"?|'[^'\n]*'?"
_KEY_EQUALS = re.compile(
    rf"(?<![\w.\-])([A-Za-z_][\w.\-]{{0,100}})(\s*=\s*)({_QUOTED}|[^\s&;,\"'<>]+)"
)
# `Authorization: Bearer abc` in a text body: everything up to the end of the line goes.
_KEY_COLON = re.compile(
    rf"(?<![\w.\-])([A-Za-z_][\w.\-]{{0,100}})([ \t]*:[ \t]*)({_QUOTED}|[^\r\n]+)"
)
# `'password': 'x'` (Python and JS object literals), `"password": "x"` wherever a broken JSON
# text lost step, and `:password => "x"` (Ruby), whatever the scan above made of them.
_QUOTED_KEY = re.compile(
    rf"""(?P<q>['"]):?(?P<key>[A-Za-z_][\w.\-]{{0,100}})(?P=q)(?P<sep>\s*(?::|=>?)\s*)"""
    rf"""(?P<value>{_QUOTED}|[^\s,}}\]);]+)"""
)
# An element, namespaced or not, whose text is plain or a CDATA section.
_XML_ELEMENT = re.compile(
    r"<(?P<tag>(?:[A-Za-z_][\w.\-]{0,50}:)?(?P<local>[A-Za-z_][\w.\-]{0,100}))(?P<attrs>\s[^<>]*)?>"
    r"(?P<text><!\[CDATA\[[\s\S]*?\]\]>|[^<]*)</(?P=tag)\s*>"
)
_ESCAPED_ASCII = re.compile(r"\\u00[2-7]")
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
# `name="x"`, `name=x` (unquoted) and RFC 2231's `name*=utf-8''x`.
_PART_NAME = re.compile(r"""\bname(\*?)=(?:"([^"]*)"|([^;\s]+))""", re.IGNORECASE)


def _part_name(head: str) -> str:
    found = _PART_NAME.search(head)
    if found is None:
        return ""
    star, quoted, bare = found.groups()
    name = quoted if quoted is not None else bare
    if star:  # RFC 2231: charset'language'percent-encoded
        name = unquote(name.split("'", 2)[-1])
    return name


def _sub_pairs(pattern: re.Pattern[str], text: str, rules: KeyRules) -> str:
    """Redact the values of denied `key=value` / `key: value` pairs.

    A kept pair's value is read on, not skipped: `rejected: Authorization: Bearer x` holds a
    denied pair inside a kept one.
    """
    pieces: list[str] = []
    copied = position = 0
    while (found := pattern.search(text, position)) is not None:
        key, value = found.group(1), found.group(3)
        if rules.verdict(key) == DENIED and REDACTED not in value:
            pieces += [text[copied : found.start(3)], REDACTED]
            copied = position = found.end()
        else:
            position = found.end(2)
    if not pieces:
        return text
    pieces.append(text[copied:])
    return "".join(pieces)


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _is_json_type(mtype: str) -> bool:
    return mtype == "application/json" or mtype.endswith("+json") or mtype == "text/json"


def _dump(value: Any) -> bytes:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from \ud800-style escapes
        return json.dumps(value, separators=(",", ":")).encode("ascii")


def _json_value_end(text: str, start: int) -> int:
    """Where the JSON value starting at `start` ends (the end of text when it is cut off)."""
    if start >= len(text):
        return start
    first = text[start]
    if first == '"':
        match = _JSON_STRING.match(text, start)
        return match.end() if match else len(text)
    if first in "{[":
        depth = 0
        for token in _JSON_TOKEN.finditer(text, start):
            char = token.group()
            if char in "{[":
                depth += 1
            elif char in "}]":
                depth -= 1
                if depth == 0:
                    return token.end()
        return len(text)
    match = _JSON_SCALAR.match(text, start)
    return match.end() if match else start


class BodyRedactor:
    """Redacts one Body according to its media type; never raises on any bytes."""

    def __init__(self, rules: KeyRules, mask: Masker) -> None:
        self._rules = rules
        self._pair_rules = rules.for_pairs
        self._mask = mask

    def redact_text(self, text: str) -> str:
        """Free text (an error message, a log line): pairs of denied keys and masks."""
        return self._text(text)

    def __call__(self, body: Body) -> Body:
        if not body.content:
            return body
        content = self._content(body.content, body.media_type, body.content_type)
        return body if content == body.content else dataclasses.replace(body, content=content)

    def _content(self, content: bytes, mtype: str, content_type: str) -> bytes:
        if mtype.startswith(_BINARY_PREFIXES) or mtype in _BINARY_TYPES:
            try:  # "binary" that is really text (a JSON upload as octet-stream) is still checked
                text = content.decode("utf-8")
            except UnicodeDecodeError:
                return self._binary(content)
            return self._text(text).encode("utf-8")
        # surrogateescape round-trips any bytes, so undecodable parts come back unchanged.
        text = content.decode("utf-8", "surrogateescape")
        if not self._may_change(text):
            return content
        if mtype in _NDJSON:
            return b"\n".join(self._json_or_text(line) for line in content.split(b"\n"))
        if _is_json_type(mtype) or content.lstrip()[:1] in (b"{", b"["):
            parsed = self._json(content)
            if parsed is not None:
                return parsed
        if mtype == _FORM:
            redacted = redact_pairs(text, self._pair_rules, self._mask)
        elif mtype == "multipart/form-data":
            redacted = self._multipart(text, content_type)
        else:
            redacted = self._text(text)
        return content if redacted == text else redacted.encode("utf-8", "surrogateescape")

    def _binary(self, content: bytes) -> bytes:
        """Truly binary content (not UTF-8): token-shaped runs overwritten, length kept."""
        return mask_tokens_in_bytes(content) if self._mask.tokens else content

    def _may_change(self, text: str) -> bool:
        """False when no key in the text can be denied and no mask matches: most bodies.

        Substring tests at memory speed spare parsing and walking. Percent-encoded and
        \\u-escaped text may spell a denied name in disguise, so it always takes the full path.
        """
        lower = text.lower()
        if self._rules.may_rule_text(lower) or "%" in text or _ESCAPED_ASCII.search(lower):
            return True
        return self._mask.active and self._mask.finds(text)

    def _json_or_text(self, content: bytes) -> bytes:
        parsed = self._json(content)
        if parsed is not None:
            return parsed
        return self._text(content.decode("utf-8", "surrogateescape")).encode(
            "utf-8", "surrogateescape"
        )

    def _json(self, content: bytes) -> bytes | None:
        """The redacted JSON document, or None when it does not parse."""
        if not content.strip():
            return content
        try:
            document = json.loads(content)
        except (ValueError, RecursionError):
            return None
        # Walking every value in Python is the slow part: first ask, in one regex pass over the
        # text, whether any key is ruled out or any mask matches; most bodies need nothing.
        text = content.decode("utf-8", "surrogateescape")
        keys_ruled = self._any_key_ruled(text)
        masking = self._mask.active and self._mask.finds(text)
        # A string value can hold a structure of its own: JSON, a GraphQL query with inline
        # arguments, a form or a log line naming a denied key.
        embedded = self._rules.may_rule_text(text.lower())
        if not keys_ruled and not masking and not embedded:
            return content
        holder = [document]
        return _dump(holder[0]) if self._walk(holder, masking, embedded) else content

    def _any_key_ruled(self, text: str) -> bool:
        lower = text.lower()
        # An ASCII letter written as \u00XX could spell a denied key: check the parsed keys.
        return _ESCAPED_ASCII.search(lower) is not None or self._rules.may_rule_json(lower)

    def _scalar(self, value: Any, embedded: bool = False) -> tuple[bool, Any]:
        """(changed, new value) after masks, for a kept value that is not a container."""
        mask = self._mask
        if isinstance(value, str):
            if embedded and self._rules.may_rule_text(value.lower()):
                masked = self._text(value)
            else:
                masked = mask(value) if mask.active else value
            return masked != value, masked
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = str(value)
            if mask(text) != text:
                return True, REDACTED
        return False, value

    def _walk(self, root: list[Any], masking: bool, embedded: bool = False) -> bool:
        """Redacts a parsed document in place, iteratively (deep nesting cannot overflow).

        json.loads only makes dict, list, str, int, float, bool and None: exact type checks are
        enough, and this loop is the hot path for large bodies.
        """
        verdict = self._rules.verdict
        changed = False
        stack: list[Any] = [root]
        while stack:
            node = stack.pop()
            if type(node) is dict:
                for key, value in node.items():
                    container = type(value) is dict or type(value) is list
                    ruling = verdict(key)
                    if ruling == DENIED or (ruling == NOT_ALLOWED and not container):
                        node[key] = REDACTED
                        changed = True
                    elif container:
                        stack.append(value)
                    elif masking or (embedded and type(value) is str):
                        value_changed, new = self._scalar(value, embedded)
                        if value_changed:
                            node[key] = new
                            changed = True
            else:
                for index, value in enumerate(node):
                    if type(value) is dict or type(value) is list:
                        stack.append(value)
                    elif masking or (embedded and type(value) is str):
                        value_changed, new = self._scalar(value, embedded)
                        if value_changed:
                            node[index] = new
                            changed = True
        return changed

    def _text(self, text: str) -> str:
        """Text that did not parse as its declared type: redact pairs that look like keys."""
        lower = text.lower()
        if not (self._rules.may_rule_text(lower) or _ESCAPED_ASCII.search(lower)):
            return self._mask(text) if self._mask.active else text
        text = self._json_pairs(text)
        rules = self._rules

        def element(match: re.Match[str]) -> str:
            if rules.verdict(match.group("local")) == DENIED:
                tag = match.group("tag")
                return f"<{tag}{match.group('attrs') or ''}>{REDACTED}</{tag}>"
            return match.group()

        def quoted_key(match: re.Match[str]) -> str:
            value = match.group("value")
            if rules.verdict(match.group("key")) != DENIED or REDACTED in value:
                return match.group()
            quote = value[0] if value[:1] in ("'", '"') else ""
            return match.group()[: match.start("value") - match.start()] + (
                f"{quote}{REDACTED}{quote}"
            )

        text = _sub_pairs(_KEY_COLON, _sub_pairs(_KEY_EQUALS, text, rules), rules)
        if "'" in text or '"' in text:
            text = _QUOTED_KEY.sub(quoted_key, text)
        if "<" in text:
            text = _XML_ELEMENT.sub(element, text)
        return self._mask(text) if self._mask.active else text

    def _json_pairs(self, text: str) -> str:
        """Redact the values of denied keys in JSON that does not parse (cut off, broken).

        The scan moves string by string and always resumes outside a string, so every quote it
        meets opens one: a key-like regex alone loses step on values such as `":"` and then
        misses the keys that follow.
        """
        if '"' not in text:
            return text
        verdict = self._rules.verdict
        pieces: list[str] = []
        copied = position = 0
        while (string := _JSON_STRING.search(text, position)) is not None:
            position = string.end()
            colon = _COLON.match(text, position)
            if colon is None or not string.group().endswith('"') or len(string.group()) < 2:
                continue  # a value, not a key (or a string cut off by truncation)
            key = string.group()[1:-1]
            if "\\" in key:
                with contextlib.suppress(ValueError):
                    key = json.loads(string.group())
            start = colon.end()
            ruling = verdict(key)
            if ruling == KEEP or (ruling == NOT_ALLOWED and text[start : start + 1] in ("{", "[")):
                position = start  # read on into the value: nested keys get their own ruling
                continue
            end = _json_value_end(text, start)
            pieces.append(text[copied:start])
            pieces.append(_REDACTED_JSON)
            copied = position = end
        if not pieces:
            return text
        pieces.append(text[copied:])
        return "".join(pieces)

    def _multipart(self, text: str, content_type: str) -> str:
        found = _BOUNDARY.search(content_type)
        if found is None:
            return self._text(text)
        delimiter = f"--{found.group(1)}"
        parts = text.split(delimiter)
        for index, part in enumerate(parts[1:], start=1):
            head, blank, content = part.partition("\r\n\r\n")
            if not blank:
                head, blank, content = part.partition("\n\n")
            if not blank:
                continue
            name = _part_name(head)
            tail = "\r\n" if content.endswith("\r\n") else "\n" if content.endswith("\n") else ""
            value = content[: len(content) - len(tail)]
            if name and self._pair_rules.removes(name):
                value = REDACTED
            elif "filename" in head.lower():
                # An uploaded file is searched when it is text (an .env, a JSON key file, a
                # log); undecodable bytes arrive here as surrogates and are left alone.
                if not _has_surrogates(value):
                    value = self._text(value)
                elif self._mask.tokens:
                    value = mask_tokens(value)
            else:
                value = self._text(value)
            parts[index] = f"{head}{blank}{value}{tail}"
        return delimiter.join(parts)
