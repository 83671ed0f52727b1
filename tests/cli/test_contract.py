"""`inspector openapi` and `inspector drift` on real capture files, through click."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from openapi_spec_validator import validate

from inspector.cli import main
from inspector.model import Consumer
from inspector.store import open_db, write_batch
from inspector.testing import make_exchange

T0 = 1_795_000_000.0
ACME = Consumer(id="key-acme", label="Acme Corp")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _capture(path: Path, *, email: bool = True) -> Path:
    conn = open_db(path)
    body = {"id": 1, "name": "Ada", **({"email": "ada@example.test"} if email else {})}
    write_batch(
        conn,
        [
            make_exchange(
                started_at=T0 + i, path=f"/users/{i}", consumer=ACME, json_body={**body, "id": i}
            )
            for i in range(12)
        ],
    )
    conn.close()
    return path


@pytest.fixture
def capture(tmp_path: Path) -> Path:
    return _capture(tmp_path / "capture.db")


def test_openapi_prints_yaml_or_writes_the_format_the_file_name_says(
    capture: Path, tmp_path: Path
) -> None:
    printed = run("openapi", "--db", str(capture))
    assert printed.exit_code == 0, printed.output
    document = yaml.safe_load(printed.stdout)
    validate(document)
    assert list(document["paths"]) == ["/users/{userId}"]
    assert "Inferred: 1 paths, 1 operations from 12 of 12 exchanges" in printed.stderr

    for name, read in (("spec.json", json.loads), ("spec.yaml", yaml.safe_load)):
        written = run(
            "openapi", "--db", str(capture), "-o", str(tmp_path / name), "--title", "Users"
        )
        assert written.exit_code == 0 and written.stdout == ""
        assert read((tmp_path / name).read_text())["info"]["title"] == "Users"
        assert f"Wrote {tmp_path / name}: 1 paths" in written.stderr


def test_openapi_never_prints_an_empty_spec_silently(capture: Path, tmp_path: Path) -> None:
    filtered = run("openapi", "--db", str(capture), "--filter", "method:DELETE")
    assert filtered.exit_code == 2
    assert "No HTTP requests matched the filter: there is nothing to infer a spec from" in (
        filtered.stderr
    )
    empty = tmp_path / "empty.db"
    open_db(empty).close()
    assert "No HTTP requests are in the database" in run("openapi", "--db", str(empty)).stderr
    bad = run("openapi", "--db", str(capture), "--filter", "status:>>5")
    assert bad.exit_code == 2 and "^" in bad.stderr
    nowhere = run("openapi", "--db", str(capture), "-o", str(tmp_path / "no" / "spec.yaml"))
    assert nowhere.exit_code == 2 and "Cannot write" in nowhere.stderr
    assert not list(tmp_path.glob("**/.spec.yaml.partial"))


def test_drift_reports_and_gates(capture: Path, tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    assert run("openapi", "--db", str(capture), "-o", str(spec)).exit_code == 0
    clean = run("drift", "--db", str(capture), "--spec", str(spec), "--fail-on", "drift")
    assert clean.exit_code == 0, clean.output
    assert "No drift: every operation, status and body read matches the spec." in clean.stdout

    head = _capture(tmp_path / "head.db", email=False)
    drifted = run("drift", "--db", str(head), "--spec", str(spec), "--json")
    assert drifted.exit_code == 0
    [finding] = json.loads(drifted.stdout)["findings"]
    assert finding["kind"] == "invalid-response" and finding["consumers"] == ["Acme Corp"]
    assert finding["detail"] == "200: (body): 'email' is a required property"
    gated = run(
        "drift",
        "--db",
        str(head),
        "--spec",
        str(spec),
        "--fail-on",
        "undocumented-field invalid-response",
    )
    assert gated.exit_code == 1
    assert "invalid-response: invalid-response GET /users/{id} 200" in gated.stderr
    markdown = run("drift", "--db", str(head), "--spec", str(spec), "--markdown")
    assert "| `GET /users/{id}` | 200: (body): 'email' is a required property |" in (
        markdown.stdout
    )

    compared = run(
        "compare", str(capture), str(head), "--spec", str(spec), "--fail-on", "invalid-response"
    )
    assert compared.exit_code == 1 and "Responses that do not match the spec (1):" in (
        compared.stdout
    )
    as_json = json.loads(
        run("compare", str(capture), str(head), "--spec", str(spec), "--json").stdout
    )
    assert as_json["drift"]["findings"][0]["kind"] == "invalid-response"


def test_drift_explains_bad_specs_and_rules(capture: Path, tmp_path: Path) -> None:
    missing = run("drift", "--db", str(capture), "--spec", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2 and "Cannot read the OpenAPI spec" in missing.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.1.0\npaths:\n  /a: [\n")
    out = run("drift", "--db", str(capture), "--spec", str(broken))
    assert out.exit_code == 2 and "broken.yaml, line 4" in out.stderr
    loose = tmp_path / "loose.yaml"  # no info, a response without description: still checked
    loose.write_text(
        "openapi: 3.1.0\npaths:\n  /users/{id}:\n    get:\n      responses:\n        '200': {}\n"
    )
    warned = run("drift", "--db", str(capture), "--spec", str(loose))
    assert warned.exit_code == 0
    assert f"warning: {loose} is not a valid OpenAPI document at $" in warned.stderr
    assert "No drift" in warned.stdout
    rule = run("drift", "--db", str(capture), "--spec", str(loose), "--fail-on", "drift p95:+5%")
    assert rule.exit_code == 2 and "'p95:+5%' at position 7 is not a rule" in rule.stderr
    unpaired = run("compare", str(capture), str(capture), "--fail-on", "undocumented-status")
    assert unpaired.exit_code == 2 and "need --spec" in unpaired.stderr
    assert "Traceback" not in missing.stderr + out.stderr + rule.stderr + unpaired.stderr
