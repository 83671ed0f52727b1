"""Destination options: flags beat config, config beats environment; errors name the key and
are data a form can word its own way; defaults come from each exporter's options dataclass."""

from __future__ import annotations

import dataclasses

import pytest

from inspector.errors import InspectorError
from inspector.exporters.options import default_of, resolve_options
from inspector.exporters.readme import ReadmeOptions
from inspector.exporters.registry import DESTINATIONS

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


def test_option_errors_are_data_a_form_can_word_its_own_way() -> None:
    from inspector.exporters.options import MissingCredential, OptionError

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


def test_every_option_default_is_its_exporter_dataclass_default() -> None:
    for spec in README.options:
        field = {"timeout": "timeout_s"}.get(spec.name, spec.name)
        if field in {f.name for f in dataclasses.fields(ReadmeOptions)} and spec.name != "api_key":
            assert spec.default == default_of(ReadmeOptions, field), spec.name
    with pytest.raises(TypeError, match="api_key has no default"):
        default_of(ReadmeOptions, "api_key")
    with pytest.raises(TypeError, match="no field 'nope'"):
        default_of(ReadmeOptions, "nope")
