"""`[capture] hosts` and `exclude_paths`: what is captured at all."""

from __future__ import annotations

import re

import pytest

from inspector.config import load_config, parse_config
from inspector.config.scope import Scope, split_host_port


def test_the_query_is_not_part_of_the_path() -> None:
    assert not load_config(None).wants("api.local", 80, "/health?verbose=1")


def test_hosts_with_and_without_port_and_wildcards() -> None:
    config = parse_config('[capture]\nhosts = ["api.local", "localhost:8000", "*.corp.test"]')
    assert config.wants("API.local", 1234, "/x")
    assert config.wants("localhost", 8000, "/x")
    assert not config.wants("localhost", 8001, "/x")
    assert config.wants("svc.corp.test", 443, "/x")
    assert not config.wants("corp.test.evil", 443, "/x")
    assert not config.wants("example.test", 80, "/x")


def test_own_excludes_add_to_builtins_unless_switched_off() -> None:
    config = parse_config("[capture]\nexclude_paths = ['^/internal/']")
    assert not config.wants("h", 80, "/internal/stats")
    assert not config.wants("h", 80, "/healthz")
    config = parse_config("[capture]\nexclude_paths = ['^/internal/']\nbuiltin_excludes = false")
    assert config.wants("h", 80, "/healthz")
    assert not config.wants("h", 80, "/internal/x")


def test_patterns_with_their_own_flags_still_work() -> None:
    scope = Scope([], [re.compile("(?i)/ADMIN"), re.compile("(?x) /secret  # comment")])
    assert not scope.wants("h", 80, "/admin")
    assert not scope.wants("h", 80, "/secret")
    assert scope.wants("h", 80, "/public")


def test_ipv6_hosts() -> None:
    assert split_host_port("[::1]:8080") == ("::1", 8080)
    assert split_host_port("::1") == ("::1", None)
    with pytest.raises(ValueError):
        split_host_port("host:99999")
