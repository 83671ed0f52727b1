"""The Recorder addon driven through mitmproxy's own addon test context (taddons)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from mitmproxy import exceptions, http
from mitmproxy.test import taddons, tflow, tutils

from inspector.capture.addon import Recorder
from inspector.capture.bodies import BodyRecorder
from inspector.testing import wait_until
from tests.capture.capture_support import exchanges_under

pytestmark = pytest.mark.capture


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text("schema_version = 1\n")
    return path


@pytest.fixture
def recorder(db_path: Path, config_path: Path) -> Iterator[tuple[Recorder, taddons.context]]:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    addon = Recorder()
    try:
        with taddons.context(addon) as tctx:
            tctx.configure(addon, inspector_db=str(db_path), inspector_config=str(config_path))
            yield addon, tctx
            addon.done()
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def _flow(path: str, host: str = "api.local", **response: object) -> http.HTTPFlow:
    request = tutils.treq(host=host, port=80, path=path.encode())
    return tflow.tflow(req=request, resp=tutils.tresp(**response))


def test_responses_and_errors_are_recorded(
    recorder: tuple[Recorder, taddons.context], db_path: Path
) -> None:
    addon, _ = recorder
    addon.response(_flow("/rec/ok"))
    failed = tflow.tflow(req=tutils.treq(path=b"/rec/failed"), err=True)
    addon.error(failed)
    addon.done()
    stored = {exchange.path: exchange for exchange in exchanges_under(db_path, "/rec/")}
    assert stored["/rec/ok"].status == 200
    assert stored["/rec/failed"].error == "error" and stored["/rec/failed"].status is None


def test_websockets_are_recorded_when_they_end(
    recorder: tuple[Recorder, taddons.context], db_path: Path
) -> None:
    addon, _ = recorder
    flow = tflow.tflow(req=tutils.treq(path=b"/ws/chat"), resp=True, ws=True)
    addon.response(flow)  # the handshake: not written yet, messages are still to come
    assert flow.websocket is not None
    addon.websocket_end(flow)
    addon.done()
    [exchange] = exchanges_under(db_path, "/ws/")
    assert exchange.websocket_messages == len(flow.websocket.messages)


def test_open_websockets_are_recorded_at_shutdown(
    recorder: tuple[Recorder, taddons.context], db_path: Path
) -> None:
    addon, _ = recorder
    addon.response(tflow.tflow(req=tutils.treq(path=b"/ws/open"), resp=True, ws=True))
    addon.done()
    assert len(exchanges_under(db_path, "/ws/open")) == 1


def test_large_and_unknown_length_bodies_are_streamed_through_a_recorder(
    recorder: tuple[Recorder, taddons.context],
) -> None:
    addon, _ = recorder
    sized = _flow("/s/small", headers=http.Headers([(b"content-length", b"10")]))
    addon.responseheaders(sized)
    assert sized.response is not None and sized.response.stream is False  # mitmproxy buffers it

    too_big = [(b"content-length", str(2 << 20).encode())]
    for headers in (too_big, [(b"transfer-encoding", b"chunked")]):
        flow = _flow("/s/big", headers=http.Headers(headers))
        addon.responseheaders(flow)
        assert flow.response is not None and isinstance(flow.response.stream, BodyRecorder)


def test_out_of_scope_hosts_are_neither_streamed_nor_recorded(
    recorder: tuple[Recorder, taddons.context], config_path: Path, db_path: Path
) -> None:
    addon, _ = recorder
    config_path.write_text('schema_version = 1\n[capture]\nhosts = ["api.local"]\n')
    addon.configure({"inspector_config"})  # as mitmproxy does when the option is set
    other = _flow("/scope/other", host="elsewhere.test", headers=http.Headers([]))
    addon.responseheaders(other)
    assert other.response is not None and other.response.stream is False
    addon.response(other)
    addon.response(_flow("/scope/mine"))
    addon.done()
    assert [e.path for e in exchanges_under(db_path, "/scope/")] == ["/scope/mine"]


def test_config_edits_apply_while_running_and_bad_edits_keep_the_last_good(
    recorder: tuple[Recorder, taddons.context],
    config_path: Path,
    db_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    addon, _ = recorder
    watcher = addon._watcher
    assert watcher is not None
    watcher.check_interval = 0.01  # look at the file often, not once a second
    config_path.write_text('schema_version = 1\n[capture]\nhosts = ["only.test"]\n')
    os.utime(config_path, ns=(1, 1))  # a different mtime even on coarse clocks
    # The watcher's thread reloads; the request hooks only read what it loaded.
    wait_until(lambda: watcher.current().capture.hosts == ("only.test",), what="the reload")
    addon.response(_flow("/live/skipped"))
    config_path.write_text("schema_version = [\n")
    os.utime(config_path, ns=(2, 2))
    wait_until(lambda: watcher.last_error, what="the bad edit to be noticed")
    addon.response(_flow("/live/still-skipped"))
    addon.done()
    assert exchanges_under(db_path, "/live/") == []
    assert "keeping the previous configuration" in caplog.text


def test_a_bad_database_or_config_is_an_options_error(tmp_path: Path) -> None:
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("hello")
    bad_config = tmp_path / "bad.toml"
    bad_config.write_text("schema_version = [\n")
    loop = asyncio.new_event_loop()
    try:
        addon = Recorder()
        with taddons.context(addon, options=None) as tctx:
            with pytest.raises(exceptions.OptionsError, match="not an SQLite database"):
                tctx.configure(addon, inspector_db=str(not_a_db))
            with pytest.raises(exceptions.OptionsError, match=r"bad\.toml"):
                tctx.configure(addon, inspector_config=str(bad_config))
    finally:
        loop.close()
    assert not_a_db.read_text() == "hello"
