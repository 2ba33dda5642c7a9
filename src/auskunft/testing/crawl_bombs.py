"""Hostile documents for the crawl/extract bomb tests and benches (generated, never stored)."""

from __future__ import annotations

import zlib


def pdf(objects: list[bytes]) -> bytes:
    """A PDF of the given object bodies (object i+1 = objects[i]; 1 must be the catalog), with a real xref."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes) -> bytes:
    packed = zlib.compress(data, 9)
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"


def _one_page(contents: bytes, extra: list[bytes]) -> bytes:
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents "
            + contents
            + b" /Resources << /Font << /F1 4 0 R >> >> >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            *extra,
        ]
    )


def content_array_pdf(refs: int = 300_000) -> bytes:
    """One page whose /Contents array names one small text stream `refs` times (probe 2026-12 N21)."""
    text = _stream(b"BT /F1 12 Tf 72 720 Td (Mitgliederversammlung am Montag) Tj ET\n")
    return _one_page(b"[" + b"5 0 R " * refs + b"]", [text])


def vector_lines_pdf(lines: int = 200_000) -> bytes:
    """One page with `lines` stroked line segments and a line of text (probe 2026-12 N22)."""
    ops = [b"BT /F1 12 Tf 72 800 Td (Satzung des Vereins) Tj ET\n0.1 w\n"]
    for i in range(lines):
        x, y = i % 500, (i * 7) % 800
        ops.append(b"%d %d m %d %d l S\n" % (x, y, (x * 13) % 595, (y * 3) % 842))
    return _one_page(b"5 0 R", [_stream(b"".join(ops))])


def dom_bomb_html(paragraphs: int = 2_000_000) -> bytes:
    """A ~300-byte page whose script creates `paragraphs` <p> elements (probe 2026-12 N11)."""
    return (
        "<html><head><title>Bombe</title></head><body><h1>Start</h1><div id='m'></div><script>"
        f"let s='';for(let i=0;i<{paragraphs};i++)s+='<p>Wort '+i+'</p>';"
        "document.getElementById('m').insertAdjacentHTML('afterend',s)</script></body></html>"
    ).encode()


def nested_divs(depth: int = 100_000) -> bytes:
    """`depth` nested <div> (probe 2026-12 N19)."""
    return (
        "<html><head><title>Tief</title></head><body><main><h1>Tief</h1>"
        + "<div>Ebene " * depth
        + "Kern"
        + "</div>" * depth
        + "</main></body></html>"
    ).encode()


def sitemap_xml(urls: int, origin: str) -> bytes:
    """A full sitemap of `urls` page URLs; 527,000 give the probe's 28.9 MB (just under max_file_bytes)."""
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    rows = b"".join(b"<url><loc>%s/s/%d</loc></url>\n" % (origin.encode(), i) for i in range(urls))
    return head + rows + b"</urlset>\n"


def sitemap_index(paths: list[str], origin: str) -> bytes:
    locs = b"".join(b"<sitemap><loc>%s%s</loc></sitemap>" % (origin.encode(), p.encode()) for p in paths)
    return (
        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + locs
        + b"</sitemapindex>"
    )


def crawl_in_child(source_json: str, max_browser_mb: int = 0) -> None:
    """`python -m tests.security.crawl_bombs SOURCE_JSON [MAX_BROWSER_MB]`: crawl in this process; print its
    peak RSS, the peak PSS of its process tree (chromium included), the time and the records."""
    import json
    import os
    import resource
    import tempfile
    import threading
    import time
    from pathlib import Path

    from auskunft.crawl import CrawlState, RawStore, crawl_source, render
    from auskunft.models import Source

    source = Source.model_validate_json(source_json)
    if max_browser_mb:
        render.MAX_BROWSER_MB = max_browser_mb
    peak = [0.0]
    done = threading.Event()

    def watch() -> None:  # PSS of this process and everything it started (chromium), shared pages once
        while not done.wait(0.1):
            peak[0] = max(peak[0], render.tree_pss_mb(os.getpid()))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        manifest = crawl_source(
            source, raw_store=RawStore(Path(tmp) / "raw"), state=CrawlState(Path(tmp) / "state", source.name)
        )
    seconds = time.monotonic() - t0
    done.set()
    watcher.join()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "peak_mb": own,
                "children_peak_mb": children,
                "tree_peak_pss_mb": peak[0],
                "seconds": seconds,
                "records": {r.url: [r.status, r.rendered, r.size, r.error] for r in manifest.records},
            }
        )
    )


if __name__ == "__main__":
    import sys

    crawl_in_child(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)
