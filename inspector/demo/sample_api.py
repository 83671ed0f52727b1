"""SampleApi: a small, realistic JSON API on 127.0.0.1 for the demo and for tests.

Routes (all JSON unless noted; everything but /health, /login and /images needs a credential:
an `X-API-Key` header, `Authorization: Bearer` or `Basic`, or an `api_key` query parameter,
else 401):

    GET    /health                      200 {"status": "ok"}
    POST   /login                       200 {"token"} | 401 bad password | 422 missing fields
    GET    /users?limit=&offset=        200 a page of users (gzip when accepted)
    POST   /users                       201 the new user | 422 validation errors
    GET    /users/{id}                  200 | 404
    DELETE /users/{id}                  204 | 404
    GET    /users/{id}/orders           200 the user's orders (gzip when accepted) | 404
    GET    /orders/{uuid}               200 | 404
    GET    /search?q=                   200 results | 422 without q
    GET    /reports/slow                200 after a long wait (the slow endpoint)
    GET    /images/{id}.png             200 image/png

Latencies are random (log-normal, with a slow tail) and a small share of authenticated requests
fail with 500 or 503, as real services do; `latency_scale=0` and `failure_rate=0` make the API
instant and reliable for tests.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import struct
import sys
import threading
import time
import uuid
import zlib
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from inspector.demo.clients import DEMO_PASSWORD

_GZIP_MIN_BYTES = 512
_FIRST_NAMES = (
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Margaret",
    "Ken",
    "Frances",
    "Dennis",
    "Radia",
    "Linus",
    "Katherine",
    "Guido",
    "Hedy",
    "Tim",
)
_LAST_NAMES = (
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Hamilton",
    "Thompson",
    "Allen",
    "Ritchie",
    "Perlman",
    "Torvalds",
    "Johnson",
    "Rossum",
)
_PRODUCTS = ("keyboard", "monitor", "cable", "dock", "mouse", "headset", "webcam", "lamp")


def png_image(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real, valid PNG of one colour (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


class SampleData:
    """The users and orders the API serves; generated once from the seed."""

    def __init__(self, rng: random.Random, users: int = 60) -> None:
        self.lock = threading.Lock()
        self.users: dict[int, dict[str, Any]] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        for user_id in range(1, users + 1):
            first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
            self.users[user_id] = {
                "id": user_id,
                "name": f"{first} {last}",
                "email": f"{first.lower()}.{last.lower()}{user_id}@example.test",
                "plan": rng.choice(("free", "free", "pro", "enterprise")),
                "created_at": f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}",
            }
            for _ in range(rng.randint(0, 6)):
                order_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                items: list[dict[str, Any]] = [
                    {
                        "sku": f"{rng.choice(_PRODUCTS)}-{rng.randint(100, 999)}",
                        "quantity": rng.randint(1, 3),
                        "price_cents": rng.randint(500, 25_000),
                    }
                    for _ in range(rng.randint(1, 4))
                ]
                self.orders[order_id] = {
                    "id": order_id,
                    "user_id": user_id,
                    "status": rng.choice(("paid", "paid", "shipped", "refunded")),
                    "items": items,
                    "total_cents": sum(i["quantity"] * i["price_cents"] for i in items),
                }
        self.next_user_id = users + 1


_USER = re.compile(r"^/users/(\d+)$")
_USER_ORDERS = re.compile(r"^/users/(\d+)/orders$")
_ORDER = re.compile(r"^/orders/([0-9a-fA-F-]{36})$")
_IMAGE = re.compile(r"^/images/(\d+)\.png$")


def _int_param(query: dict[str, list[str]], name: str, default: int) -> int | None:
    text = (query.get(name) or [""])[0].strip()
    if not text:
        return default
    return int(text) if text.isdigit() else None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    _payload = b""
    protocol_version = "HTTP/1.1"
    server_version = "SampleApi/1.0"
    # Headers and body go out in two writes: without this, Nagle plus delayed ACKs add ~40 ms.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the demo's traffic is what API Inspector shows; no console noise

    # --- plumbing ------------------------------------------------------------------------------

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(
        self,
        status: int,
        payload: object = None,
        *,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        content_type: str = "application/json",
    ) -> None:
        body = raw if raw is not None else b""
        if raw is None and payload is not None:
            body = json.dumps(payload).encode()
        extra = dict(headers or {})
        accepts_gzip = "gzip" in (self.headers.get("Accept-Encoding") or "")
        if accepts_gzip and len(body) >= _GZIP_MIN_BYTES and content_type.startswith("app"):
            body = gzip.compress(body, mtime=0)
            extra["Content-Encoding"] = "gzip"
        self.send_response(status)
        if body or status not in (204, 304):
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Request-Id", uuid.uuid4().hex)
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(
        self, status: int, message: str, *, headers: dict[str, str] | None = None, **extra: object
    ) -> None:
        payload = {"error": HTTPStatus(status).phrase, "message": message, **extra}
        self._send(status, payload, headers=headers)

    def _authenticated(self, query: dict[str, list[str]]) -> bool:
        auth = self.headers.get("Authorization") or ""
        return bool(
            self.headers.get("X-API-Key")
            or auth.startswith(("Bearer ", "Basic "))
            or query.get("api_key")
        )

    def _json_body(self) -> dict[str, Any] | None:
        try:
            value = json.loads(self._payload or b"null")
        except (ValueError, UnicodeDecodeError):
            return None
        return value if isinstance(value, dict) else None

    # --- dispatch ------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        # Read the body first, whatever the answer: on a kept-alive connection unread bytes
        # would be taken for the next request.
        self._payload = self._body()
        url = urlsplit(self.path)
        path, query = url.path, parse_qs(url.query)
        api = self.server.api
        public = path == "/health" or path == "/login" or path.startswith("/images/")
        api.wait(slow=path == "/reports/slow")
        if not public and not self._authenticated(query):
            self._error(
                401,
                "Missing credentials: send X-API-Key, a bearer token or basic auth.",
                headers={"WWW-Authenticate": 'Bearer realm="sample"'},
            )
            return
        if not public and api.should_fail():
            if api.rng_choice((True, False)):
                self._send(
                    503,
                    {"error": "Service Unavailable", "message": "Try again soon."},
                    headers={"Retry-After": "1"},
                )
            else:
                self._error(500, "Unexpected error; the incident has been logged.")
            return
        self._route(self.command, path, query)

    def _route(self, method: str, path: str, query: dict[str, list[str]]) -> None:
        data = self.server.api.data
        if path == "/health" and method == "GET":
            self._send(200, {"status": "ok", "uptime_s": round(self.server.api.uptime_s, 1)})
        elif path == "/login" and method == "POST":
            self._login()
        elif path == "/users" and method == "GET":
            limit, offset = _int_param(query, "limit", 20), _int_param(query, "offset", 0)
            if limit is None or offset is None or limit < 1 or offset < 0:
                self._error(422, "limit and offset must be whole numbers (limit >= 1).")
                return
            limit = min(limit, 100)
            with data.lock:
                page = list(data.users.values())[offset : offset + limit]
                total = len(data.users)
            self._send(200, {"data": page, "total": total, "limit": limit, "offset": offset})
        elif path == "/users" and method == "POST":
            self._create_user()
        elif (match := _USER.match(path)) and method in ("GET", "DELETE"):
            user_id = int(match.group(1))
            with data.lock:
                user = data.users.get(user_id)
                if user is not None and method == "DELETE":
                    del data.users[user_id]
            if user is None:
                self._error(404, f"No user {user_id}.")
            else:
                self._send(200, user) if method == "GET" else self._send(204)
        elif (match := _USER_ORDERS.match(path)) and method == "GET":
            user_id = int(match.group(1))
            with data.lock:
                if user_id not in data.users:
                    self._error(404, f"No user {user_id}.")
                    return
                orders = [o for o in data.orders.values() if o["user_id"] == user_id]
            self._send(200, {"data": orders, "total": len(orders)})
        elif (match := _ORDER.match(path)) and method == "GET":
            with data.lock:
                order = data.orders.get(match.group(1).lower())
            if order is None:
                self._error(404, f"No order {match.group(1)}.")
            else:
                self._send(200, order)
        elif path == "/search" and method == "GET":
            self._search(query)
        elif path == "/reports/slow" and method == "GET":
            self._send(200, {"report": "weekly", "rows": 1_024, "generated_in_ms": 1_200})
        elif (match := _IMAGE.match(path)) and method == "GET":
            shade = int(match.group(1)) * 37 % 256
            image = png_image(16, 16, (shade, 120, 255 - shade))
            self._send(
                200, raw=image, content_type="image/png", headers={"Cache-Control": "max-age=3600"}
            )
        else:
            self._error(404, f"No route for {method} {path}.")

    def _login(self) -> None:
        body = self._json_body() or {}
        missing = [key for key in ("username", "password") if not body.get(key)]
        if missing:
            self._error(422, "Validation failed.", fields={key: "required" for key in missing})
        elif body["password"] != DEMO_PASSWORD:
            self._error(401, "Wrong username or password.")
        else:
            from inspector.demo.clients import demo_jwt

            name = str(body["username"])
            token = demo_jwt(sub=f"user-{name}", name=name.title(), email=f"{name}@example.test")
            self._send(200, {"token": token, "token_type": "Bearer", "expires_in": 3600})

    def _create_user(self) -> None:
        body = self._json_body()
        errors: dict[str, str] = {}
        if body is None:
            self._error(422, "The body must be a JSON object.")
            return
        if not isinstance(body.get("name"), str) or not body["name"].strip():
            errors["name"] = "required"
        email = body.get("email")
        if not isinstance(email, str) or "@" not in email:
            errors["email"] = "must be an e-mail address"
        if errors:
            self._error(422, "Validation failed.", fields=errors)
            return
        data = self.server.api.data
        with data.lock:
            user = {
                "id": data.next_user_id,
                "name": body["name"],
                "email": email,
                "plan": "free",
                "created_at": time.strftime("%Y-%m-%d", time.gmtime()),
            }
            data.users[data.next_user_id] = user
            data.next_user_id += 1
        self._send(201, user, headers={"Location": f"/users/{user['id']}"})

    def _search(self, query: dict[str, list[str]]) -> None:
        term = (query.get("q") or [""])[0].strip().lower()
        if not term:
            self._error(422, "Validation failed.", fields={"q": "required"})
            return
        data = self.server.api.data
        with data.lock:
            hits = [u for u in data.users.values() if term in u["name"].lower()][:25]
        self._send(200, {"query": term, "data": hits, "total": len(hits)})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: SampleApi

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-answer (a stopped generator, a closed proxy) are normal here;
        # anything else is a bug worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class SampleApi:
    """The demo API in a background thread: `start()` returns its base URL, `stop()` ends it."""

    def __init__(
        self, *, seed: int | None = None, latency_scale: float = 1.0, failure_rate: float = 0.015
    ) -> None:
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self.data = SampleData(random.Random(seed))
        self.latency_scale = latency_scale
        self.failure_rate = failure_rate
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._started = time.monotonic()
        self._stopping = threading.Event()

    @property
    def uptime_s(self) -> float:
        return time.monotonic() - self._started

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("SampleApi is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def rng_choice(self, options: tuple[bool, ...]) -> bool:
        with self._rng_lock:
            return self._rng.choice(options)

    def should_fail(self) -> bool:
        with self._rng_lock:
            return self._rng.random() < self.failure_rate

    def wait(self, *, slow: bool) -> None:
        """Sleep like a real backend: ~15 ms typical, a 3% tail of 150-900 ms, slow reports."""
        if self.latency_scale <= 0:
            return
        with self._rng_lock:
            if slow:
                delay_ms = self._rng.uniform(800, 1_600)
            elif self._rng.random() < 0.03:
                delay_ms = self._rng.uniform(150, 900)
            else:
                delay_ms = self._rng.lognormvariate(2.7, 0.5)
        # An Event wait, so stop() never waits for a sleeping handler.
        self._stopping.wait(delay_ms * self.latency_scale / 1000.0)

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen (on an ephemeral port by default) and serve in a daemon thread."""
        if self._server is not None:
            return self.base_url
        self._stopping.clear()
        server = _Server((host, port), _Handler)
        server.api = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="sample-api",
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> SampleApi:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
