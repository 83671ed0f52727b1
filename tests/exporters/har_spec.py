"""The HAR 1.2 specification as checks: required fields, types, value ranges, custom-field naming.

No maintained HAR 1.2 JSON schema exists (the npm `har-schema` that `har-validator` used is
unmaintained and deprecated with it), so this encodes the spec (W3C Web Performance draft
"HTTP Archive (HAR) format", version 1.2) directly. It is stricter than that old schema where the
spec is explicit: startedDateTime needs a UTC offset, send/wait/receive are never -1, other
timings are -1 or more (never null), `time` is the sum of the applicable timings, and any field
the spec does not define starts with an underscore.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable
from typing import Any

ISO_8601 = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"
)  # the spec's example form: 2009-07-24T19:20:30.45+01:00


class HarSpecError(AssertionError):
    pass


Check = Callable[[Any, str], None]


def _fail(path: str, problem: str) -> None:
    raise HarSpecError(f"{path}: {problem}")


def string(value: Any, path: str) -> None:
    if not isinstance(value, str):
        _fail(path, f"expected a string, got {value!r}")


def integer(value: Any, path: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(path, f"expected an integer, got {value!r}")


def number(value: Any, path: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        _fail(path, f"expected a number, got {value!r}")


def boolean(value: Any, path: str) -> None:
    if not isinstance(value, bool):
        _fail(path, f"expected a boolean, got {value!r}")


def date_time(value: Any, path: str) -> None:
    string(value, path)
    if not ISO_8601.match(value):
        _fail(path, f"{value!r} is not ISO 8601 with a UTC offset")


def array_of(check: Check) -> Check:
    def run(value: Any, path: str) -> None:
        if not isinstance(value, list):
            _fail(path, f"expected an array, got {value!r}")
        for index, item in enumerate(value):
            check(item, f"{path}[{index}]")

    return run


def obj(required: dict[str, Check], optional: dict[str, Check] | None = None) -> Check:
    optional = {**(optional or {}), "comment": string}

    def run(value: Any, path: str) -> None:
        if not isinstance(value, dict):
            _fail(path, f"expected an object, got {value!r}")
        for key, check in required.items():
            if key not in value:
                _fail(f"{path}.{key}", "required by HAR 1.2 but missing")
            check(value[key], f"{path}.{key}")
        for key, item in value.items():
            if key in required:
                continue
            if key in optional:
                optional[key](item, f"{path}.{key}")
            elif not key.startswith("_"):
                _fail(f"{path}.{key}", "not a HAR 1.2 field, and custom fields must start with _")

    return run


name_value = obj({"name": string, "value": string})
cookie = obj(
    {"name": string, "value": string},
    {
        "path": string,
        "domain": string,
        "expires": string,
        "httpOnly": boolean,
        "secure": boolean,
    },
)
post_data = obj(
    {"mimeType": string},
    {
        "params": array_of(
            obj({"name": string}, {"value": string, "fileName": string, "contentType": string})
        ),
        "text": string,
    },
)
request = obj(
    {
        "method": string,
        "url": string,
        "httpVersion": string,
        "cookies": array_of(cookie),
        "headers": array_of(name_value),
        "queryString": array_of(name_value),
        "headersSize": integer,
        "bodySize": integer,
    },
    {"postData": post_data},
)
content = obj(
    {"size": integer, "mimeType": string},
    {"compression": integer, "text": string, "encoding": string},
)
response = obj(
    {
        "status": integer,
        "statusText": string,
        "httpVersion": string,
        "cookies": array_of(cookie),
        "headers": array_of(name_value),
        "content": content,
        "redirectURL": string,
        "headersSize": integer,
        "bodySize": integer,
    }
)
cache_entry = obj({"lastAccess": string, "eTag": string, "hitCount": integer}, {"expires": string})
cache = obj({}, {"beforeRequest": cache_entry, "afterRequest": cache_entry})
timings = obj(
    {"send": number, "wait": number, "receive": number},
    {"blocked": number, "dns": number, "connect": number, "ssl": number},
)


def ip_address(value: Any, path: str) -> None:
    string(value, path)
    try:
        ipaddress.ip_address(value)
    except ValueError:
        _fail(path, f"{value!r} is not an IP address")


entry = obj(
    {
        "startedDateTime": date_time,
        "time": number,
        "request": request,
        "response": response,
        "cache": cache,
        "timings": timings,
    },
    {"pageref": string, "serverIPAddress": ip_address, "connection": string},
)
creator = obj({"name": string, "version": string})
page = obj(
    {
        "startedDateTime": date_time,
        "id": string,
        "title": string,
        "pageTimings": obj({}, {"onContentLoad": number, "onLoad": number}),
    },
)
log = obj(
    {"version": string, "creator": creator, "entries": array_of(entry)},
    {"browser": creator, "pages": array_of(page)},
)
har = obj({"log": log})


def _check_entry_semantics(item: dict[str, Any], path: str) -> None:
    t = item["timings"]
    for key in ("send", "wait", "receive"):
        if t[key] < 0:
            _fail(f"{path}.timings.{key}", "must be >= 0 (it cannot be not applicable)")
    for key in ("blocked", "dns", "connect", "ssl"):
        if key in t and t[key] < 0 and t[key] != -1:
            _fail(f"{path}.timings.{key}", "negative values other than -1 are not allowed")
    applicable = sum(v for k, v in t.items() if k != "ssl" and not k.startswith("_") and v >= 0)
    if not math.isclose(item["time"], applicable, rel_tol=1e-9, abs_tol=1e-6):
        _fail(f"{path}.time", f"{item['time']} is not the sum of the timings ({applicable})")
    if item["time"] < 0:
        _fail(f"{path}.time", "must be >= 0")
    for side in ("request", "response"):
        for key in ("headersSize", "bodySize"):
            if item[side][key] < -1:
                _fail(f"{path}.{side}.{key}", "must be -1 (unknown) or a size")
    encoding = item["response"]["content"].get("encoding")
    if encoding is not None and encoding != "base64":
        _fail(f"{path}.response.content.encoding", f"unexpected encoding {encoding!r}")


def assert_valid_har(document: Any) -> None:
    """Raise HarSpecError (an AssertionError) naming the first violation of HAR 1.2."""
    har(document, "")
    for index, item in enumerate(document["log"]["entries"]):
        _check_entry_semantics(item, f"log.entries[{index}]")
