"""Content-Encoding decoding with a byte budget (decompression bombs stop at the budget, not after it).

httpx decodes every network chunk in one unbounded call, so a few KB of `gzip, gzip` or zstd inflate to
gigabytes before a size check can run. The fetcher therefore reads the raw bytes and decodes here, in steps
of at most STEP bytes of output, checking the budget between steps:

- gzip / x-gzip, deflate: zlib with `max_length` and `unconsumed_tail`;
- br: brotli's `Decompressor.process(output_buffer_limit=...)` (brotli >= 1.2);
- zstd: zstandard's stream writer, which hands over output in STEP-sized pieces to a sink that stops at the
  budget; the window is limited to 8 MiB as RFC 9659 asks of HTTP clients.

Only one encoding is accepted: stacked encodings ("gzip, gzip") have no legitimate use on the web and are
how the smallest bombs are built, so they are refused, as are unknown ones. ACCEPT_ENCODING advertises
exactly the encodings decoded here.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import brotli  # brotli >= 1.2 for output_buffer_limit
import zstandard

from auskunft.errors import BlockedURLError, FetchError

STEP = 1 << 20  # largest piece of output produced by one decoder call
ZSTD_MAX_WINDOW = 1 << 23  # RFC 9659: 8 MiB

SUPPORTED = ("gzip", "deflate", "br", "zstd")
ACCEPT_ENCODING = ", ".join(SUPPORTED)


class _Budget:
    """Collects decoded output; raises BlockedURLError once it exceeds max_bytes."""

    def __init__(self, max_bytes: int, encoding: str) -> None:
        self.max_bytes = max_bytes
        self.encoding = encoding
        self.parts: list[bytes] = []
        self.size = 0

    def add(self, data: bytes) -> None:
        if not data:
            return
        self.size += len(data)
        if self.size > self.max_bytes:
            self.parts.clear()
            raise BlockedURLError(
                f"file too large (> {self.max_bytes} bytes after {self.encoding} decoding)", code="too_large"
            )
        self.parts.append(data)

    def write(self, data: bytes) -> int:  # the zstd stream writer's sink
        self.add(bytes(data))
        return len(data)

    @property
    def room(self) -> int:
        return max(1, min(STEP, self.max_bytes + 1 - self.size))


def encodings_of(header_values: list[str]) -> list[str]:
    """Content-Encoding tokens in order of application, 'identity' dropped."""
    tokens = [t.strip().lower() for value in header_values for t in value.split(",")]
    return [t for t in tokens if t and t != "identity"]


class BodyDecoder:
    """Feed raw chunks, get the decoded body; memory stays within max_bytes + STEP."""

    def __init__(self, header_values: list[str], max_bytes: int) -> None:
        encodings = encodings_of(header_values)
        if len(encodings) > 1:
            raise BlockedURLError(
                f"stacked Content-Encoding {', '.join(encodings)!r} refused (one encoding at most)",
                code="encoding",
            )
        self.encoding = encodings[0] if encodings else "identity"
        if self.encoding == "x-gzip":
            self.encoding = "gzip"
        if self.encoding not in ("identity", *SUPPORTED):
            raise BlockedURLError(f"unsupported Content-Encoding {self.encoding!r}", code="encoding")
        self.out = _Budget(max_bytes, self.encoding)
        self._feed: Callable[[bytes], None] = getattr(self, "_feed_" + self.encoding)
        self._zlib: zlib._Decompress | None = None
        if self.encoding == "gzip":
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.encoding == "br":
            self._br = brotli.Decompressor()
        elif self.encoding == "zstd":
            dctx = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
            self._zstd = dctx.stream_writer(self.out, write_size=STEP, write_return_read=True)  # type: ignore[arg-type]

    def feed(self, chunk: bytes) -> None:
        try:
            self._feed(chunk)
        except BlockedURLError:
            raise
        except Exception as exc:  # zlib.error, brotli.error, zstandard.ZstdError
            if self.encoding == "zstd" and "memory" in str(exc).lower():
                raise BlockedURLError(
                    f"zstd window larger than {ZSTD_MAX_WINDOW >> 20} MiB refused (RFC 9659)", code="encoding"
                ) from exc
            raise FetchError(f"broken {self.encoding} body: {exc}", code="decoding") from exc

    def body(self) -> bytes:
        return b"".join(self.out.parts)

    # ------------------------------------------------------------------ one method per encoding
    def _feed_identity(self, chunk: bytes) -> None:
        self.out.add(chunk)

    def _feed_gzip(self, chunk: bytes) -> None:
        self._inflate(chunk)

    def _feed_deflate(self, chunk: bytes) -> None:
        if self._zlib is None:  # "deflate" is zlib-wrapped by the RFC, raw deflate in practice too
            wrapped = len(chunk) >= 2 and (chunk[0] & 0x0F) == 8 and (chunk[0] << 8 | chunk[1]) % 31 == 0
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        self._inflate(chunk)

    def _inflate(self, data: bytes) -> None:
        while self._zlib is not None:
            room = self.out.room
            out = self._zlib.decompress(data, room)
            self.out.add(out)
            data = self._zlib.unconsumed_tail
            if self._zlib.eof:
                rest = self._zlib.unused_data
                if self.encoding != "gzip" or not rest.startswith(b"\x1f\x8b"):
                    return  # trailing bytes after the stream are ignored, as browsers do
                self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)  # concatenated gzip members
                data = rest
                continue
            if not data and len(out) < room:
                return

    def _feed_br(self, chunk: bytes) -> None:
        self.out.add(self._br.process(chunk, output_buffer_limit=self.out.room))
        while not self._br.can_accept_more_data():
            self.out.add(self._br.process(b"", output_buffer_limit=self.out.room))

    def _feed_zstd(self, chunk: bytes) -> None:
        self._zstd.write(chunk)
