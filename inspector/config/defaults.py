"""The built-in rules that protect a user with no configuration file at all."""

from __future__ import annotations

# Key names removed wherever they appear: headers, query, form fields, cookies, JSON at any depth.
# Case-insensitive; `*` matches any run of characters. Suffix globs (`*token`) rather than
# substrings keep counters such as `max_tokens` or `token_type` readable.
BUILTIN_DENY: tuple[str, ...] = (
    "authorization",
    "proxy-authorization",
    "*authorization",  # X-Authorization, X-Upstream-Authorization, X-Forwarded-Authorization
    "*authentication",
    "cookie",
    "set-cookie",
    "auth",
    "x-auth",
    "x-auth-*",
    "*access-key*",  # X-Access-Key, X-Amz-Access-Key
    "*access_key*",
    "*accesskey*",
    "*accountkey",
    "*subscription-key*",  # Ocp-Apim-Subscription-Key (Azure), vendor gateways
    "*subscription_key*",
    "*subscriptionkey*",
    "x-functions-key",
    "*master-key*",
    "*master_key*",
    "*connectionstring*",
    "*connection_string*",
    "*api-key*",
    "*api_key*",
    "*apikey*",
    "*api.key",
    "*token",
    "*secret*",
    "*password*",
    "*passwd*",
    "pwd",
    "pw",
    "pass",
    "*_pass",
    "*-pass",
    "passcode",
    "*passphrase*",
    "*private-key*",
    "*private_key*",
    "*privatekey*",
    "*signature*",
    "session",
    "*session-id",
    "*session_id",
    "*sessionid",
    "*sessid",
    "*card-number*",
    "*card_number*",
    "*cardnumber*",
    "cvv",
    "cvc",
    "ccv",
    "ssn",
    "otp",
    "totp",
    "mfa_code",
    "pin",
)

# Names that are credentials in query strings, form fields, headers and cookies (`?key=` for
# Google APIs, `sig=` in Azure SAS URLs) but ordinary words as JSON or XML keys.
BUILTIN_PAIR_DENY: tuple[str, ...] = ("key", "sig")

# Noise that says nothing about an API's consumers (Apitally's default exclusions, 1.x form).
BUILTIN_EXCLUDE_PATHS: tuple[str, ...] = (
    r"(?i)/_?healthz?/?$",
    r"(?i)/_?health[\-_]?checks?/?$",
    r"(?i)/_?heart[\-_]?beats?/?$",
    r"(?i)/ping/?$",
    r"(?i)/ready/?$",
    r"(?i)/live/?$",
    r"(?i)/favicon(?:-[\w-]+)?\.(?:ico|png|svg)$",
    r"(?i)/apple-touch-icon(?:-[\w-]+)?\.png$",
    r"(?i)/robots\.txt$",
    r"(?i)/sitemap\.xml$",
    r"(?i)/manifest\.json$",
    r"(?i)/site\.webmanifest$",
    r"(?i)/service-worker\.js$",
    r"(?i)/sw\.js$",
    r"(?i)/\.well-known/",
)

DEFAULT_MAX_BODY_BYTES = 1024 * 1024

# Consumer limits the hosted services apply (Apitally: identifier 128, name and group 64).
MAX_ID_CHARS = 128
MAX_LABEL_CHARS = 64
MAX_GROUP_CHARS = 64
MAX_EMAIL_CHARS = 254

REDACTED = "[REDACTED]"
