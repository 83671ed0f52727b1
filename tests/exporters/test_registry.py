"""Destination options: flags beat config, config beats environment; errors name the key."""

from __future__ import annotations

import pytest

from inspector.errors import InspectorError
from inspector.exporters.readme import ReadmeExporter
from inspector.exporters.registry import DESTINATIONS, build_exporter, resolve_options

README = DESTINATIONS["readme"]


def test_flags_beat_config_which_beats_environment_and_defaults() -> None:
    environ = {"README_API_KEY": "from-env", "README_METRICS_SERVER": "http://env.local"}
    table = {"api_key": "from-config", "buffer_length": 25}
    values = resolve_options(README, {"buffer_length": 5}, table, environ=environ)
    assert values["api_key"] == "from-config"
    assert values["buffer_length"] == 5
    assert values["base_url"] == "http://env.local"
    assert values["timeout"] == 3.0 and values["development"] is False


def test_env_references_in_config_are_resolved_or_named() -> None:
    table = {"api_key": "env:MY_README_KEY"}
    values = resolve_options(README, {}, table, environ={"MY_README_KEY": "k"})
    assert values["api_key"] == "k"
    with pytest.raises(InspectorError, match=r"\[export.readme\] api_key .* MY_README_KEY"):
        resolve_options(README, {}, table, environ={})


def test_a_missing_credential_says_where_to_put_it() -> None:
    with pytest.raises(InspectorError) as caught:
        resolve_options(README, {}, {}, environ={})
    message = str(caught.value)
    assert "README_API_KEY" in message and "--api-key" in message


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({"api_key": "k", "buffer_lenght": 3}, "unknown key 'buffer_lenght'"),
        ({"api_key": "k", "buffer_length": "3"}, "buffer_length must be a whole number"),
        ({"api_key": "k", "buffer_length": 0}, "buffer_length must be at least 1"),
        ({"api_key": "k", "development": "yes"}, "development must be true or false"),
        ({"api_key": "k", "base_url": "metrics.readme.io"}, "base_url must be an http"),
        ({"api_key": "k", "fallback_group": "ip"}, "must be one of none, client-ip"),
    ],
)
def test_bad_config_values_name_the_key(table: dict[str, object], expected: str) -> None:
    with pytest.raises(InspectorError, match=expected):
        resolve_options(README, {}, table, environ={})


def test_a_named_table_can_pick_its_destination_type() -> None:
    exporter = build_exporter("readme-staging", table={"type": "readme", "api_key": "k"},
                              environ={})  # fmt: skip
    assert isinstance(exporter, ReadmeExporter)
    with pytest.raises(InspectorError, match="Unknown export destination 'nope'"):
        build_exporter("x", table={"type": "nope"}, environ={})


def test_cursor_keys_separate_targets_without_holding_secrets() -> None:
    one = build_exporter("readme", {"api_key": "first-secret-key"}, environ={})
    two = build_exporter("readme", {"api_key": "second-secret-key"}, environ={})
    assert one.cursor_key != two.cursor_key
    assert "secret" not in one.cursor_key
    es = build_exporter("elasticsearch", {"index": "a", "api_key": "es-secret"}, environ={})
    assert "es-secret" not in es.cursor_key and "index:a" in es.cursor_key


def test_otlp_headers_come_from_flags_and_the_standard_variable() -> None:
    exporter = build_exporter(
        "otlp", {"header": ("X-One=1",)}, environ={"OTEL_EXPORTER_OTLP_HEADERS": "api-key=abc"}
    )
    assert ("api-key", "abc") in exporter._headers  # type: ignore[attr-defined]
    assert ("X-One", "1") in exporter._headers  # type: ignore[attr-defined]


def test_option_errors_are_data_a_form_can_word_its_own_way() -> None:
    from inspector.exporters.registry import MissingCredential, OptionError

    readme = DESTINATIONS["readme"]
    with pytest.raises(OptionError) as bad:
        resolve_options(readme, {"timeout": -1}, environ={"README_API_KEY": "k"})
    assert bad.value.option == "timeout" and bad.value.from_flag
    assert str(bad.value).startswith("--timeout must be at least")
    assert bad.value.in_form(lambda name: name.title()).startswith("Timeout must be at least")
    with pytest.raises(OptionError) as table:
        resolve_options(readme, {}, {"timeout": "soon"}, environ={"README_API_KEY": "k"})
    assert table.value.config_key == ("readme", "timeout") and not table.value.from_flag
    assert table.value.in_form(str.title) == str(table.value)  # a config key stays as written
    with pytest.raises(MissingCredential) as missing:
        resolve_options(readme, {}, environ={})
    assert missing.value.option == "api_key"
    assert "(or pass --api-key, or api_key in [export.readme]" in str(missing.value)
    assert "(or type it here, or put api_key in [export.readme]" in missing.value.in_form(str)
