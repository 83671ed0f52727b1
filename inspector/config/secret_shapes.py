"""Values that are credentials by their shape, whatever their name: token formats, private keys.

The formats are the well-known, prefix-anchored rules of the gitleaks rule set (MIT,
github.com/gitleaks/gitleaks, config/gitleaks.toml) and detect-secrets' plugins: each names a
provider's documented token layout, so ordinary ids, hashes and UUIDs do not match. Rules that need
a key name beside a random-looking value (an AWS secret access key, a generic "password") are the
key rules' job, not this module's.

Every rule starts with a literal prefix, so a text is first checked with plain substring tests
(memchr speed) and only the rules whose prefix occurs run their regex, which sre then scans for
by that literal too. Texts shorter than the shortest token are never scanned.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import ahocorasick

from inspector.config.defaults import REDACTED

# The end of a token: no more of the token alphabet follows.
_E = r"(?![A-Za-z0-9_\-])"


class TokenFormat(NamedTuple):
    name: str
    prefixes: tuple[str, ...]  # every match starts with one of these
    rest: str  # the regex after the prefix
    # The prefix may not continue a longer word (`task-...` is not an `sk-` key).
    starts_word: bool = False


TOKEN_FORMATS: tuple[TokenFormat, ...] = (
    # A PEM block up to its END line; one cut off by truncation is masked to the end of its
    # base64. Certificates and public keys are not secret and do not match.
    TokenFormat(
        "private key (PEM)",
        ("-----BEGIN ",),
        r"[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"
        r"(?:[\s\S]{0,20000}?-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"
        r"|[A-Za-z0-9+/=\s\\:,\-]*)",
    ),
    TokenFormat("PuTTY private key", ("PuTTY-User-Key-File-",), r"\d:[^\r\n]*"),
    TokenFormat(
        "JSON Web Token", ("eyJ",), r"[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*", True
    ),
    TokenFormat(
        "AWS access key id", ("AKIA", "ASIA", "ABIA", "ACCA"), rf"[A-Z0-9]{{16}}{_E}", True
    ),
    TokenFormat(
        "GitHub token",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
        rf"[A-Za-z0-9]{{36,255}}{_E}",
        True,
    ),
    TokenFormat("GitHub fine-grained token", ("github_pat_",), r"[A-Za-z0-9_]{22,255}"),
    TokenFormat(
        "GitLab token",
        tuple(f"gl{kind}-" for kind in ("pat", "ptt", "dt", "rt", "oas", "cbt", "soat", "ffct")),
        r"[A-Za-z0-9_\-]{20,}",
        True,
    ),
    TokenFormat(
        "Slack token",
        tuple(f"xox{kind}-" for kind in "abposre"),
        r"[A-Za-z0-9\-]{10,}",
        True,
    ),
    TokenFormat(
        "Slack webhook",
        ("hooks.slack.com/",),
        r"(?:services|workflows|triggers)/[A-Za-z0-9+/_\-]{20,}",
    ),
    TokenFormat(
        "Stripe secret key",
        tuple(f"{kind}_{mode}_" for kind in ("sk", "rk") for mode in ("live", "test", "prod")),
        rf"[A-Za-z0-9]{{16,}}{_E}",
        True,
    ),
    TokenFormat("Stripe webhook secret", ("whsec_",), r"[A-Za-z0-9+/=]{24,}", True),
    TokenFormat("Google API key", ("AIza",), rf"[0-9A-Za-z_\-]{{35}}{_E}", True),
    TokenFormat("Google OAuth access token", ("ya29.",), r"[0-9A-Za-z_\-]{20,}", True),
    TokenFormat(
        "OpenAI or Anthropic key",
        ("sk-",),
        rf"(?:proj-|svcacct-|admin-|ant-(?:api|admin)\d\d-)?[A-Za-z0-9_\-]{{32,}}{_E}",
        True,
    ),
    TokenFormat("SendGrid key", ("SG.",), r"[A-Za-z0-9_\-]{16,32}\.[A-Za-z0-9_\-]{16,64}", True),
    TokenFormat("Twilio API key", ("SK",), rf"[0-9a-fA-F]{{32}}{_E}", True),
    TokenFormat("npm token", ("npm_",), rf"[A-Za-z0-9]{{36}}{_E}", True),
    TokenFormat("PyPI token", ("pypi-AgEIcHlwaS5vcmc",), r"[A-Za-z0-9_\-]{50,}"),
    TokenFormat(
        "Shopify token", ("shpat_", "shpca_", "shppa_", "shpss_"), rf"[a-fA-F0-9]{{32}}{_E}", True
    ),
    TokenFormat("Hugging Face token", ("hf_",), rf"[A-Za-z]{{34}}{_E}", True),
    TokenFormat("Databricks token", ("dapi",), rf"[a-f0-9]{{32}}(?:-\d)?{_E}", True),
    TokenFormat("DigitalOcean token", ("dop_v1_", "doo_v1_", "dor_v1_"), rf"[a-f0-9]{{64}}{_E}"),
    TokenFormat("HashiCorp Vault token", ("hvs.", "hvb.", "hvr."), r"[A-Za-z0-9_\-]{24,}", True),
    TokenFormat("Mailgun key", ("key-",), rf"[0-9a-z]{{32}}{_E}", True),
    TokenFormat("Postman key", ("PMAK-",), r"[a-f0-9]{24}-[a-f0-9]{34}"),
    TokenFormat("Linear key", ("lin_api_",), r"[A-Za-z0-9]{40}"),
    TokenFormat("Square token", ("sq0atp-", "sq0csp-"), r"[0-9A-Za-z_\-]{22,60}"),
    TokenFormat("Atlassian token", ("ATATT3",), r"[A-Za-z0-9_\-=]{150,}", True),
    TokenFormat(
        "Doppler token",
        tuple(f"dp.{kind}." for kind in ("pt", "st", "sa", "ct", "scim", "audit")),
        r"[A-Za-z0-9]{40,}",
        True,
    ),
    # Azure connection strings: the name stays, the key goes.
    TokenFormat("Azure storage key", ("AccountKey=",), r"[A-Za-z0-9+/=]{40,}"),
    TokenFormat("Azure shared access key", ("SharedAccessKey=",), r"[A-Za-z0-9+/=]{20,}"),
)


def _rule_regex(rule: TokenFormat) -> str:
    alternatives = []
    for prefix in rule.prefixes:
        literal = re.escape(prefix)
        # The literal first, so sre searches for it; then a fixed-width look back at what
        # stands before it.
        guard = f"(?<![A-Za-z0-9_\\-]{literal})" if rule.starts_word else ""
        alternatives.append(f"{literal}{guard}")
    return f"(?:{'|'.join(alternatives)}){rule.rest}"


_RULES = tuple(
    (re.compile(_rule_regex(rule)), re.compile(_rule_regex(rule).encode()))
    for rule in TOKEN_FORMATS
)
# No token format is shorter than this (an AWS key id: 4 + 16).
_SHORTEST = 20


def _prefix_automaton() -> ahocorasick.Automaton:
    """All prefixes in one Aho-Corasick automaton: one pass over a text finds which rules can
    match, where a substring test per prefix would read a large body seventy times."""
    rules_of: dict[str, list[int]] = {}
    for index, rule in enumerate(TOKEN_FORMATS):
        for prefix in rule.prefixes:
            rules_of.setdefault(prefix, []).append(index)
    automaton = ahocorasick.Automaton()
    for prefix, indexes in rules_of.items():
        automaton.add_word(prefix, tuple(indexes))
    automaton.make_automaton()
    return automaton


_PREFIXES = _prefix_automaton()


def _candidate_rules(text: str) -> set[int]:
    found: set[int] = set()
    if len(text) >= _SHORTEST:
        for _, indexes in _PREFIXES.iter(text):
            found.update(indexes)
    return found


def may_hold_token(text: str) -> bool:
    """False when no token format can match: the cheap first pass."""
    return len(text) >= _SHORTEST and next(_PREFIXES.iter(text), None) is not None


def has_token(text: str) -> bool:
    return any(_RULES[index][0].search(text) for index in _candidate_rules(text))


def mask_tokens(text: str) -> str:
    """`text` with every credential-shaped token replaced by `[REDACTED]`."""
    for index in sorted(_candidate_rules(text)):
        text = _RULES[index][0].sub(REDACTED, text)
    return text


def mask_tokens_in_bytes(content: bytes) -> bytes:
    """Tokens in a binary body (protobuf, msgpack, ...) overwritten with as many bytes.

    Lengths stay the same, so the framing of a length-prefixed format is still valid.
    """

    def same_length(match: re.Match[bytes]) -> bytes:
        size = len(match.group())
        return (REDACTED.encode() + b"*" * size)[:size]

    for index in sorted(_candidate_rules(content.decode("latin-1"))):
        content = _RULES[index][1].sub(same_length, content)
    return content
