"""Hostile input to the tool: mutated HAR files and flow dumps import whole or not at all.

Every mutation of a valid file must either import (and store exactly what it reports) or be
refused with an InspectorError that leaves the database as it was; any other exception is a bug.
SQL injection through every filter key is covered in tests/store/test_filters.py.
"""

from __future__ import annotations

import io
import json
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mitmproxy.io import FlowWriter
from mitmproxy.test import tflow

from inspector.cli.import_ import import_file
from inspector.config import Config
from inspector.config.loader import parse_config
from inspector.errors import InspectorError
from inspector.exporters.har import write_har
from inspector.exporters.har_import import HarImportError
from inspector.model import Body
from inspector.store import open_db
from inspector.testing import make_exchange

pytestmark = pytest.mark.timeout(60)

FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure here is reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CONFIG: Config = parse_config("schema_version = 1\n")

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@cache
def valid_har() -> bytes:
    exchanges = [
        make_exchange(uid="a1", path="/users/1", status=200,
                      response_body=Body(content=b'{"id": 1}', size=9, wire_size=9,
                                         content_type="application/json")),
        make_exchange(uid="b2", method="POST", path="/orders", status=500,
                      request_body=Body(content=b"\xff\xfe raw", size=6, wire_size=6)),
        make_exchange(uid="c3", path="/gone", status=None, error="Connection refused"),
    ]  # fmt: skip
    out = io.StringIO()
    write_har(out, exchanges)
    return out.getvalue().encode()


@cache
def valid_dump() -> bytes:
    ok = tflow.tflow(resp=True)
    ok.request.path = "/users/42?expand=orders"
    out = io.BytesIO()
    writer = FlowWriter(out)
    for flow in (ok, tflow.tflow(err=True), tflow.ttcpflow()):
        writer.add(flow)
    return out.getvalue()


@st.composite
def byte_mutations(draw: st.DrawFn, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "delete", "repeat"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 64))]
    return bytes(data)


def _slots(node: Any, found: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key) of a JSON tree, in document order."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        found.append((node, key))
        if isinstance(value, dict | list):
            _slots(value, found)
    return found


@st.composite
def har_mutations(draw: st.DrawFn) -> bytes:
    """A HAR whose structure is damaged: values of the wrong type or range, keys removed."""
    document = json.loads(valid_har())
    for _ in range(draw(st.integers(1, 3))):
        slots = _slots(document, [])
        if not slots:
            break
        container, key = slots[draw(st.integers(0, len(slots) - 1))]
        if draw(st.booleans()) and isinstance(container, dict):
            del container[key]
        else:
            container[key] = draw(
                JSON_VALUES | st.sampled_from([10**30, -1, 2**63, "", "1e400", float("inf")])
            )
    return json.dumps(document).encode()


def _rows(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    conn = open_db(db_path, readonly=True)
    try:
        return int(conn.execute("SELECT count(*) FROM exchanges").fetchone()[0])
    finally:
        conn.close()


def imports_whole_or_not_at_all(content: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path, db_path = Path(directory) / name, Path(directory) / "capture.db"
        path.write_bytes(content)
        try:
            result = import_file(path, db_path, CONFIG)
        except InspectorError as exc:
            assert str(exc).strip(), "an error without a message"
            assert _rows(db_path) == 0, "a refused file left rows behind"
            return
        assert _rows(db_path) == result.stored


def test_the_unmutated_files_import() -> None:
    # The mutations below start from files that really import: otherwise they prove nothing.
    for content, name, count in ((valid_har(), "in.har", 3), (valid_dump(), "flows", 2)):
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / name
            path.write_bytes(content)
            assert import_file(path, Path(directory) / "c.db", CONFIG).stored == count


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("_clientPort", 10**30, "expected an integer that fits in 64 bits"),
        ("_durationMs", 10**400, "expected a finite number"),
    ],
)
def test_numbers_too_large_to_store_are_refused_naming_the_field(
    tmp_path: Path, key: str, value: int, problem: str
) -> None:
    # Found by the fuzzing below: these used to fail half-way with OverflowError.
    document = json.loads(valid_har())
    document["log"]["entries"][1][key] = value
    path, db_path = tmp_path / "big.har", tmp_path / "capture.db"
    path.write_text(json.dumps(document))
    with pytest.raises(HarImportError) as caught:
        import_file(path, db_path, CONFIG)
    assert f"log.entries[1].{key}" in str(caught.value) and problem in str(caught.value)
    assert _rows(db_path) == 0


@FUZZ
@given(content=byte_mutations(valid_har()))
def test_byte_mutated_har_imports_whole_or_is_refused_cleanly(content: bytes) -> None:
    imports_whole_or_not_at_all(content, "in.har")


@FUZZ
@given(content=har_mutations())
def test_structurally_damaged_har_imports_whole_or_is_refused_cleanly(content: bytes) -> None:
    imports_whole_or_not_at_all(content, "in.har")


@pytest.mark.capture
@FUZZ
@given(content=byte_mutations(valid_dump()))
def test_byte_mutated_flow_dump_imports_whole_or_is_refused_cleanly(content: bytes) -> None:
    imports_whole_or_not_at_all(content, "flows")
