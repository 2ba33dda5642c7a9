"""URL normalisation, scope, host aliases, sitemap/robots/link parsing and the SSRF guard (no crawling)."""

from __future__ import annotations

import asyncio

import pytest

from auskunft.crawl.discovery import (
    crawl_delay,
    parse_html_links,
    parse_robots,
    parse_sitemap,
    sitemaps_in_robots,
)
from auskunft.crawl.guard import check_url
from auskunft.crawl.scope import Scope, normalize
from auskunft.errors import BlockedURLError
from auskunft.models import Source


@pytest.mark.parametrize(
    ("raw", "base", "expected"),
    [
        ("HTTPS://Example.ORG/a/b?x=1#frag", None, "https://example.org/a/b?x=1"),
        ("https://example.org", None, "https://example.org/"),
        ("https://example.org:443/x", None, "https://example.org/x"),
        ("http://example.org:8080/x", None, "http://example.org:8080/x"),
        ("../c.html#top", "https://example.org/a/b/index.html", "https://example.org/a/c.html"),
        ("/d?b=2&a=1", "https://example.org/a/", "https://example.org/d?b=2&a=1"),  # query order kept
        ("//cdn.example.org/x", "https://example.org/", "https://cdn.example.org/x"),
        ("  /trimmed  ", "https://example.org/", "https://example.org/trimmed"),
        ("mailto:a@b.de", "https://example.org/", None),
        ("javascript:void(0)", "https://example.org/", None),
        ("#only-fragment", "https://example.org/", None),
        ("ftp://example.org/file", None, None),
        (
            "Satzung Ü.pdf",
            "https://example.org/dokumente/",
            "https://example.org/dokumente/Satzung%20%C3%9C.pdf",
        ),
        ("/a%20b?q=x y&r=%C3%BC", "https://example.org/", "https://example.org/a%20b?q=x%20y&r=%C3%BC"),
    ],
)
def test_normalize(raw: str, base: str | None, expected: str | None) -> None:
    assert normalize(raw, base) == expected


def make_scope(**kw: object) -> Scope:
    base = {
        "name": "s",
        "start_urls": ["https://Verband.example/"],
        "host_aliases": {"https://verband.example": "http://127.0.0.1:9999"},
    }
    return Scope(Source.model_validate(base | kw))


def test_aliases_map_both_ways() -> None:
    scope = make_scope()
    assert scope.start_urls == ["https://verband.example/"]
    assert scope.to_fetch("https://verband.example/a/b.pdf") == "http://127.0.0.1:9999/a/b.pdf"
    assert scope.to_public("http://127.0.0.1:9999/a/b.pdf") == "https://verband.example/a/b.pdf"
    assert scope.to_public("https://other.example/x") == "https://other.example/x"
    assert scope.trusted_fetch_origins() == frozenset({("http", "127.0.0.1", 9999)})
    assert scope.host_allowed("http://127.0.0.1:9999/x")  # an alias-origin redirect stays in scope
    assert not scope.host_allowed("http://127.0.0.1:8888/x")


def test_scope_rules() -> None:
    scope = make_scope(
        include=[r"/verband/|/dokumente/"], exclude=[r"\?print=1$", "/intern/"], follow_pdfs=False
    )
    assert scope.in_scope("https://verband.example/verband/a.html") == (True, "")
    assert scope.in_scope("https://other.example/verband/a.html") == (False, "host not allowed")
    assert scope.in_scope("https://verband.example/news/") == (False, "not matched by include")
    assert scope.in_scope("https://verband.example/verband/a.html?print=1") == (False, "matched by exclude")
    assert scope.in_scope("https://verband.example/dokumente/s.pdf") == (False, "PDFs not followed")
    assert scope.in_scope("https://verband.example/verband/logo.PNG") == (False, "file type not crawled")


def test_allowed_hosts_override() -> None:
    scope = make_scope(allowed_hosts=["verband.example", "docs.verband.example"])
    assert scope.in_scope("https://docs.verband.example/x.pdf")[0]
    assert not scope.in_scope("https://evil.example/x.pdf")[0]


def test_sitemap_and_index() -> None:
    urlset = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc> https://v.example/a </loc></url><url><loc>https://v.example/b.pdf</loc></url></urlset>"""
    assert parse_sitemap(urlset) == (["https://v.example/a", "https://v.example/b.pdf"], [])
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://v.example/sm-1.xml</loc></sitemap></sitemapindex>"""
    assert parse_sitemap(index) == ([], ["https://v.example/sm-1.xml"])
    assert parse_sitemap(b"<html>not xml") == ([], [])
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><urlset><url><loc>&e;</loc></url></urlset>'
    pages, _ = parse_sitemap(bomb)
    assert not any("root:" in p for p in pages)  # external entities are not resolved


def test_robots() -> None:
    text = "User-agent: *\nDisallow: /intern/\n\nSitemap: https://v.example/sitemap.xml\nsitemap: https://v.example/s2.xml\n"
    robots = parse_robots(text)
    assert not robots.can_fetch("auskunft-bot/0.1", "https://v.example/intern/x.html")
    assert robots.can_fetch("auskunft-bot/0.1", "https://v.example/verband/")
    assert sitemaps_in_robots(text) == ["https://v.example/sitemap.xml", "https://v.example/s2.xml"]
    assert not parse_robots(None, disallow_all=True).can_fetch("x", "https://v.example/")
    assert parse_robots(None).can_fetch("x", "https://v.example/")


def test_crawl_delay() -> None:
    text = (
        "User-agent: googlebot\nCrawl-delay: 9\n\nUser-agent: auskunft-bot\nUser-agent: other\nDisallow: /x\n"
        "Crawl-delay: 0.5\n\nUser-agent: *\nCrawl-delay: 2  # slow\n"
    )
    assert crawl_delay(text, "auskunft-bot/0.1 (+https://x)") == 0.5
    assert crawl_delay(text, "somebot/1.0") == 2.0
    assert crawl_delay("User-agent: *\nDisallow: /\n", "a/1") is None
    assert crawl_delay(None, "a/1") is None


def test_links_and_title() -> None:
    body = b"""<html><head><title>  Die   Satzung </title><base href="https://v.example/docs/"></head><body>
      <a href="a.html#x">a</a> <a href="/b/">b</a> <a href="mailto:x@y.de">m</a> <a rel="nofollow" href="/nf">n</a>
      <a href="https://other.example/">o</a> <link rel="stylesheet" href="/style.css"><link rel="next" href="p2.html">
    </body></html>"""
    links, title = parse_html_links(body, "https://v.example/start/")
    assert title == "Die Satzung"
    assert links == [
        "https://v.example/docs/a.html",
        "https://v.example/b/",
        "https://other.example/",
        "https://v.example/docs/p2.html",
    ]
    assert parse_html_links(b"", "https://v.example/") == ([], None)


def test_guard() -> None:
    async def check(url: str, **kw: object) -> None:
        await check_url(url, **kw)  # type: ignore[arg-type]

    for url in (
        "http://127.0.0.1:8080/",
        "http://localhost/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/",
        "http://[::1]/",
        "http://0.0.0.0/",
    ):
        with pytest.raises(BlockedURLError, match="SSRF guard: .* resolves to"):
            asyncio.run(check(url, allow_private=False))
    # allow_private trusts only the source's own hosts
    trusted = frozenset({("http", "127.0.0.1", 8080)})
    asyncio.run(check("http://127.0.0.1:8080/", allow_private=True, trusted_origins=trusted))
    with pytest.raises(BlockedURLError, match="non-public address"):  # another port is another origin
        asyncio.run(check("http://127.0.0.1:8081/", allow_private=True, trusted_origins=trusted))
    with pytest.raises(BlockedURLError, match="169.254.169.254"):
        asyncio.run(check("http://169.254.169.254/", allow_private=True, trusted_origins=trusted))
    with pytest.raises(BlockedURLError, match="unsupported URL"):
        asyncio.run(check("file:///etc/passwd", allow_private=True))


def test_ungzip() -> None:
    import gzip

    from auskunft.crawl.discovery import ungzip

    assert ungzip(b"<urlset/>", 10) == b"<urlset/>"  # plain XML passes through
    assert ungzip(gzip.compress(b"<urlset/>"), 100) == b"<urlset/>"
    with pytest.raises(ValueError, match="more than 1000 bytes"):
        ungzip(gzip.compress(b"\0" * 1_000_000), 1000)  # a gzip bomb stops at the limit
    with pytest.raises(ValueError, match="broken gzip"):
        ungzip(b"\x1f\x8b" + b"garbage", 1000)
