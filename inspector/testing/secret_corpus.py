"""Where real APIs carry credentials: one case per placement, each with the secret it plants.

Used by the redaction tests (through `Config.process` and end to end through the real proxy) and
by the redaction benchmark. Every secret is fresh and unique per run, so a leak names its case.
Each case also names `kept`: text that must survive redaction, so a case cannot pass by wiping
everything.
"""

from __future__ import annotations

import base64
import json
import secrets
import string
import urllib.parse
from dataclasses import dataclass, field

from inspector.demo.credentials import make_jwt
from inspector.model import Body, Exchange
from inspector.testing.factories import make_exchange

_ALNUM = string.ascii_letters + string.digits


def _rand(size: int, alphabet: str = _ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(size))


def _hex(size: int) -> str:
    return _rand(size, "0123456789abcdef")


@dataclass(frozen=True)
class Placement:
    """One request/response pair with a secret somewhere in it."""

    name: str
    secret: str
    method: str = "GET"
    target: str = "/"  # path and query, as sent
    request_headers: tuple[tuple[str, str], ...] = ()
    request_body: bytes = b""
    request_type: str = ""
    status: int = 200
    response_headers: tuple[tuple[str, str], ...] = ()
    response_body: bytes = b'{"ok": true}'
    response_type: str = "application/json"
    kept: tuple[str, ...] = field(default=())


def _pem() -> str:
    lines = "\n".join(_rand(64, _ALNUM + "+/") for _ in range(4))
    return f"-----BEGIN PRIVATE KEY-----\n{lines}\n-----END PRIVATE KEY-----\n"


def _shapes() -> dict[str, str]:
    """A realistic, fresh value for each well-known token format."""
    return {
        "jwt": make_jwt({"sub": "user-" + _hex(6), "scope": "admin", "nonce": _hex(16)}),
        "aws_key_id": "AKIA" + _rand(16, string.ascii_uppercase + string.digits),
        "aws_sts_id": "ASIA" + _rand(16, string.ascii_uppercase + string.digits),
        "github": "ghp_" + _rand(36),
        "github_pat": "github_pat_" + _rand(22) + "_" + _rand(59),
        "gitlab": "glpat-" + _rand(20),
        "slack": "xoxb-" + _rand(12, string.digits) + "-" + _rand(24),
        "slack_hook": "https://hooks.slack.com/services/T"
        + _rand(8, string.ascii_uppercase)
        + "/B"
        + _rand(8, string.ascii_uppercase)
        + "/"
        + _rand(24),
        "stripe": "sk_live_" + _rand(24),
        "stripe_restricted": "rk_test_" + _rand(24),
        "stripe_webhook": "whsec_" + _rand(32),
        "google_api": "AIza" + _rand(35, _ALNUM + "_-"),
        "google_oauth": "ya29." + _rand(60, _ALNUM + "_-"),
        "openai": "sk-proj-" + _rand(48, _ALNUM + "_-"),
        "anthropic": "sk-ant-api03-" + _rand(90, _ALNUM + "_-"),
        "sendgrid": "SG." + _rand(22) + "." + _rand(43),
        "npm": "npm_" + _rand(36),
        "pypi": "pypi-AgEIcHlwaS5vcmc" + _rand(60, _ALNUM + "_-"),
        "shopify": "shpat_" + _hex(32),
        "huggingface": "hf_" + _rand(34, string.ascii_letters),
        "twilio": "SK" + _hex(32),
        "vault": "hvs." + _rand(90),
        "digitalocean": "dop_v1_" + _hex(64),
        "pem": _pem(),
    }


def _json(payload: object) -> bytes:
    return json.dumps(payload).encode()


def _form(pairs: list[tuple[str, str]]) -> bytes:
    return urllib.parse.urlencode(pairs).encode()


def _multipart(parts: list[tuple[str, str, bytes]], boundary: str = "XyZb0undary") -> bytes:
    """(Content-Disposition parameters, part Content-Type, content) per part."""
    chunks = []
    for disposition, ctype, content in parts:
        head = f"--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\n"
        if ctype:
            head += f"Content-Type: {ctype}\r\n"
        chunks.append(head.encode() + b"\r\n" + content + b"\r\n")
    return b"".join(chunks) + f"--{boundary}--\r\n".encode()


MULTIPART_TYPE = "multipart/form-data; boundary=XyZb0undary"

_CREDENTIAL_HEADERS = (
    "X-Authorization",
    "Authentication",
    "X-Upstream-Authorization",
    "X-Forwarded-Authorization",
    "Ocp-Apim-Subscription-Key",
    "X-RapidAPI-Key",
    "X-Api-Key",
    "Api-Key",
    "X-Goog-Api-Key",
    "X-Access-Key",
    "X-Access-Token",
    "X-Auth-Token",
    "X-Auth",
    "X-Amz-Security-Token",
    "X-Vault-Token",
    "Private-Token",
    "X-Shopify-Access-Token",
    "X-Functions-Key",
    "X-Client-Secret",
    "X-Hub-Signature-256",
    "X-Csrf-Token",
    "X-Master-Key",
    "X-Subscription-Key",
    "X-Session-Id",
    "Api-Secret",
)

_QUERY_NAMES = (
    "api_key",
    "apikey",
    "apiKey",
    "key",
    "sig",
    "pass",
    "password",
    "subscription-key",
    "client_secret",
    "refresh_token",
    "id_token",
    "access_token[]",
    "token[0]",
    "auth",
    "session_id",
    "X-Amz-Signature",
    "user[password]",
)

_FORM_NAMES = ("password", "pass", "client_secret", "refresh_token", "token[0]", "user[password]")


def placements() -> list[Placement]:
    """Well over a hundred placements, each with a fresh secret."""
    out: list[Placement] = []
    add = out.append
    shape = _shapes()

    # Credential headers outside the classic list, and the Authorization schemes.
    for header in _CREDENTIAL_HEADERS:
        secret = _rand(32)
        add(Placement(f"request header {header}", secret,
                      request_headers=((header, secret), ("Accept", "application/json")),
                      kept=("application/json",)))  # fmt: skip
    for scheme in ("Bearer", "Token", "SSWS", "Apikey", "Key", "Custom"):
        secret = _rand(40)
        add(Placement(f"Authorization: {scheme}", secret,
                      request_headers=(("Authorization", f"{scheme} {secret}"),)))  # fmt: skip
    aws_secret = _rand(64, "0123456789abcdef")
    add(Placement("Authorization: AWS SigV4", aws_secret, request_headers=((
        "Authorization",
        f"AWS4-HMAC-SHA256 Credential={shape['aws_key_id']}/20261203/us-east-1/s3/aws4_request, "
        f"SignedHeaders=host;x-amz-date, Signature={aws_secret}",
    ),)))  # fmt: skip
    # The secret is the encoded pair: the password alone is never on the wire to look for.
    basic_credentials = base64.b64encode(f"ada:{_rand(20)}".encode()).decode()
    add(Placement("Authorization: Basic", basic_credentials, request_headers=(
        ("Authorization", "Basic " + basic_credentials),
    )))  # fmt: skip
    cookie = _rand(32)
    add(Placement("Cookie pair", cookie,
                  request_headers=(("Cookie", f"theme=dark; sessionid={cookie}"),)))  # fmt: skip

    # Response headers, including echoes of the client's credential.
    for header in ("X-Auth-Token", "Authorization", "X-Authorization", "X-Api-Key",
                   "X-Upstream-Authorization", "X-Access-Token"):  # fmt: skip
        secret = _rand(32)
        add(Placement(f"response header {header}", secret,
                      response_headers=((header, f"Bearer {secret}"),)))  # fmt: skip
    for name, template in (
        ("Set-Cookie", "session={s}; Path=/; HttpOnly"),
        ("Location", "/landing?page=1&access_token={s}"),
        ("Location", "https://app.test/cb#access_token={s}&token_type=bearer&state=xyz"),
        ("Location", "https://app.test/cb?code={s}&state=af0ifjsldkj"),
        ("Link", '<https://api.test/items?page=2&access_token={s}>; rel="next"'),
        ("Link", '</items?page=3&api_key={s}>; rel="last"'),
        ("Refresh", "0; url=https://api.test/next?token={s}"),
        ("Content-Location", "/items?sig={s}"),
        ("X-Redirect-To", "postgres://svc:{s}@db.internal:5432/app"),
    ):
        secret = _rand(32)
        add(Placement(f"response {name}: {template[:30]}", secret, status=200,
                      response_headers=((name, template.format(s=secret)),)))  # fmt: skip

    # Query strings: names, arrays, `;` separators, OAuth callbacks, shapes, matrix params.
    for name in _QUERY_NAMES:
        secret = _rand(24)
        encoded = urllib.parse.quote(name, safe="")
        add(Placement(f"query {name}", secret, target=f"/q?page=2&{encoded}={secret}&lang=en",
                      kept=("page=2", "lang=en")))  # fmt: skip
    secret = _rand(24)
    add(Placement("query ; separated", secret, target=f"/q?page=2;token={secret};lang=en",
                  kept=("page=2",)))  # fmt: skip
    secret = _rand(24)
    add(Placement("OAuth callback code", secret, target=f"/oauth/callback?code={secret}&state=abc",
                  kept=("state=abc",)))  # fmt: skip
    secret = _rand(24)
    add(Placement("OAuth token exchange form", secret, method="POST", target="/oauth/token",
                  request_body=_form([("grant_type", "authorization_code"), ("code", secret),
                                      ("redirect_uri", "https://app.test/cb")]),
                  request_type="application/x-www-form-urlencoded",
                  kept=("authorization_code",)))  # fmt: skip
    secret = _rand(32)
    add(Placement("path matrix jsessionid", secret, target=f"/app;jsessionid={secret}/home"))
    for kind in ("jwt", "aws_key_id", "github", "stripe"):
        add(Placement(f"path holds a {kind}", shape[kind], target=f"/reset/{shape[kind]}/confirm",
                      kept=("/confirm",)))  # fmt: skip
        add(Placement(f"query value holds a {kind}", shape[kind],
                      target=f"/q?state={shape[kind]}&page=1", kept=("page=1",)))  # fmt: skip
    sas = _rand(43, _ALNUM + "%")
    add(Placement("Azure SAS URL query", sas,
                  target=f"/blob/c.txt?sv=2022-11-02&se=2026-12-31&sp=r&sig={sas}"))  # fmt: skip

    # Values whose shape is a credential, under names that say nothing.
    for kind, value in shape.items():
        add(Placement(f"JSON value shaped like {kind}", value, method="POST", target="/notes",
                      request_body=_json({"title": "note", "body": f"use {value} here"}),
                      request_type="application/json", kept=("note",)))  # fmt: skip
        if kind != "pem":
            add(Placement(f"header value shaped like {kind}", value,
                          request_headers=(("X-Debug-Context", f"ctx {value}"),)))  # fmt: skip

    # URLs inside bodies.
    for template in ("postgres://app:{s}@db.internal:5432/main",
                     "https://ada:{s}@api.test/v1", "redis://:{s}@cache:6379/0",
                     "https://api.test/cb?access_token={s}&x=1",
                     "https://app.test/cb#id_token={s}"):  # fmt: skip
        secret = _rand(24)
        url = template.format(s=secret)
        add(Placement(f"JSON URL {template[:24]}", secret,
                      response_body=_json({"config": {"dsn": url, "name": "main"}}),
                      kept=("main",)))  # fmt: skip
        add(Placement(f"YAML URL {template[:24]}", secret,
                      response_body=f"service:\n  url: {url}\n  name: main\n".encode(),
                      response_type="application/yaml", kept=("main",)))  # fmt: skip

    # JSON structure: depth, arrays, escapes, JSON in strings, GraphQL, broken documents.
    for key in ("password", "passwd", "client_secret", "apiKey", "access_token", "privateKey",
                "refreshToken", "sessionId", "x-api-key", "pin", "otp", "pass"):  # fmt: skip
        secret = _rand(24)
        add(Placement(f"JSON nested {key}", secret, method="POST", target="/login",
                      request_body=_json({"user": {"name": "ada", "creds": [{key: secret}]}}),
                      request_type="application/json", kept=("ada",)))  # fmt: skip
    secret = _rand(24)
    add(Placement("JSON \\u-escaped key", secret, method="POST", target="/login",
                  request_body=b'{"pass\\u0077ord": "' + secret.encode() + b'", "n": "ada"}',
                  request_type="application/json", kept=("ada",)))  # fmt: skip
    secret = _rand(24)
    add(Placement("JSON inside a JSON string", secret, response_body=_json(
        {"event": "login", "payload": json.dumps({"password": secret, "user": "ada"})}
    ), kept=("login",)))  # fmt: skip
    secret = _rand(24)
    add(Placement("GraphQL inline argument", secret, method="POST", target="/graphql",
                  request_body=_json({"query": 'mutation { login(email: "a@x.test", '
                                      f'password: "{secret}") {{ token }} }}'}),
                  request_type="application/json", kept=("mutation",)))  # fmt: skip
    secret = _rand(24)
    add(Placement("GraphQL variables", secret, method="POST", target="/graphql",
                  request_body=_json({"query": "mutation($p: String!) { login(password: $p) }",
                                      "variables": {"p": "x", "input": {"apiKey": secret}}}),
                  request_type="application/json", kept=("mutation",)))  # fmt: skip
    secret = _rand(24)
    add(Placement("malformed JSON, stray quote before the key", secret, method="POST",
                  target="/login",
                  request_body=f'{{"user": "ada"", "password": "{secret}", "x": 1}}'.encode(),
                  request_type="application/json", kept=("ada",)))  # fmt: skip
    secret = _rand(24)
    add(Placement("JSON cut off inside the secret object", secret,
                  response_body=f'{{"items": [1, 2], "auth": {{"token": "{secret}", "exp'.encode(),
                  kept=("items",)))  # fmt: skip
    secret = _rand(24)
    add(Placement("Python repr dict in text", secret,
                  response_body=f"debug: {{'user': 'ada', 'password': '{secret}'}}".encode(),
                  response_type="text/plain", kept=("ada",)))  # fmt: skip
    secret = _rand(24)
    add(Placement("Ruby hash in text", secret,
                  response_body=f'params: {{"user"=>"ada", "password"=>"{secret}"}}'.encode(),
                  response_type="text/plain", kept=("ada",)))  # fmt: skip
    secret = _rand(24)
    add(Placement("NDJSON line", secret, response_body=b'{"a": 1}\n'
                  + _json({"event": "x", "token": secret}) + b"\n",
                  response_type="application/x-ndjson", kept=("event",)))  # fmt: skip
    secret = _rand(24)
    add(Placement("log line quoting a header", secret,
                  response_body=f"rejected: Authorization: Bearer {secret}\nnext".encode(),
                  response_type="text/plain", kept=("rejected",)))  # fmt: skip
    secret = _rand(24)
    add(Placement("env file as text", secret,
                  response_body=f"DEBUG=1\nSTRIPE_SECRET_KEY={secret}\n".encode(),
                  response_type="text/plain", kept=("DEBUG=1",)))  # fmt: skip

    # XML: plain, namespaced, CDATA, attributes, SOAP security headers.
    for template in ("<login><user>ada</user><password>{s}</password></login>",
                     '<a:login xmlns:a="urn:x"><a:user>ada</a:user><a:password>{s}</a:password>'
                     "</a:login>",
                     "<login><user>ada</user><password><![CDATA[{s}]]></password></login>",
                     '<login user="ada" password="{s}"/>',
                     '<wsse:Security><wsse:UsernameToken><wsse:Username>ada</wsse:Username>'
                     '<wsse:Password Type="PasswordText">{s}</wsse:Password>'
                     "</wsse:UsernameToken></wsse:Security>",
                     "<req><user>ada</user><apiKey>{s}</apiKey></req>"):  # fmt: skip
        secret = _rand(24)
        add(Placement(f"XML {template[:28]} ({len(out)})", secret, method="POST", target="/soap",
                      request_body=template.format(s=secret).encode(),
                      request_type="application/xml", kept=("ada",)))  # fmt: skip

    # Forms and multipart, including file uploads.
    for name in _FORM_NAMES:
        secret = _rand(24)
        add(Placement(f"form {name}", secret, method="POST", target="/form",
                      request_body=_form([("user", "ada"), (name, secret)]),
                      request_type="application/x-www-form-urlencoded",
                      kept=("ada",)))  # fmt: skip
    for disposition in ('name="password"', "name=password", "name*=utf-8''pass%77ord"):
        secret = _rand(24)
        add(Placement(f"multipart field {disposition}", secret, method="POST", target="/upload",
                      request_body=_multipart([('name="user"', "", b"ada"),
                                               (disposition, "", secret.encode())]),
                      request_type=MULTIPART_TYPE, kept=("ada",)))  # fmt: skip
    secret = _rand(24)
    add(Placement("uploaded .env file", secret, method="POST", target="/upload",
                  request_body=_multipart([('name="file"; filename=".env"', "text/plain",
                                            f"DEBUG=1\nAPI_KEY={secret}\n".encode())]),
                  request_type=MULTIPART_TYPE, kept=("DEBUG=1",)))  # fmt: skip
    add(Placement("uploaded service-account JSON", shape["pem"], method="POST", target="/upload",
                  request_body=_multipart([('name="file"; filename="sa.json"', "application/json",
                                            _json({"type": "service_account",
                                                   "private_key": shape["pem"]}))]),
                  request_type=MULTIPART_TYPE, kept=("service_account",)))  # fmt: skip
    png_text = b"\x89PNG\x00\xff\x10tEXtComment\x00" + shape["github"].encode() + b"\x00\xfe"
    add(Placement("binary upload holding a token", shape["github"], method="POST",
                  target="/upload", request_body=png_text,
                  request_type="application/octet-stream"))  # fmt: skip
    return out


def harmless() -> list[Placement]:
    """Values that look near a secret but are not: each must be stored unchanged."""
    uuid = "550e8400-e29b-41d4-a716-446655440000"
    return [
        Placement(
            "error code in JSON",
            "",
            response_body=_json({"code": "NOT_FOUND"}),
            kept=("NOT_FOUND",),
        ),
        Placement("country code query", "", target="/q?code=US&page=1", kept=("code=US",)),
        Placement(
            "token counts",
            "",
            response_body=_json(
                {"usage": {"max_tokens": 1024, "total_tokens": 77}, "token_type": "bearer"}
            ),
            kept=("1024", "bearer"),
        ),
        Placement(
            "a UUID and a sha256",
            "",
            response_body=_json(
                {
                    "id": uuid,
                    "etag": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                }
            ),
            kept=(uuid, "9f86d081884c7d659a2feaa0c55ad015"),
        ),
        Placement(
            "JSON key named key",
            "",
            response_body=_json({"settings": [{"key": "theme", "value": "dark"}]}),
            kept=("theme", "dark"),
        ),
        Placement(
            "prose mentioning passwords",
            "",
            response_body=_json({"help": "Reset your password from the settings page."}),
            kept=("Reset your password from the settings page.",),
        ),
        Placement(
            "plain URL",
            "",
            response_body=_json({"next": "https://api.test/items?page=2&limit=50"}),
            kept=("page=2&limit=50",),
        ),
    ]


def exchange_of(placement: Placement) -> Exchange:
    """The raw exchange a proxy would record for this placement (before any redaction)."""
    path, _, query = placement.target.partition("?")
    request_headers = placement.request_headers
    if placement.request_type:
        request_headers = (*request_headers, ("Content-Type", placement.request_type))
    response_headers = (*placement.response_headers, ("Content-Type", placement.response_type))
    return make_exchange(
        method=placement.method,
        path=path,
        query=query,
        request_headers=(("Host", "localhost:8000"), *request_headers),
        request_body=_body(placement.request_body, placement.request_type),
        status=placement.status,
        response_headers=response_headers,
        response_body=_body(placement.response_body, placement.response_type),
    )


def _body(content: bytes, content_type: str) -> Body:
    return Body(content=content, size=len(content), wire_size=len(content),
                content_type=content_type)  # fmt: skip


def forms_of(secret: str) -> list[bytes]:
    """The secret as it could be spelled on disk: plain, percent-encoded, base64, JSON-escaped."""
    raw = secret.encode()
    found = {raw, urllib.parse.quote(secret, safe="").encode(), base64.b64encode(raw)}
    found.add(json.dumps(secret)[1:-1].encode())
    # A PEM block is too long to look for whole in every spelling: its base64 lines are enough.
    return (
        [form for form in found if form]
        if "PRIVATE KEY" not in secret
        else [line.encode() for line in secret.splitlines() if "-----" not in line]
    )
