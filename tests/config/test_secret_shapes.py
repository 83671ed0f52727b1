"""Credentials found by their shape, whatever their name: every token format masks a real-looking
token and keeps the words around it; ids, hashes and words that merely start alike stay."""

from __future__ import annotations

import pytest

from inspector.config.secret_shapes import (
    TOKEN_FORMATS,
    has_token,
    mask_tokens,
    mask_tokens_in_bytes,
    may_hold_token,
)

_A = "aB3dE5gH7jK9mN1pQ2rS4tU6vW8xY0zC" * 8  # alphanumeric filler, sliced to each length
_HEX = "0123456789abcdef" * 8

# One token per format, in the provider's documented layout.
SAMPLES: dict[str, str] = {
    "private key (PEM)": "-----BEGIN RSA PRIVATE KEY-----\nMIIEow"
    + _A[:60]
    + "\n-----END RSA PRIVATE KEY-----",
    "PuTTY private key": "PuTTY-User-Key-File-3: ssh-ed25519",
    "JSON Web Token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
    "AWS access key id": "AKIA" + "IOSFODNN7EXAMPLE",
    "GitHub token": "ghp_" + _A[:36],
    "GitHub fine-grained token": "github_pat_" + _A[:22] + "_" + _A[:59],
    "GitLab token": "glpat-" + _A[:20],
    "Slack token": "xoxb-1234567890-" + _A[:24],
    "Slack webhook": "hooks.slack.com/services/T000/B000/" + _A[:24],
    "Stripe secret key": "sk_live_" + _A[:24],
    "Stripe webhook secret": "whsec_" + _A[:32],
    "Google API key": "AIza" + _A[:35],
    "Google OAuth access token": "ya29." + _A[:40],
    "OpenAI or Anthropic key": "sk-proj-" + _A[:48],
    "SendGrid key": "SG." + _A[:22] + "." + _A[:43],
    "Twilio API key": "SK" + _HEX[:32],
    "npm token": "npm_" + _A[:36],
    "PyPI token": "pypi-AgEIcHlwaS5vcmc" + _A[:60],
    "Shopify token": "shpat_" + _HEX[:32],
    "Hugging Face token": "hf_" + "abcdefghijklmnopqrstuvwxyzABCDEFGH",
    "Databricks token": "dapi" + _HEX[:32],
    "DigitalOcean token": "dop_v1_" + _HEX[:64],
    "HashiCorp Vault token": "hvs." + _A[:90],
    "Mailgun key": "key-" + _HEX[:32],
    "Postman key": "PMAK-" + _HEX[:24] + "-" + _HEX[:34],
    "Linear key": "lin_api_" + _A[:40],
    "Square token": "sq0atp-" + _A[:22],
    "Atlassian token": "ATATT3" + _A[:180],
    "Doppler token": "dp.pt." + _A[:43],
    "Azure storage key": "AccountKey=" + _A[:86] + "==",
    "Azure shared access key": "SharedAccessKey=" + _A[:43] + "=",
}


def test_every_format_has_a_sample_here() -> None:
    assert {rule.name for rule in TOKEN_FORMATS} == set(SAMPLES)


@pytest.mark.parametrize("name", sorted(set(SAMPLES) - {"PuTTY private key"}))
def test_each_format_is_masked_and_the_words_around_it_kept(name: str) -> None:
    token = SAMPLES[name]
    text = f"before «{token}» after"
    assert may_hold_token(text) and has_token(text)
    assert mask_tokens(text) == "before «[REDACTED]» after"


def test_a_putty_key_file_header_is_masked_to_the_end_of_its_line() -> None:
    text = f"before {SAMPLES['PuTTY private key']} comment\nPrivate-Lines: 1"
    assert mask_tokens(text) == "before [REDACTED]\nPrivate-Lines: 1"


@pytest.mark.parametrize(
    "text",
    [
        "550e8400-e29b-41d4-a716-446655440000",  # a UUID
        "sha256:" + _HEX[:64],  # a hash
        "task-" + _A[:40],  # `sk-` inside a longer word
        "my_sk_live_" + _A[:24],  # `sk_live_` inside a longer word
        "XAKIA" + "IOSFODNN7EXAMPLE",  # `AKIA` inside a longer word
        "AKIA" + "IOSFODNN7EXAMPLEX",  # one character too many for a key id
        "ghp_" + _A[:35],  # one too few for a GitHub token
        "-----BEGIN CERTIFICATE-----\nMIIB" + _A[:60] + "\n-----END CERTIFICATE-----",
        "The order ghp_ was shipped to key-holders on 2024-01-01 by sk-team.",
    ],
)
def test_ids_hashes_and_lookalikes_are_kept(text: str) -> None:
    assert not has_token(text)
    assert mask_tokens(text) == text


def test_short_and_empty_texts_are_never_scanned() -> None:
    assert not may_hold_token("") and mask_tokens("") == ""
    assert not may_hold_token("ghp_abc") and mask_tokens("ghp_abc") == "ghp_abc"
    # Long enough, but no format's prefix anywhere: the cheap pass says no.
    assert not may_hold_token("a perfectly ordinary sentence about tokens")


def test_several_tokens_of_several_formats_in_one_text() -> None:
    text = (
        f"a={SAMPLES['GitHub token']}&b={SAMPLES['Stripe secret key']}&c={SAMPLES['GitHub token']}"
    )
    assert mask_tokens(text) == "a=[REDACTED]&b=[REDACTED]&c=[REDACTED]"


def test_a_pem_key_cut_off_by_truncation_is_masked_to_the_end_of_its_base64() -> None:
    cut = "key: -----BEGIN PRIVATE KEY-----\nMIIEvQ" + _A[:100]
    assert mask_tokens(cut) == "key: [REDACTED]"


def test_a_json_escaped_pem_key_is_masked_whole() -> None:
    escaped = (
        '{"key": "-----BEGIN EC PRIVATE KEY-----\\nMHcC'
        + _A[:64]
        + '\\n-----END EC PRIVATE KEY-----\\n"}'
    )
    assert mask_tokens(escaped) == '{"key": "[REDACTED]\\n"}'


def test_bytes_keep_their_length_so_binary_framing_stays_valid() -> None:
    token = SAMPLES["GitHub token"].encode()
    # A length-prefixed field between binary bytes that are not UTF-8.
    content = b"\x08\xff\xfe" + bytes([len(token)]) + token + b"\x00\x80tail"
    masked = mask_tokens_in_bytes(content)
    assert len(masked) == len(content)
    assert token not in masked
    assert (
        masked
        == b"\x08\xff\xfe" + bytes([len(token)]) + b"[REDACTED]" + b"*" * 30 + b"\x00\x80tail"
    )


def test_bytes_without_tokens_come_back_unchanged() -> None:
    content = bytes(range(256)) * 4
    assert mask_tokens_in_bytes(content) == content


def test_a_huge_text_with_one_token_deep_inside() -> None:
    text = "x " * 500_000 + SAMPLES["Slack token"] + " y"
    masked = mask_tokens(text)
    assert masked.endswith(" [REDACTED] y") and len(masked) < len(text)
