"""`inspector export`: every destination is listed and reachable, and a service destination's
exporter module is imported only when its command is asked for."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from inspector.cli import main

DESTINATIONS = ["apitally", "elasticsearch", "har", "ndjson", "otlp", "readme"]
SERVICE_MODULES = ("apitally", "elasticsearch", "otlp_exporter", "readme")


def test_the_help_lists_file_and_service_destinations_by_name() -> None:
    result = CliRunner().invoke(main, ["export", "--help"])
    assert result.exit_code == 0, result.output
    listed = result.output.split("Commands:\n", 1)[1].split()
    assert [word for word in listed if word in DESTINATIONS] == DESTINATIONS


def test_each_destination_answers_its_own_help() -> None:
    for name in DESTINATIONS:
        result = CliRunner().invoke(main, ["export", name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert f"export {name} [OPTIONS]" in result.output


def test_an_unknown_destination_is_bad_usage() -> None:
    result = CliRunner().invoke(main, ["export", "splunk"])
    assert result.exit_code == 2
    assert "No such command 'splunk'" in result.output


def _exporters_loaded_after(*args: str) -> set[str]:
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from inspector.cli import main\n"
        f"assert CliRunner().invoke(main, {list(args)!r}).exit_code == 0\n"
        "print(' '.join(m for m in sys.modules if m.startswith('inspector.exporters.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    return {name.rpartition(".")[2] for name in done.stdout.split()}


def test_a_service_exporter_is_imported_only_for_its_own_command() -> None:
    assert not _exporters_loaded_after("--help") & set(SERVICE_MODULES)
    assert not _exporters_loaded_after("export", "ndjson", "--help") & set(SERVICE_MODULES)
    assert "readme" in _exporters_loaded_after("export", "readme", "--help")
