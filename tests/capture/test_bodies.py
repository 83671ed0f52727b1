"""Body recording: decoding every content encoding, chunk by chunk, capped, never crashing."""

from __future__ import annotations

import gzip
import random
import tracemalloc
import zlib

import brotlicffi
import pytest

from inspector.capture.bodies import BOMB_RATIO, BodyRecorder, record_body, zstd

pytestmark = pytest.mark.capture

TEXT = b"".join(b'{"id": %d, "name": "item %d"}\n' % (i, i) for i in range(2000))
ENCODE = {
    "gzip": lambda data: gzip.compress(data, mtime=0),
    "x-gzip": lambda data: gzip.compress(data, mtime=0),
    "deflate": zlib.compress,
    "br": brotlicffi.compress,
    "zstd": lambda data: zstd.compress(data),
}


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def _fed(encoding: str, wire: bytes, max_bytes: int, chunk: int) -> BodyRecorder:
    recorder = BodyRecorder(
        content_encoding=encoding, content_type="application/x-ndjson", max_bytes=max_bytes
    )
    for start in range(0, len(wire), chunk):
        assert recorder(wire[start : start + chunk]) == wire[start : start + chunk]
    recorder(b"")  # mitmproxy's end-of-body call
    return recorder


@pytest.mark.parametrize("encoding", sorted(ENCODE))
@pytest.mark.parametrize("chunk", [1, 997, 1 << 20])
def test_every_encoding_decodes_whatever_the_chunking(encoding: str, chunk: int) -> None:
    wire = ENCODE[encoding](TEXT)
    # Byte at a time is slow for the bigger encodings; 7 bytes still split every header.
    wire_chunk = 7 if chunk == 1 and len(wire) > 5000 else chunk
    body = _fed(encoding, wire, max_bytes=1 << 20, chunk=wire_chunk).finish()
    assert body.content == TEXT
    assert (body.size, body.wire_size, body.truncated) == (len(TEXT), len(wire), False)
    assert body.content_type == "application/x-ndjson"


def test_raw_deflate_without_zlib_wrapper_decodes() -> None:
    wire = _raw_deflate(TEXT)
    body = record_body(wire, content_encoding="deflate", content_type="", max_bytes=1 << 20)
    assert body.content == TEXT
    assert (body.size, body.wire_size) == (len(TEXT), len(wire))


def test_multi_member_gzip_decodes_every_member() -> None:
    wire = gzip.compress(b"first,", mtime=0) + gzip.compress(b"second", mtime=0)
    body = record_body(wire, content_encoding="gzip", content_type="text/plain", max_bytes=100)
    assert body.content == b"first,second"


def test_multi_frame_zstd_decodes_every_frame() -> None:
    # Servers that flush per chunk send one zstd frame each; all of them are the body.
    wire = zstd.compress(b"first,") + zstd.compress(b"second") + bytes(4)
    body = _fed("zstd", wire, max_bytes=100, chunk=3).finish()
    assert body.content == b"first,second"


@pytest.mark.parametrize("encoding", ["gzip", "zstd"])
def test_a_compressed_body_cut_short_keeps_its_raw_bytes(encoding: str) -> None:
    wire = ENCODE[encoding](TEXT)[:-20]
    recorder = _fed(encoding, wire, max_bytes=1 << 20, chunk=1000)
    assert recorder.finish().content == wire
    assert recorder.decoding_error


def test_stacked_encodings_are_undone_in_reverse_order() -> None:
    wire = brotlicffi.compress(gzip.compress(TEXT, mtime=0))
    body = record_body(wire, content_encoding="gzip, br", content_type="", max_bytes=1 << 20)
    assert body.content == TEXT and body.wire_size == len(wire)


def test_decoded_body_over_the_limit_is_cut_but_fully_counted() -> None:
    wire = gzip.compress(TEXT, mtime=0)
    body = _fed("gzip", wire, max_bytes=1000, chunk=4096).finish()
    assert body.content == TEXT[:1000]
    assert body.truncated and body.size == len(TEXT) and body.wire_size == len(wire)


def _zeros_compressed(encoding: str, mebibytes: int) -> bytes:
    block = bytes(1 << 20)
    if encoding == "zstd":
        compressor = zstd.ZstdCompressor(level=19)
        parts = [compressor.compress(block) for _ in range(mebibytes)]
        return b"".join(parts) + compressor.flush()
    if encoding == "br":
        packer = brotlicffi.Compressor(quality=5)
        compressed = b"".join(packer.process(block) for _ in range(mebibytes))
        finished: bytes = packer.finish()  # brotlicffi ships no types
        return compressed + finished
    gzipper = zlib.compressobj(level=9, wbits=31)
    return b"".join(gzipper.compress(block) for _ in range(mebibytes)) + gzipper.flush()


@pytest.mark.parametrize("encoding", ["gzip", "zstd", "br"])
@pytest.mark.parametrize("chunk", [1400, 1 << 30], ids=["streamed", "buffered"])
def test_a_compression_bomb_stops_decoding_after_bounded_work(encoding: str, chunk: int) -> None:
    decoded_size = 64 * 1024 * 1024
    wire = _zeros_compressed(encoding, 64)
    tracemalloc.start()
    try:
        recorder = _fed(encoding, wire, max_bytes=4096, chunk=chunk)
        body = recorder.finish()
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert body.content == bytes(4096) and body.truncated and body.decoding_stopped
    assert recorder.decoding_stopped and recorder.decoding_error is None
    # Stopped at the bomb ratio of the first slice of input, far short of the 64 MiB.
    assert 4096 < body.size <= BOMB_RATIO * 64 * 1024 + 64 * 1024 < decoded_size
    assert body.wire_size == len(wire)
    assert peak_bytes < 4 * 1024 * 1024


@pytest.mark.parametrize("encoding", ["gzip", "zstd", "br"])
def test_a_large_body_at_a_real_world_ratio_is_counted_exactly_past_the_cap(
    encoding: str,
) -> None:
    # JSON records as APIs send them (3:1 to 10:1): cut at the cap, real size still counted.
    rng = random.Random(13)
    text = b"".join(
        b'{"id": %d, "name": "user %x", "score": %d, "active": true}\n'
        % (i, rng.getrandbits(32), rng.randrange(1000))
        for i in range(40_000)
    )
    wire = brotlicffi.compress(text, quality=5) if encoding == "br" else ENCODE[encoding](text)
    assert len(text) / len(wire) < BOMB_RATIO
    body = _fed(encoding, wire, max_bytes=1000, chunk=16 * 1024).finish()
    assert body.content == text[:1000] and body.truncated and not body.decoding_stopped
    assert body.size == len(text)


def test_a_small_bomb_within_the_cap_is_kept_whole() -> None:
    # The ratio only matters past max_bytes: 1 MiB of zeros from 1 KiB is still a small body.
    wire = _zeros_compressed("gzip", 1)
    body = record_body(wire, content_encoding="gzip", content_type="", max_bytes=1 << 20)
    assert body.content == bytes(1 << 20) and not body.truncated and not body.decoding_stopped


@pytest.mark.parametrize(
    ("encoding", "wire"),
    [
        ("gzip", b"this is not gzip"),
        ("br", b"\xff\xff not brotli either"),
        ("zstd", b"nor zstd"),
        ("deflate", b"\x00\x01\x02garbage"),
        ("compress", b"an encoding we do not know"),
        ("gzip", gzip.compress(TEXT, mtime=0)[:200]),  # cut short
    ],
)
def test_undecodable_bodies_keep_their_raw_bytes(encoding: str, wire: bytes) -> None:
    recorder = _fed(encoding, wire, max_bytes=1 << 20, chunk=5)
    body = recorder.finish()
    assert body.content == wire
    assert body.size == body.wire_size == len(wire) and not body.truncated
    assert recorder.decoding_error


def test_identity_bodies_are_cut_at_the_limit() -> None:
    body = record_body(b"x" * 100, content_encoding="identity", content_type="", max_bytes=10)
    assert (body.content, body.size, body.wire_size, body.truncated) == (b"x" * 10, 100, 100, True)


def test_an_empty_body_is_empty() -> None:
    body = BodyRecorder(content_encoding="gzip", content_type="", max_bytes=10).finish()
    assert (body.content, body.size, body.wire_size, body.truncated) == (b"", 0, 0, False)
