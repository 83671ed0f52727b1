"""Secrets planted at random in random structures (JSON, cut-off JSON, forms, XML, text) never
survive the built-in rules, and documents without a secret come back unchanged."""

from __future__ import annotations

import json
import string
import urllib.parse
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.config import default_config
from inspector.config.redaction import KEEP
from inspector.model import Body
from inspector.testing.factories import make_exchange

DENIED_NAMES = ["password", "api_key", "apiKey", "client_secret", "access_token", "X-Api-Key",
                "refreshToken", "private_key", "passwd", "secret", "auth", "sessionid"]  # fmt: skip
CONFIG = default_config()

# Names the rules keep: none of the words that make a name look secret, and nothing the built-in
# deny list names outright (`cookie`, `session`: a generated `cookie` once made a document
# "without secrets" change).
PLAIN_NAMES = st.text(string.ascii_lowercase, min_size=1, max_size=8).filter(
    lambda name: not any(word in name for word in ("pass", "key", "secret", "token", "auth",
                                                   "pin", "otp", "pw", "sig", "ssn", "cv"))
    and CONFIG.key_rules.for_pairs.verdict(name) == KEEP
)  # fmt: skip
# Secrets that need a name beside them, and secrets whose shape alone gives them away.
NAMED_SECRETS = st.text(string.ascii_letters + string.digits, min_size=12, max_size=30).map(
    lambda s: "S3CR" + s
)
SHAPED_SECRETS = st.sampled_from(["ghp_", "sk_live_", "xoxb-1234-", "AKIA"]).flatmap(
    lambda prefix: st.text(string.ascii_uppercase + string.digits, min_size=36, max_size=40).map(
        lambda tail: prefix + tail[: 16 if prefix == "AKIA" else 36]
    )
)
# Below twelve digits: a 13 to 19 digit number that passes Luhn is masked as a card number.
SCALARS = st.one_of(st.integers(-(10**12), 10**12), st.booleans(), st.none(),
                    st.text(string.ascii_letters + " .,-", max_size=20))  # fmt: skip


def _plant(tree: Any, secrets: list[str], draw: Any) -> Any:
    """Adds a denied key holding a named secret, or a shaped secret under a plain key."""
    if isinstance(tree, dict) and draw(st.booleans()):
        secret = draw(NAMED_SECRETS)
        secrets.append(secret)
        tree[draw(st.sampled_from(DENIED_NAMES))] = secret
    elif isinstance(tree, dict):
        secret = draw(SHAPED_SECRETS)
        secrets.append(secret)
        tree[draw(PLAIN_NAMES)] = f"see {secret} here"
    return tree


@st.composite
def json_with_secrets(draw: Any) -> tuple[Any, list[str]]:
    secrets: list[str] = []
    tree = draw(st.recursive(
        SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(PLAIN_NAMES, inner, max_size=4).map(
                lambda d: _plant(dict(d), secrets, draw)
            ),
        ),
        max_leaves=20,
    ))  # fmt: skip
    document = _plant({"data": tree}, secrets, draw)
    return document, secrets


def _body(content: bytes, content_type: str) -> Body:
    return Body(content=content, size=len(content), wire_size=len(content),
                content_type=content_type)  # fmt: skip


def _redacted(content: bytes, content_type: str) -> bytes:
    exchange = make_exchange(response_body=_body(content, content_type))
    processed = CONFIG.process(exchange)
    assert processed is not None
    return processed.response_body.content


@settings(max_examples=300, deadline=None)
@given(json_with_secrets())
def test_json_at_any_depth(planted: tuple[Any, list[str]]) -> None:
    document, secrets = planted
    out = _redacted(json.dumps(document).encode(), "application/json")
    for secret in secrets:
        assert secret.encode() not in out
    json.loads(out)  # still a JSON document


@settings(max_examples=300, deadline=None)
@given(json_with_secrets(), st.integers(min_value=1, max_value=10_000), st.booleans())
def test_cut_off_or_mislabelled_json(
    planted: tuple[Any, list[str]], cut: int, as_text: bool
) -> None:
    document, secrets = planted
    content = json.dumps(document).encode()[:cut]
    out = _redacted(content, "text/plain" if as_text else "application/json")
    for secret in secrets:
        if secret.encode() in content:
            assert secret.encode() not in out


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(PLAIN_NAMES, st.text(string.ascii_letters, max_size=10)), max_size=6),
       st.sampled_from(DENIED_NAMES), NAMED_SECRETS, st.sampled_from(["&", ";"]))  # fmt: skip
def test_forms_and_queries(
    pairs: list[tuple[str, str]], name: str, secret: str, separator: str
) -> None:
    encoded = separator.join(f"{urllib.parse.quote(k)}={urllib.parse.quote(v)}"
                             for k, v in [*pairs, (name, secret)])  # fmt: skip
    exchange = make_exchange(query=encoded, request_body=_body(
        encoded.replace(";", "&").encode(), "application/x-www-form-urlencoded"))  # fmt: skip
    processed = CONFIG.process(exchange)
    assert processed is not None
    assert secret not in processed.query
    assert secret.encode() not in processed.request_body.content


@settings(max_examples=200, deadline=None)
@given(st.lists(PLAIN_NAMES, min_size=1, max_size=4), st.sampled_from(DENIED_NAMES),
       NAMED_SECRETS, st.sampled_from(["", "ns:", "soap-env:"]), st.booleans())  # fmt: skip
def test_xml_elements(path: list[str], name: str, secret: str, prefix: str, cdata: bool) -> None:
    value = f"<![CDATA[{secret}]]>" if cdata else secret
    inner = f"<{prefix}{name}>{value}</{prefix}{name}>"
    for element in reversed(path):
        inner = f"<{element}>{inner}<note>kept</note></{element}>"
    out = _redacted(inner.encode(), "application/xml")
    assert secret.encode() not in out
    assert b"kept" in out


@settings(max_examples=200, deadline=None)
@given(st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(PLAIN_NAMES, inner, max_size=4)
), max_leaves=20))  # fmt: skip
def test_documents_without_secrets_are_unchanged(document: Any) -> None:
    content = json.dumps({"data": document}).encode()
    assert _redacted(content, "application/json") == content
