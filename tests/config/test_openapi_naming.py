"""`[capture] openapi`: the spec's templates name endpoints; a bad spec is a config error."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector.config import ConfigError, load_config
from inspector.testing import make_exchange

SPEC = """
openapi: 3.0.3
info: {title: Shop, version: "1"}
paths:
  /users/{userId}:
    get: {}
  /users/me:
    get: {}
"""


def _config(tmp_path: Path, spec_text: str) -> Path:
    (tmp_path / "openapi.yaml").write_text(spec_text)
    config = tmp_path / "inspector.toml"
    config.write_text('schema_version = 1\n[capture]\nopenapi = "openapi.yaml"\n')
    return config


def test_spec_templates_name_endpoints_before_the_heuristics(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, SPEC))
    named = config.process(make_exchange(path="/users/ada-lovelace"))
    assert named is not None and named.endpoint == "/users/{userId}"
    literal = config.process(make_exchange(path="/users/me"))
    assert literal is not None and literal.endpoint == "/users/me"
    unknown = config.process(make_exchange(path="/orders/42"))
    assert unknown is not None and unknown.endpoint == ""  # the store's heuristics decide


def test_a_broken_spec_names_the_key_and_the_spec_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(_config(tmp_path, "openapi: 3.0.3\npaths: [\n"))
    message = str(caught.value)
    assert "capture.openapi" in message and "openapi.yaml, line" in message
