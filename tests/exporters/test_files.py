"""replacing_file(): an export file is complete or absent, never half-written, and a failure
says which path could not be written."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector.exporters.files import ExportFileError, replacing_file


def test_the_file_holds_exactly_what_was_written_in_utf8_with_unix_newlines(
    tmp_path: Path,
) -> None:
    target = tmp_path / "out.ndjson"
    with replacing_file(target) as handle:
        handle.write('{"name": "Zoë 東京 🚀"}\n{"n": 2}\n')
    assert target.read_bytes() == '{"name": "Zoë 東京 🚀"}\n{"n": 2}\n'.encode()
    assert [path.name for path in tmp_path.iterdir()] == ["out.ndjson"]


def test_an_older_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.har"
    target.write_text("x" * 100_000)
    with replacing_file(target) as handle:
        handle.write("short")
    assert target.read_text() == "short"


def test_nothing_appears_until_the_writing_is_done(tmp_path: Path) -> None:
    target = tmp_path / "out.har"
    with replacing_file(target) as handle:
        handle.write("partial")
        handle.flush()
        assert not target.exists()
    assert target.read_text() == "partial"


@pytest.mark.parametrize("failure", [RuntimeError("boom"), KeyboardInterrupt()])
def test_a_failure_while_writing_keeps_the_previous_file_and_leaves_no_scrap(
    tmp_path: Path, failure: BaseException
) -> None:
    target = tmp_path / "out.har"
    target.write_text("previous export")
    with pytest.raises(type(failure)), replacing_file(target) as handle:
        handle.write("half of the new one")
        raise failure
    assert target.read_text() == "previous export"
    assert [path.name for path in tmp_path.iterdir()] == ["out.har"]


def test_a_failure_without_a_previous_file_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(ValueError), replacing_file(tmp_path / "out.har") as handle:
        handle.write("{")
        raise ValueError("the export stopped")
    assert list(tmp_path.iterdir()) == []


def test_a_directory_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ExportFileError) as caught, replacing_file(tmp_path):
        pytest.fail("the block must not run")
    assert str(caught.value) == f"{tmp_path} is a directory; give a file name."
    assert caught.value.exit_code == 1


def test_a_missing_folder_is_a_plain_error_naming_the_path(tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "out.har"
    with pytest.raises(ExportFileError) as caught, replacing_file(target):
        pytest.fail("the block must not run")
    assert str(caught.value) == f"Cannot write {target}: No such file or directory."
    assert not target.parent.exists()


def test_a_bare_file_name_is_written_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with replacing_file(Path("out.ndjson")) as handle:
        handle.write("{}\n")
    assert (tmp_path / "out.ndjson").read_text() == "{}\n"
