"""File > Export…: real exports to local HTTP servers and files, driven through the dialog."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot
from werkzeug import Request, Response

from inspector.gui.main_window import MainWindow
from inspector.gui.views.export_dialog import ExportDialog, ExportScope
from inspector.store.filters import MATCH_ALL
from inspector.testing.factories import make_exchange

pytestmark = pytest.mark.gui

RUN_TIMEOUT_MS = 15_000


@pytest.fixture
def readme_config(tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """[export.readme] pointing at the local server; the key comes from the environment."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'schema_version = 1\n[export.readme]\nbase_url = "{httpserver.url_for("/")}"\n'
        "buffer_length = 2\n"
    )
    monkeypatch.setenv("INSPECTOR_CONFIG", str(config))
    monkeypatch.setenv("README_API_KEY", "rdme_test_key")
    return config


def _logged_paths(httpserver: HTTPServer) -> list[str]:
    paths = []
    for request, _response in httpserver.log:
        if request.path == "/v1/request":
            paths += [
                item["request"]["log"]["entries"][0]["request"]["url"] for item in request.json
            ]
    return sorted(paths)


def _finish(qtbot: QtBot, dialog: ExportDialog) -> str:
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=RUN_TIMEOUT_MS)
    return dialog.result_label.text()


def test_the_current_filter_goes_to_a_readme_like_server_and_says_sent(
    qtbot: QtBot, make_window: Callable[..., MainWindow], add_exchanges: Callable[..., list[int]],
    httpserver: HTTPServer, readme_config: Path,
) -> None:  # fmt: skip
    httpserver.expect_request("/v1/request", method="POST").respond_with_data("OK", status=202)
    add_exchanges(
        make_exchange(path="/orders/1", consumer="acme"),
        make_exchange(path="/users/1", consumer="acme"),
        make_exchange(path="/orders/2", consumer="acme"),
    )
    window = make_window()
    window.filter_bar.add_term("path:/orders*")
    qtbot.waitUntil(lambda: window.request_model.shown_count == 2, timeout=5000)

    dialog = window.show_export()
    assert dialog.scope_filter.text() == "The current filter (2 shown)"
    assert dialog.option_forms["readme"].line("base_url").text() == httpserver.url_for("/")
    # The key from the environment is never put on screen, only named.
    assert dialog.option_forms["readme"].line("api_key").text() == ""
    assert "README_API_KEY" in dialog.option_forms["readme"].line("api_key").placeholderText()
    dialog.set_scope("filter")
    dialog.start_button.click()
    result = _finish(qtbot, dialog)

    assert result == "ReadMe Metrics: sent 2, skipped 0, failed 0."
    assert [u.rsplit("/", 2)[-2:] for u in _logged_paths(httpserver)] == [
        ["orders", "1"], ["orders", "2"]
    ]  # fmt: skip
    assert dialog.progress.value() == dialog.progress.maximum() == 2
    assert dialog.start_button.isEnabled() and dialog.cancel_button.text() == "Close"


def test_a_refused_key_says_which_credential_to_check(
    qtbot: QtBot, make_window: Callable[..., MainWindow], add_exchanges: Callable[..., list[int]],
    httpserver: HTTPServer, readme_config: Path,
) -> None:  # fmt: skip
    httpserver.expect_request("/v1/request", method="POST").respond_with_json(
        {"message": "Invalid API key"}, status=401
    )
    add_exchanges(make_exchange(consumer="acme"))
    dialog = make_window().show_export()
    dialog.set_scope("new")
    dialog.start_button.click()
    result = _finish(qtbot, dialog)
    assert result == (
        "Stopped (sent 0, skipped 0, failed 0): ReadMe Metrics refused the credential "
        "(HTTP 401: Invalid API key). Check README_API_KEY (or the API key field)."
    )
    assert "rdme_test_key" not in result


def test_har_export_of_the_selection_writes_exactly_the_selected_entries(
    qtbot: QtBot, make_window: Callable[..., MainWindow], add_exchanges: Callable[..., list[int]],
    tmp_path: Path,
) -> None:  # fmt: skip
    ids = add_exchanges(*(make_exchange(path=f"/items/{i}") for i in range(4)))
    window = make_window()
    qtbot.waitUntil(lambda: window.request_model.rowCount() == 4, timeout=5000)
    row = window.request_model.row_of_id(ids[2])
    assert row is not None
    window.requests_view.select_row(row)
    dialog = window.show_export()
    dialog.set_destination("har")
    assert dialog.scope_selection.isChecked() and dialog.scope_selection.text().endswith("(1)")
    assert not dialog.scope_new.isEnabled()  # "new since the last export" is for services
    output = tmp_path / "selection.har"
    dialog.output.setText(str(output))
    dialog.start_button.click()
    assert "Wrote 1 exchange" in _finish(qtbot, dialog)
    entries = json.loads(output.read_text())["log"]["entries"]
    assert [entry["request"]["url"] for entry in entries] == ["http://localhost:8000/items/2"]

    # A scope of several ids (what a multi-row selection gives) writes those and no others.
    several = ExportDialog(window.db_path, ExportScope((ids[0], ids[3]), MATCH_ALL, 4), {})
    qtbot.addWidget(several)
    several.set_destination("ndjson")
    ndjson = tmp_path / "two.ndjson"
    several.output.setText(str(ndjson))
    several.start_button.click()
    assert "Wrote 2 exchanges" in _finish(qtbot, several)
    lines = [json.loads(line) for line in ndjson.read_text().splitlines()]
    assert [line["path"] for line in lines] == ["/items/0", "/items/3"]


def test_cancel_stops_a_run_against_a_slow_server(
    qtbot: QtBot, make_window: Callable[..., MainWindow], add_exchanges: Callable[..., list[int]],
    httpserver: HTTPServer, readme_config: Path,
) -> None:  # fmt: skip
    first_arrived, release = threading.Event(), threading.Event()

    def slow(_request: Request) -> Response:
        first_arrived.set()
        release.wait(10)  # the server holds the answer until the test has pressed Cancel
        return Response("OK", status=202)

    httpserver.expect_request("/v1/request", method="POST").respond_with_handler(slow)
    add_exchanges(*(make_exchange(path=f"/slow/{i}", consumer="acme") for i in range(10)))
    window = make_window()
    dialog = window.show_export()
    dialog.set_scope("new")
    dialog.start_button.click()
    qtbot.waitUntil(first_arrived.is_set, timeout=RUN_TIMEOUT_MS)
    assert dialog.cancel_button.text() == "Cancel" and not dialog.start_button.isEnabled()
    # The window stays responsive while the export waits on the server.
    window.filter_bar.add_term("path:/slow/1")
    qtbot.waitUntil(lambda: window.request_model.shown_count == 1, timeout=5000)
    dialog.cancel_button.click()
    release.set()
    result = _finish(qtbot, dialog)
    assert result.startswith("Cancelled: sent 2,"), result
    assert len(_logged_paths(httpserver)) == 2  # one batch of buffer_length 2, then nothing


def test_a_bad_option_value_is_shown_inline_and_nothing_starts(
    qtbot: QtBot, make_window: Callable[..., MainWindow], add_exchanges: Callable[..., list[int]],
    httpserver: HTTPServer, readme_config: Path,
) -> None:  # fmt: skip
    add_exchanges(make_exchange(consumer="acme"))
    dialog = make_window().show_export()
    form = dialog.option_forms["readme"]
    form.line("buffer_length").setText("ten")
    dialog.start_button.click()
    assert dialog.worker is None
    assert dialog.error.isVisible()
    assert dialog.error.text() == "Buffer length must be a whole number, not 'ten'."
    assert "border" in form.fields["buffer_length"].styleSheet()

    form.line("buffer_length").setText("0")
    form.line("base_url").setText("ftp://example")
    dialog.start_button.click()
    assert dialog.worker is None
    assert dialog.error.text() == "Base URL must be an http:// or https:// URL."
    assert "border" in form.fields["base_url"].styleSheet()
    assert not httpserver.log
    assert dialog.result_label.text() == ""


def test_a_missing_credential_names_the_variable_and_does_not_start(
    qtbot: QtBot, make_window: Callable[..., MainWindow], monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:  # fmt: skip
    monkeypatch.delenv("APITALLY_TOKEN", raising=False)
    monkeypatch.setenv("INSPECTOR_CONFIG", str(tmp_path / "absent.toml"))
    dialog = make_window().show_export()
    dialog.set_destination("apitally")
    dialog.start_button.click()
    assert dialog.worker is None
    assert "set APITALLY_TOKEN (or type it here" in dialog.error.text()
    assert "border" in dialog.option_forms["apitally"].fields["token"].styleSheet()


def test_a_table_of_another_name_is_its_own_destination_with_its_settings(
    qtbot: QtBot, make_window: Callable[..., MainWindow], add_exchanges: Callable[..., list[int]],
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    received: list[dict[str, object]] = []

    def collector(request: Request) -> Response:
        received.extend(json.loads(line) for line in request.data.splitlines() if line)
        return Response('{"errors": false, "items": []}', content_type="application/json")

    httpserver.expect_request("/team", method="HEAD").respond_with_data("", status=200)
    httpserver.expect_request("/team/_bulk", method="POST").respond_with_handler(collector)
    config = tmp_path / "config.toml"
    config.write_text(
        'schema_version = 1\n[export.team-es]\ntype = "elasticsearch"\n'
        f'base_url = "{httpserver.url_for("/")}"\nindex = "team"\n'
    )
    monkeypatch.setenv("INSPECTOR_CONFIG", str(config))
    add_exchanges(*(make_exchange(path=f"/team/{i}") for i in range(3)))
    dialog = make_window().show_export()
    dialog.set_destination("team-es")
    assert dialog.destination.currentText() == "team-es (Elasticsearch)"
    assert dialog.option_forms["team-es"].line("index").text() == "team"
    dialog.set_scope("new")
    dialog.start_button.click()
    assert _finish(qtbot, dialog) == "Elasticsearch: sent 3, skipped 0, failed 0."
    assert sorted(str(doc.get("path")) for doc in received if "path" in doc) == [
        "/team/0", "/team/1", "/team/2"
    ]  # fmt: skip

    # A second run of "everything new" has nothing left to send: the cursor moved.
    dialog.start_button.click()
    assert _finish(qtbot, dialog).endswith("nothing to send (nothing new since the last export).")


def test_quitting_mid_run_stops_the_export_thread(
    qtbot: QtBot, make_window: Callable[..., MainWindow], add_exchanges: Callable[..., list[int]],
    httpserver: HTTPServer, readme_config: Path,
) -> None:  # fmt: skip
    arrived, release = threading.Event(), threading.Event()

    def slow(_request: Request) -> Response:
        arrived.set()
        release.wait(10)
        return Response("OK", status=202)

    httpserver.expect_request("/v1/request", method="POST").respond_with_handler(slow)
    add_exchanges(*(make_exchange(path=f"/quit/{i}", consumer="acme") for i in range(10)))
    window = make_window()
    dialog = window.show_export()
    dialog.set_scope("new")
    dialog.start_button.click()
    qtbot.waitUntil(arrived.is_set, timeout=RUN_TIMEOUT_MS)
    worker = dialog.worker
    assert worker is not None
    release.set()
    window.shutdown()  # what closing the window runs
    assert worker.isFinished()
    assert len(_logged_paths(httpserver)) < 10
