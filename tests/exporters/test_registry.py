"""The registry lists destinations by name, loads each module when first asked for, and builds
exporters from a named table."""

from __future__ import annotations

import subprocess
import sys

import pytest

from inspector.errors import InspectorError
from inspector.exporters.readme import ReadmeExporter
from inspector.exporters.registry import DESTINATIONS, build_exporter


def test_every_destination_is_declared_by_its_own_module() -> None:
    assert list(DESTINATIONS) == ["readme", "apitally", "otlp", "elasticsearch"]
    for name, destination in DESTINATIONS.items():
        assert destination.name == name and destination.options
    with pytest.raises(KeyError):
        DESTINATIONS["nope"]


def test_the_command_line_loads_no_exporter_it_does_not_run() -> None:
    probe = (
        "import sys; from click.testing import CliRunner; from inspector.cli import main; "
        "CliRunner().invoke(main, ['requests', '--help']); "
        "print(sorted(m for m in sys.modules if m.startswith('inspector.exporters.')))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout  # fmt: skip
    for module in ("readme", "apitally", "otlp_exporter", "elasticsearch", "otlp"):
        assert f"'inspector.exporters.{module}'" not in loaded


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
