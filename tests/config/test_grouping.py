"""Consumer identification: rules, [[consumer]] names, fingerprints and grouping functions."""

from __future__ import annotations

import logging
import textwrap
import uuid
from pathlib import Path
from typing import Unpack

import pytest

from inspector.config import Config, fingerprint, load_config, parse_config
from inspector.demo.credentials import basic_auth as basic
from inspector.demo.credentials import make_jwt
from inspector.model import Consumer, Exchange
from inspector.testing.factories import ExchangeOverrides, make_exchange

RULES = """
[[group]]
id = "header:x-api-key"

[[group]]
id = "jwt:sub"
label = "jwt:name"
email = "jwt:email"

[[group]]
id = "basic:user"

[[group]]
id = "query:key"

[[group]]
id = "header:x-client-id"
label = "header:x-client-name"

[[consumer]]
id = "key-acme-0001"
label = "Acme Corp"
email = "ops@acme.test"
group = "Enterprise"

[[consumer]]
id = "user-ada"
group = "Staff"

[[consumer]]
id = "%s"
label = "Stripe-style key"
"""


def config() -> Config:
    return parse_config(RULES % fingerprint("sk_test_stripe_style"))


def consumer_of(cfg: Config, **kw: Unpack[ExchangeOverrides]) -> Consumer | None:
    result = cfg.process(make_exchange(**kw))
    assert result is not None
    return result.consumer


def test_api_key_header_is_fingerprinted_and_named_by_its_consumer_entry() -> None:
    got = consumer_of(config(), request_headers=(("X-Api-Key", "key-acme-0001"),))
    assert got == Consumer(
        id=fingerprint("key-acme-0001"), label="Acme Corp", email="ops@acme.test",
        group="Enterprise",
    )  # fmt: skip


def test_jwt_claims_are_stored_in_clear_with_label_email_and_group() -> None:
    token = make_jwt({"sub": "user-ada", "name": "Ada L.", "email": "ada@x.test"})
    got = consumer_of(config(), request_headers=(("Authorization", f"Bearer {token}"),))
    assert got == Consumer(id="user-ada", label="Ada L.", email="ada@x.test", group="Staff")


def test_basic_user_is_a_credential_and_matches_a_fingerprinted_consumer_entry() -> None:
    got = consumer_of(
        config(), request_headers=(("Authorization", basic("sk_test_stripe_style", "")),)
    )
    assert got is not None
    assert got.id == fingerprint("sk_test_stripe_style")
    assert got.label == "Stripe-style key"


def test_a_public_query_parameter_is_stored_in_clear() -> None:
    got = consumer_of(config(), query="key=mobile-app&x=1")
    assert got == Consumer(id="mobile-app")


def test_first_rule_that_yields_wins() -> None:
    token = make_jwt({"sub": "user-ada"})
    got = consumer_of(
        config(),
        request_headers=(("Authorization", f"Bearer {token}"), ("X-Api-Key", "key-acme-0001")),
    )
    assert got is not None and got.label == "Acme Corp"


def test_values_from_traffic_are_clipped_to_the_limits() -> None:
    got = consumer_of(
        config(),
        request_headers=(("X-Client-Id", "c" * 300), ("X-Client-Name", "n" * 300)),
    )
    assert got == Consumer(id="c" * 128, label="n" * 64)


def test_no_rule_matches_then_no_consumer() -> None:
    assert consumer_of(config()) is None


def test_builtin_rules_apply_without_any_group_table() -> None:
    cfg = load_config(None)
    got = consumer_of(cfg, request_headers=(("x-api-key", "abc-9876"),))
    assert got == Consumer(id=fingerprint("abc-9876"))
    token = make_jwt({"sub": "u-5", "name": "Bo"})
    got = consumer_of(cfg, request_headers=(("Authorization", f"Bearer {token}"),))
    assert got == Consumer(id="u-5", label="Bo")


def test_an_empty_group_list_turns_grouping_off() -> None:
    cfg = parse_config("group = []")
    assert consumer_of(cfg, request_headers=(("x-api-key", "abc"),)) is None


def _function_config(tmp_path: Path, body: str) -> Config:
    module = f"grouping_{uuid.uuid4().hex}"
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(body))
    path = tmp_path / "config.toml"
    path.write_text(f'[[group]]\nfunction = "{module}:group"\n')
    return load_config(path)


def test_function_result_api_key_is_fingerprinted_and_id_is_kept(tmp_path: Path) -> None:
    cfg = _function_config(
        tmp_path,
        """
        def group(request):
            if request.path == "/skip":
                return None
            if "x-user" in request.headers:
                return {"id": request.headers["x-user"], "label": request.method}
            return {"api_key": request.query.get("k"), "email": "e@x.test", "group": "Free"}
        """,
    )
    assert cfg.process(make_exchange(path="/skip")) is None
    got = consumer_of(cfg, request_headers=(("X-User", "u-1"),))
    assert got == Consumer(id="u-1", label="GET")
    got = consumer_of(cfg, query="k=secret-key-77")
    assert got == Consumer(id=fingerprint("secret-key-77"), email="e@x.test", group="Free")


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_a_failing_function_is_reported_once_and_capture_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = _function_config(
        tmp_path,
        """
        def group(request):
            if request.query.get("mode") == "shape":
                return ["not", "a", "dict"]
            if request.query.get("mode") == "noid":
                return {"label": "x"}
            raise KeyError("secret-" + request.headers.get("x-api-key", ""))
        """,
    )
    with caplog.at_level(logging.WARNING, logger="inspector.config"):
        for query in ("", "", "mode=shape", "mode=shape", "mode=noid"):
            exchange = make_exchange(query=query, request_headers=(("X-Api-Key", "k-leak"),))
            result = cfg.process(exchange)
            assert result is not None and result.consumer is None
    messages = _warnings(caplog)
    assert len(messages) == 3, messages
    assert "raised KeyError" in messages[0]
    assert "list" in messages[1] and "'api_key' or 'id'" in messages[2]
    assert not any("k-leak" in m for m in messages)


def test_process_leaves_out_of_scope_requests(tmp_path: Path) -> None:
    cfg = parse_config('[capture]\nhosts = ["api.local"]')
    assert cfg.process(make_exchange(host="other.local")) is None
    assert cfg.process(make_exchange(host="api.local")) is not None


def test_an_existing_consumer_is_kept_when_no_rule_matches() -> None:
    exchange: Exchange = make_exchange(consumer="imported")
    result = parse_config("group = []").process(exchange)
    assert result is not None and result.consumer == Consumer(id="imported")


def test_the_readme_grouping_function_works_as_documented(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    start = readme.index("```python\ndef group(request):") + len("```python\n")
    cfg = _function_config(tmp_path, readme[start : readme.index("```", start)])
    assert cfg.process(make_exchange(path="/internal/jobs")) is None
    got = consumer_of(cfg, request_headers=(("X-Api-Key", "k-1234"), ("X-Client-Name", "CLI")))
    assert got == Consumer(id=fingerprint("k-1234"), label="CLI")
    assert consumer_of(cfg, client_address="10.1.2.3") == Consumer(id="anonymous 10.1.2.3")


def test_saving_the_config_also_rereads_a_grouping_module_next_to_it(tmp_path: Path) -> None:
    cfg = _function_config(tmp_path, "def group(request):\n    return {'id': 'v1'}\n")
    assert consumer_of(cfg) == Consumer(id="v1")
    [module] = tmp_path.glob("grouping_*.py")
    module.write_text("def group(request):\n    return {'id': 'version-2'}\n")
    cfg = load_config(tmp_path / "config.toml")
    assert consumer_of(cfg) == Consumer(id="version-2")
