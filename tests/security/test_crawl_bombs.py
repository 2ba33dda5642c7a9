"""Content-Encoding decompression bombs (probe 2026-11 item 7.11, and 7.10 for plain gzip).

Bombs of 128 MiB of zeros are served by a real loopback server; the budget is 2 MB. Python's own allocation
peak (tracemalloc: every decoded chunk is a bytes object) must stay near the budget, where the old fetcher
allocated the whole 128 MiB (2.1 GB RSS for the probe's 1 GiB bombs; bench/bomb_bench.py measures RSS).
"""

from __future__ import annotations

import asyncio
import gzip
import tracemalloc
import zlib
from pathlib import Path

import brotli
import pytest
import zstandard

from auskunft.crawl.decode import ACCEPT_ENCODING, STEP
from auskunft.crawl.fetcher import Fetcher, RateLimiter
from auskunft.crawl.guard import origin_key
from auskunft.errors import BlockedURLError, FetchError
from auskunft.models import Source
from tests.crawl.helpers import Reply, Servers, by_url, html, run_crawl

ZEROS_MIB = 128
BUDGET = 2_000_000
PAGE = b"<html><head><title>ok</title></head><body><p>" + "Grüße ".encode() * 2000 + b"</p></body></html>"


def _stream(compress: object, flush: object) -> bytes:
    zero = b"\0" * (1 << 20)
    return b"".join(compress(zero) for _ in range(ZEROS_MIB)) + flush()  # type: ignore[operator]


@pytest.fixture(scope="module")
def bombs() -> dict[str, tuple[bytes, str]]:
    """name -> (wire bytes, Content-Encoding)."""
    gz = zlib.compressobj(9, zlib.DEFLATED, 31)
    gzip_bomb = _stream(gz.compress, gz.flush)
    df = zlib.compressobj(9, zlib.DEFLATED, 15)
    zs = zstandard.ZstdCompressor(level=3).compressobj()
    br = brotli.Compressor(quality=1)
    return {
        "gzip": (gzip_bomb, "gzip"),
        "gzip-gzip": (gzip.compress(gzip_bomb), "gzip, gzip"),
        "deflate": (_stream(df.compress, df.flush), "deflate"),
        "zstd": (_stream(zs.compress, zs.flush), "zstd"),
        "br": (_stream(br.process, br.finish), "br"),
    }


async def _fetch(url: str, max_bytes: int = BUDGET) -> bytes:
    """GET from a loopback server (its origin trusted with allow_private, as a source would have it)."""
    f = Fetcher(
        user_agent="t",
        timeout_s=10.0,
        max_bytes=max_bytes,
        allow_private=True,
        limiter=RateLimiter(1000, 4),
        trusted_origins=frozenset({origin_key(url)}),  # type: ignore[arg-type]
    )
    try:
        return (await f.fetch(url, accept_kinds=("any",))).body or b""
    finally:
        await f.aclose()


def _peak(url: str) -> tuple[BaseException | None, int]:
    tracemalloc.start()
    try:
        asyncio.run(_fetch(url))
        err: BaseException | None = None
    except FetchError as exc:
        err = exc
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return err, peak


@pytest.mark.parametrize("name", ["gzip", "deflate", "zstd", "br"])
def test_bomb_stops_at_the_budget(name: str, bombs: dict[str, tuple[bytes, str]], servers: Servers) -> None:
    wire, encoding = bombs[name]
    srv = servers.start({"/bomb.html": Reply(body=wire, headers={"Content-Encoding": encoding})})
    err, peak = _peak(f"{srv.origin}/bomb.html")
    assert isinstance(err, BlockedURLError) and err.code == "too_large", err
    assert f"after {name} decoding" in str(err)
    # budget + one decoding step + the raw body and the event loop's own allocations; 128 MiB without bound
    assert peak < BUDGET + 2 * STEP + len(wire) + 4_000_000, peak


def test_stacked_encoding_refused_before_decoding(
    bombs: dict[str, tuple[bytes, str]], servers: Servers
) -> None:
    wire, encoding = bombs["gzip-gzip"]
    assert len(wire) < 2000  # the probe's 1.8 KB bomb, scaled
    srv = servers.start({"/bomb.html": Reply(body=wire, headers={"Content-Encoding": encoding})})
    err, peak = _peak(f"{srv.origin}/bomb.html")
    assert isinstance(err, BlockedURLError) and err.code == "encoding"
    assert "stacked Content-Encoding 'gzip, gzip' refused" in str(err)
    assert peak < 4_000_000


def test_two_encoding_headers_count_as_stacked(servers: Servers) -> None:
    srv = servers.start({})

    def answer(handler: object) -> None:
        h = handler  # type: ignore[assignment]
        body = gzip.compress(gzip.compress(PAGE))
        h.send_response(200)  # type: ignore[attr-defined]
        for line in ("Content-Type: text/html", "Content-Encoding: gzip", "Content-Encoding: gzip"):
            h.send_header(*line.split(": "))  # type: ignore[attr-defined]
        h.send_header("Content-Length", str(len(body)))  # type: ignore[attr-defined]
        h.end_headers()  # type: ignore[attr-defined]
        h.wfile.write(body)  # type: ignore[attr-defined]

    srv.routes["/two"] = answer  # type: ignore[assignment]
    with pytest.raises(BlockedURLError, match="stacked"):
        asyncio.run(_fetch(f"{srv.origin}/two"))


@pytest.mark.parametrize("encoding", ["compress", "x-bomb", "gzip;q=1"])
def test_unknown_encoding_refused(encoding: str, servers: Servers) -> None:
    srv = servers.start({"/p": Reply(body=PAGE, headers={"Content-Encoding": encoding})})
    with pytest.raises(BlockedURLError, match="unsupported Content-Encoding") as err:
        asyncio.run(_fetch(f"{srv.origin}/p"))
    assert err.value.code == "encoding"


def test_zstd_window_over_8_mib_refused(servers: Servers) -> None:
    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=27)
    obj = zstandard.ZstdCompressor(compression_params=params).compressobj()
    wire = obj.compress(PAGE) + obj.flush()
    srv = servers.start({"/p": Reply(body=wire, headers={"Content-Encoding": "zstd"})})
    with pytest.raises(BlockedURLError, match="zstd window larger than 8 MiB"):
        asyncio.run(_fetch(f"{srv.origin}/p"))


def test_legitimate_encodings_decode_and_are_advertised(servers: Servers) -> None:
    zs = zstandard.ZstdCompressor().compressobj()
    deflate_raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    encoded = {
        "gzip": gzip.compress(PAGE),
        "x-gzip": gzip.compress(PAGE[:100]) + gzip.compress(PAGE[100:]),  # two gzip members
        "deflate": zlib.compress(PAGE),
        "identity": PAGE,
        "br": brotli.compress(PAGE),
        "zstd": zs.compress(PAGE) + zs.flush(),
    }
    routes = {f"/{k}": Reply(body=v, headers={"Content-Encoding": k}) for k, v in encoded.items()}
    routes["/raw-deflate"] = Reply(
        body=deflate_raw.compress(PAGE) + deflate_raw.flush(), headers={"Content-Encoding": "deflate"}
    )
    srv = servers.start(routes)
    for path in [*routes]:
        assert asyncio.run(_fetch(srv.origin + path)) == PAGE, path
    assert {h["accept-encoding"] for h in srv.headers} == {ACCEPT_ENCODING}
    assert ACCEPT_ENCODING == "gzip, deflate, br, zstd"
    # exactly at the budget is fine, one byte more is not
    assert asyncio.run(_fetch(f"{srv.origin}/br", max_bytes=len(PAGE))) == PAGE
    with pytest.raises(BlockedURLError, match="too large"):
        asyncio.run(_fetch(f"{srv.origin}/br", max_bytes=len(PAGE) - 1))


def test_broken_encoding_is_a_fetch_error(servers: Servers) -> None:
    srv = servers.start({"/p": Reply(body=b"\x1f\x8bnot gzip at all", headers={"Content-Encoding": "gzip"})})
    with pytest.raises(FetchError, match="broken gzip body") as err:
        asyncio.run(_fetch(f"{srv.origin}/p"))
    assert err.value.code == "decoding"


def test_crawl_meeting_every_bomb_stays_bounded(
    bombs: dict[str, tuple[bytes, str]], servers: Servers, tmp_path: Path
) -> None:
    """A whole crawl whose pages and PDFs are bombs: every one skipped, allocations bounded, the rest kept."""
    routes: dict[str, Reply] = {
        f"/{name}.html": Reply(body=wire, headers={"Content-Encoding": enc})
        for name, (wire, enc) in bombs.items()
    }
    routes["/doc.pdf"] = Reply(
        body=bombs["zstd"][0], content_type="application/pdf", headers={"Content-Encoding": "zstd"}
    )
    routes["/ok.html"] = Reply(body=gzip.compress(PAGE), headers={"Content-Encoding": "gzip"})
    routes["/"] = html(*routes)
    srv = servers.start(routes)
    source = Source(
        name="bombs",
        start_urls=[f"{srv.origin}/"],
        allow_private=True,
        use_sitemap=False,
        respect_robots=False,
        max_file_bytes=BUDGET,
        rate_limit_per_s=1000,
    )
    tracemalloc.start()
    try:
        records = by_url(run_crawl(source, tmp_path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert records[f"{srv.origin}/ok.html"].status == "new"
    for path in [p for p in routes if p not in ("/", "/ok.html")]:
        rec = records[srv.origin + path]
        assert rec.status == "skipped" and (
            "too large" in (rec.error or "") or "stacked" in (rec.error or "")
        )
    assert peak < BUDGET + 2 * STEP + 16_000_000, peak  # 128 MiB per bomb without the bound
