"""`inspector config check PATH`, run as a user runs it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from inspector.resource_files import resource
from tests.commands import run_inspector

EXAMPLE = Path(str(resource("example-config.toml")))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_inspector("config", "check", *args)


def test_a_valid_file_prints_a_summary(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[capture]\nhosts = ["api.local"]\n[[group]]\nid = "header:x-api-key"\n'
        'label = "header:x-team"\n[[consumer]]\nid = "k1"\n[export.readme]\n'
        'api_key = "env:README_API_KEY"\nbuffer_length = 50\n'
        '[export.staging]\ntype = "apitally"\ntoken = "env:APITALLY_TOKEN"\n'
    )
    result = run(str(path))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "OK" in out
    assert "1. id header:x-api-key (stored as a fingerprint), label header:x-team" in out
    assert "Consumers: 1 known id" in out
    assert "Capture: api.local" in out
    assert "Exports: readme, staging" in out  # env: values are resolved when used, not here


def test_risky_but_valid_settings_are_warned_about(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[redact]\nbuiltin = false\n")
    result = run(str(path))
    assert result.returncode == 0, result.stderr
    assert "Warning: [redact] builtin = false" in result.stdout


def test_a_missing_openapi_spec_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[capture]\nopenapi = "missing.yaml"\n')
    result = run(str(path))
    assert result.returncode == 2
    assert "capture.openapi" in result.stderr and "missing.yaml" in result.stderr


def test_an_invalid_file_names_file_line_and_key_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[[group]]\nid = "header:a"\n\n[[group]]\nid = "header:b"\nlable = "x"\n')
    result = run(str(path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: {path}, line 6, group[2].lable: unknown key")
    assert "did you mean 'label'" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_the_shipped_example_is_valid_and_documents_every_key() -> None:
    from inspector.config import schema

    result = run(str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    text = EXAMPLE.read_text()
    keys = {*schema.TOP_KEYS, *schema.CAPTURE_KEYS, *schema.RETENTION_KEYS, *schema.GROUP_KEYS,
            *schema.CONSUMER_KEYS, *schema.REDACT_KEYS}  # fmt: skip
    for key in keys:
        assert f"{key} =" in text or f"[{key}" in text or f"[[{key}]]" in text, key


def test_the_effective_redaction_rules_are_spelled_out(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[redact]\ndeny = ["x-tenant-*"]\nnot_secret = ["pin"]\n')
    result = run(str(path))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "x-tenant-*" in out and "*authorization" in out and "*subscription-key*" in out
    assert "Also denied in query strings, forms, headers and cookies:\n    key, sig" in out
    assert "Not secret here (kept although a built-in rule denies them):\n    pin" in out
    assert "JSON Web Token" in out and "passwords and denied names inside URLs" in out


def test_a_name_both_denied_and_not_secret_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[redact]\ndeny = ["Pin"]\nnot_secret = ["pin"]\n')
    result = run(str(path))
    assert result.returncode == 2
    assert "redact.not_secret" in result.stderr and "line 3" in result.stderr
    assert "both deny and not_secret" in result.stderr


@pytest.mark.parametrize(
    ("table", "line", "says"),
    [
        ('[export.readme]\napi_kee = "x"\n', 3, "[export.readme]: unknown key 'api_kee'"),
        ('[export.readme]\nbuffer_length = "lots"\n', 3,
         "[export.readme] buffer_length must be a whole number, not 'lots'"),
        ('[export.otlp]\ntimeout = 0\n', 3, "[export.otlp] timeout must be at least 0.1"),
        ('[export.mine]\ntype = "readmee"\n', 3,
         "[export.mine]: type 'readmee' is no export destination"),
        ('[export.har]\npath = "x.har"\n', 2, "[export.har]: its name is no export destination"),
    ],
)  # fmt: skip
def test_a_bad_export_table_names_the_file_line_and_key(
    tmp_path: Path, table: str, line: int, says: str
) -> None:
    # They used to pass as OK and fail only when an export or forwarding ran.
    path = tmp_path / "c.toml"
    path.write_text("schema_version = 1\n" + table)
    result = run(str(path))
    assert result.returncode == 2, result.stdout
    assert result.stderr.startswith(f"Error: {path}, line {line}: {says}"), result.stderr
    assert result.stdout == ""
