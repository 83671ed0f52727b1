"""Source labels and source-tagged proxy URLs."""

from __future__ import annotations

import re

import pytest

from inspector.intercept.tags import SOURCE_USER, proxy_url, source_label


@pytest.mark.parametrize(
    ("command", "label"),
    [
        (["curl", "-s", "https://x.test/"], "curl-abcd"),
        (["/usr/local/bin/http", "GET", "x.test"], "http-abcd"),
        (["python3", "-m", "pytest", "-q"], "python-pytest-abcd"),
        (["/usr/bin/python3.12", "app.py"], "python-app.py-abcd"),
        (["npm", "test"], "npm-test-abcd"),
        (["npx", "--yes", "playwright", "test"], "npx-playwright-abcd"),
        (["bash", "-c", "curl https://x.test/a"], "bash-curl-abcd"),
        (["sudo", "python", "a.py"], "sudo-python-abcd"),
        (["./my tool (v2)"], "my-tool-v2-abcd"),
        (["données"], "donn-es-abcd"),
        ([""], "command-abcd"),
        (["node"], "node-abcd"),
    ],
)
def test_labels_name_the_program(command: list[str], label: str) -> None:
    assert source_label(command, "abcd") == label


def test_labels_always_fit_in_a_proxy_url() -> None:
    label = source_label(["x" * 500, "y" * 500])
    assert SOURCE_USER.fullmatch(f"src-{label}")
    assert re.fullmatch(r"x{32}-[0-9a-f]{6}", label)


def test_two_runs_get_different_labels() -> None:
    assert source_label(["curl"]) != source_label(["curl"])


def test_proxy_urls() -> None:
    assert proxy_url("127.0.0.1", 8080) == "http://127.0.0.1:8080"
    assert proxy_url("127.0.0.1", 8080, "curl-3fa9") == "http://src-curl-3fa9:x@127.0.0.1:8080"
    assert proxy_url("::1", 8080, "a") == "http://src-a:x@[::1]:8080"
    with pytest.raises(ValueError, match="not a valid source label"):
        proxy_url("127.0.0.1", 8080, "a b")
