"""Recording message bodies: content decoding (gzip, deflate, br, zstd), capping and counting.

A body is fed in chunks as it crosses the proxy, so a huge or endless stream costs at most
`max_bytes` of memory per direction while its real sizes are still counted. A body whose
content-encoding is wrong or unknown is kept as the raw bytes that crossed the wire.

Decoding runs on the proxy's event loop, so its cost is bounded per step, not per body: every
decoder hands out at most 64 KiB per call, input goes in 64 KiB slices, and once the decoded body
is past `max_bytes` it is only decoded on (to count its real size) while it stays within
`BOMB_RATIO` times the compressed bytes fed so far. A body beyond that ratio is a compression
bomb: decoding stops, and the Body says so (`decoding_stopped`, `size` a lower bound).
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Callable, Iterator

# Brotli's own binding (1.1, which mitmproxy 11 pins) cannot bound its output: a few hundred bytes
# of input may come out as gigabytes in one call. brotlicffi 1.2 can (`output_buffer_limit`).
import brotlicffi

# One zstd API on every supported Python: the standard library's from 3.14 (PEP 784), its
# backport before. mitmproxy 11 brought `zstandard` and 12.3 dropped it, so we rely on neither.
# Re-exported (`as zstd`) so the tests compress with the very module this one decodes with.
if sys.version_info >= (3, 14):
    from compression import zstd as zstd
else:
    from backports import zstd as zstd

from inspector.model import Body

# Decoders hand out at most this much output per step, and take input in slices of this size, so
# a compression bomb costs one step of work, not the gigabytes it would inflate to.
_STEP_BYTES = 64 * 1024
# Real-world bodies compress 3:1 to 30:1 (very repetitive JSON rarely beyond 50:1); a gzip bomb of
# zeros is 1000:1, brotli and zstd ones far more. Past max_bytes, a body decoding to more than this
# many times its compressed size is not decoded further.
BOMB_RATIO = 100


class _Undecodable(Exception):
    """The body does not decode with the encoding its headers declare."""


class _ZlibDecoder:
    """gzip (also multi-member) and deflate, with or without the zlib wrapper."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._decoder: zlib._Decompress | None = None
        self._seen_input = False

    def _new_decoder(self, head: bytes) -> zlib._Decompress:
        if self._encoding == "gzip":
            return zlib.decompressobj(32 + zlib.MAX_WBITS)  # gzip or zlib header, auto-detected
        # Servers send "deflate" both zlib-wrapped (as the RFC says) and raw: sniff the header.
        zlib_wrapped = len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            while data:
                if self._decoder is None:
                    self._decoder = self._new_decoder(data)
                elif self._decoder.eof:
                    # Another gzip member follows; anything else after the end is garbage.
                    if self._encoding != "gzip" or not data.strip(b"\x00"):
                        return
                    self._decoder = self._new_decoder(data)
                self._seen_input = True
                out = self._decoder.decompress(data, _STEP_BYTES)
                if out:
                    yield out
                data = self._decoder.unconsumed_tail or self._decoder.unused_data
        except zlib.error as exc:
            raise _Undecodable(str(exc)) from exc

    def end(self) -> Iterator[bytes]:
        if self._decoder is None:
            return
        try:
            while not self._decoder.eof:
                out = self._decoder.decompress(self._decoder.unconsumed_tail, _STEP_BYTES)
                if not out:
                    break
                yield out
        except zlib.error as exc:
            raise _Undecodable(str(exc)) from exc
        if self._seen_input and not self._decoder.eof:
            raise _Undecodable("the compressed stream ends early")


class _BrotliDecoder:
    """brotli, in bounded steps (brotlicffi's output_buffer_limit)."""

    def __init__(self) -> None:
        self._decoder = brotlicffi.Decompressor()
        self._seen_input = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        self._seen_input = True
        try:
            while True:
                if self._decoder.is_finished():
                    return  # anything after the end of the stream is ignored
                out = self._decoder.process(data, output_buffer_limit=_STEP_BYTES)
                data = b""
                if out:
                    yield out
                if self._decoder.can_accept_more_data():
                    return
        except brotlicffi.error as exc:
            raise _Undecodable(str(exc)) from exc

    def end(self) -> Iterator[bytes]:
        if self._seen_input and not self._decoder.is_finished():
            raise _Undecodable("the compressed stream ends early")
        return iter(())


class _ZstdDecoder:
    """zstd, frame after frame (a body may hold several), in bounded steps."""

    def __init__(self) -> None:
        self._decoder = zstd.ZstdDecompressor()
        self._seen_input = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            while data or not self._decoder.needs_input:
                if self._decoder.eof:
                    # Another frame follows; zero padding after the last one is harmless.
                    data = self._decoder.unused_data + data
                    if not data.strip(b"\x00"):
                        return
                    self._decoder = zstd.ZstdDecompressor()
                self._seen_input = True
                out = self._decoder.decompress(data, _STEP_BYTES)
                data = b""
                if out:
                    yield out
                elif self._decoder.needs_input:
                    return
        except zstd.ZstdError as exc:
            raise _Undecodable(str(exc)) from exc

    def end(self) -> Iterator[bytes]:
        if self._seen_input and not self._decoder.eof:
            raise _Undecodable("the compressed stream ends early")
        return iter(())


_Decoder = _ZlibDecoder | _BrotliDecoder | _ZstdDecoder
_IDENTITY = frozenset({"", "identity", "none"})


def _decoder_for(encoding: str) -> _Decoder | None:
    """A decoder for one content-coding; None for identity. Raises _Undecodable if unknown."""
    if encoding in _IDENTITY:
        return None
    if encoding in ("gzip", "x-gzip"):
        return _ZlibDecoder("gzip")
    if encoding in ("deflate", "deflateraw"):
        return _ZlibDecoder("deflate")
    if encoding == "br":
        return _BrotliDecoder()
    if encoding == "zstd":
        return _ZstdDecoder()
    raise _Undecodable(f"unknown content-encoding {encoding!r}")


def _chain(content_encoding: str) -> list[_Decoder]:
    """Decoders in the order to apply them: the last coding listed was applied last."""
    codings = [part.strip().lower() for part in content_encoding.split(",")]
    decoders = [_decoder_for(coding) for coding in reversed(codings)]
    return [decoder for decoder in decoders if decoder is not None]


class BodyRecorder:
    """Sees one body chunk by chunk; `finish()` returns the recorded `Body`.

    An instance is also a mitmproxy stream callable (`flow.response.stream = recorder`): it passes
    every chunk through unchanged and records it on the way.
    """

    def __init__(self, *, content_encoding: str, content_type: str, max_bytes: int) -> None:
        self.content_type = content_type
        self.max_bytes = max_bytes
        self.wire_size = 0
        self.decoded_size = 0
        self._raw = bytearray()
        self._decoded = bytearray()
        self._error: str | None = None
        # Compressed bytes handed to the decoders so far: the ratio's denominator.
        self._fed = 0
        self._stopped = False
        try:
            self._decoders = _chain(content_encoding)
        except _Undecodable as exc:
            self._decoders = []
            self._error = str(exc)
        self._finished: Body | None = None

    @property
    def decoding_stopped(self) -> bool:
        """True when decoding was given up as a compression bomb; `size` is then a lower bound."""
        return self._stopped

    @property
    def decoding_error(self) -> str | None:
        """Why the body was kept as raw bytes, or None when it decoded (or needed no decoding)."""
        return self._error

    def __call__(self, chunk: bytes) -> bytes:
        # mitmproxy signals the end of a streamed body with one empty chunk.
        self.feed(chunk)
        return chunk

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.wire_size += len(chunk)
        self._keep(self._raw, chunk)
        view = memoryview(chunk)
        for start in range(0, len(chunk), _STEP_BYTES):
            if not self._decoders or self._error is not None or self._stopped:
                return
            piece = bytes(view[start : start + _STEP_BYTES])
            self._fed += len(piece)
            self._decode(self._run(piece, 0))

    def _decode(self, pieces: Iterator[bytes]) -> None:
        """Count and keep decoded pieces; stop pulling them (no more work) at a bomb's ratio."""
        try:
            for piece in pieces:
                self.decoded_size += len(piece)
                self._keep(self._decoded, piece)
                if self.decoded_size > self.max_bytes and (
                    self.decoded_size > BOMB_RATIO * self._fed
                ):
                    self._stopped = True
                    return
        except _Undecodable as exc:
            self._error = str(exc)

    def _keep(self, buffer: bytearray, data: bytes) -> None:
        room = self.max_bytes - len(buffer)
        if room > 0:
            buffer += data[:room]

    def _run(self, data: bytes, index: int) -> Iterator[bytes]:
        """Push data through decoders[index:], yielding fully decoded pieces."""
        if index == len(self._decoders):
            yield data
            return
        for piece in self._decoders[index].feed(data):
            yield from self._run(piece, index + 1)

    def _end(self, index: int) -> Iterator[bytes]:
        for i in range(index, len(self._decoders)):
            for piece in self._decoders[i].end():
                yield from self._run(piece, i + 1)

    def finish(self) -> Body:
        if self._finished is not None:
            return self._finished
        if self._decoders and self._error is None and not self._stopped:
            self._decode(self._end(0))
        if self._decoders and self._error is None:
            content, size = bytes(self._decoded), self.decoded_size
        else:
            content, size = bytes(self._raw), self.wire_size
        self._finished = Body(
            content=content,
            size=size,
            wire_size=self.wire_size,
            truncated=size > len(content),
            content_type=self.content_type,
            decoding_stopped=self._stopped,
        )
        return self._finished


def record_body(raw: bytes, *, content_encoding: str, content_type: str, max_bytes: int) -> Body:
    """The `Body` of a fully buffered message (`raw` as it crossed the wire)."""
    if content_encoding.strip().lower() in _IDENTITY:
        # The common case: no decoding and no copy unless the body must be cut.
        size = len(raw)
        content = raw if size <= max_bytes else raw[:max_bytes]
        return Body(
            content=content,
            size=size,
            wire_size=size,
            truncated=size > max_bytes,
            content_type=content_type,
        )
    recorder = BodyRecorder(
        content_encoding=content_encoding, content_type=content_type, max_bytes=max_bytes
    )
    recorder.feed(raw)
    return recorder.finish()


StreamCallable = Callable[[bytes], bytes]
