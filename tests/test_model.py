"""The Exchange record: URL rebuilding, header lookups, text versus binary bodies."""

from __future__ import annotations

from inspector.model import Body
from inspector.testing import make_exchange


def test_url_omits_default_ports_and_keeps_others() -> None:
    assert (
        make_exchange(scheme="https", host="api.test", port=443).url == "https://api.test/users/42"
    )
    assert make_exchange(port=8000, query="a=1").url == "http://localhost:8000/users/42?a=1"
    assert make_exchange(host="::1", port=8000).url == "http://[::1]:8000/users/42"


def test_header_lookup_is_case_insensitive() -> None:
    exchange = make_exchange(request_headers=(("user-agent", "curl/8"),))
    assert exchange.user_agent == "curl/8"
    assert exchange.request_header("USER-AGENT") == "curl/8"


def test_body_text_detection() -> None:
    assert Body(content=b'{"a": 1}', size=8, content_type="application/json").text == '{"a": 1}'
    assert Body(content=b"\x89PNG\r\n", size=6, content_type="image/png").text is None
    assert Body(content=b"\xff\xfe\x00", size=3, content_type="text/plain").text is None
    latin = Body(
        content="café".encode("latin-1"), size=4, content_type="text/plain; charset=latin-1"
    )
    assert latin.text == "café"
    assert Body(content=b"plain words", size=11).text == "plain words"
    assert Body(content=b"a\x00b", size=3).text is None


def test_failed_exchange_counts_as_error() -> None:
    failed = make_exchange(status=None, error="Connection refused", response_headers=())
    assert failed.failed and failed.is_error
    assert not make_exchange(status=302).is_error
    assert make_exchange(status=404).is_error


def test_authority_hides_the_scheme_default_port_and_brackets_ipv6() -> None:
    from inspector.model import authority

    assert authority("https", "api.local", 443) == "api.local"
    assert authority("http", "api.local", 8080) == "api.local:8080"
    assert authority("http", "api.local", 443) == "api.local:443"  # 443 is no default for http
    assert authority("wss", "::1", 443) == "[::1]"
    assert authority("http", "::1", 8080) == "[::1]:8080"
    assert authority("http", "[::1]", 8080) == "[::1]:8080"  # already bracketed: not twice
