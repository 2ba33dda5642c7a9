"""Crawler SSRF guard (probe 2026-11 items 7.03, 7.05, 7.06, 7.07 and the guard side of 2.08).

"Internal services" are real loopback servers on other 127.0.0.x addresses and ports; DNS answers come from a
resolver hook, so rebinding and names of metadata endpoints can be simulated without a network.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from auskunft.crawl.fetcher import Fetcher, RateLimiter
from auskunft.crawl.guard import check_url, classify, literal_refusal
from auskunft.crawl.scope import normalize
from auskunft.errors import BlockedURLError, FetchError
from auskunft.models import Source
from tests.crawl.helpers import Reply, Servers, by_url, html, run_crawl

SECRET = Reply(body=b"<html><title>INTERNAL SECRET</title><p>TOPSECRET api_key=sk-internal-123</p></html>")


def fetcher(**kw: object) -> Fetcher:
    base: dict[str, object] = {
        "user_agent": "t",
        "timeout_s": 5.0,
        "max_bytes": 1_000_000,
        "allow_private": False,
        "limiter": RateLimiter(1000, 4),
    }
    return Fetcher(**(base | kw))  # type: ignore[arg-type]


async def fetch(f: Fetcher, url: str) -> bytes:
    try:
        return (await f.fetch(url)).body or b""
    finally:
        await f.aclose()


@pytest.mark.parametrize(
    ("ip", "kind"),
    [
        ("8.8.8.8", "public"),
        ("2606:4700::1111", "public"),
        ("64:ff9b::808:808", "public"),  # NAT64 of a public address
        ("127.0.0.1", "internal"),
        ("10.1.2.3", "internal"),
        ("100.64.0.1", "internal"),  # CGNAT / Tailscale: not global (7.06)
        ("192.0.0.8", "internal"),
        ("198.18.0.1", "internal"),
        ("::1", "internal"),
        ("fc00::1", "internal"),
        ("::ffff:127.0.0.1", "internal"),  # IPv4-mapped loopback
        ("64:ff9b::7f00:1", "internal"),  # NAT64 of loopback
        ("2002:7f00:1::1", "internal"),  # 6to4 of loopback
        ("169.254.169.254", "refused"),
        ("169.254.1.1", "refused"),
        ("100.100.100.200", "refused"),  # Alibaba metadata (7.06)
        ("fd00:ec2::254", "refused"),  # AWS IMDS over IPv6
        ("168.63.129.16", "refused"),  # Azure wireserver: a global address, refused all the same
        ("2002:a9fe:a9fe::1", "refused"),  # 6to4 of 169.254.169.254 (7.06)
        ("::ffff:169.254.169.254", "refused"),
        ("64:ff9b::a9fe:a9fe", "refused"),  # NAT64 of the metadata address
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "refused"),  # Teredo
        ("fe80::1", "refused"),
        ("0.0.0.0", "refused"),
        ("::", "refused"),
        ("255.255.255.255", "refused"),
        ("224.0.0.1", "refused"),
        ("ff02::1", "refused"),
    ],
)
def test_address_classes(ip: str, kind: str) -> None:
    assert classify(ip) == kind


def test_non_global_refused_without_allow_private() -> None:
    for url in (
        "http://100.100.100.200/latest/meta-data/",
        "http://100.64.0.1/",
        "http://[2002:a9fe:a9fe::1]/",
    ):
        with pytest.raises(BlockedURLError, match="SSRF guard"):
            asyncio.run(check_url(url, allow_private=False))


def test_metadata_refused_even_for_trusted_origins_with_allow_private() -> None:
    """2.08, guard side: an admin-configured origin with allow_private still never reaches metadata."""
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://100.100.100.200/",
        "http://[::ffff:169.254.169.254]/",
        "http://[64:ff9b::a9fe:a9fe]/",
    ):
        key = ("http", normalize(url).split("//")[1].split("/")[0].strip("[]"), 80)  # type: ignore[union-attr]
        with pytest.raises(BlockedURLError, match="refused even with allow_private"):
            asyncio.run(check_url(url, allow_private=True, trusted_origins={key}))

    async def metadata_name(host: str, port: int) -> list[str]:
        return ["169.254.169.254"]

    with pytest.raises(BlockedURLError, match="refused even with allow_private"):
        asyncio.run(
            check_url(
                "http://metadata.google.internal/computeMetadata/v1/",
                allow_private=True,
                trusted_origins={("http", "metadata.google.internal", 80)},
                resolver=metadata_name,
            )
        )


def test_host_alias_to_metadata_is_refused(tmp_path: Path) -> None:
    """2.08: public start URL aliased to the metadata address with allow_private -> skipped by the guard.

    The test session refuses every non-loopback connect, so the guard's message proves no connection was tried.
    """
    source = Source(
        name="alias1",
        start_urls=["https://www.example.org/"],
        host_aliases={"https://www.example.org": "http://169.254.169.254"},
        allow_private=True,
        use_sitemap=False,
        respect_robots=False,
    )
    rec = by_url(run_crawl(source, tmp_path))["https://www.example.org/"]
    assert rec.status == "skipped"
    assert "169.254.169.254" in (rec.error or "") and "refused even with allow_private" in (rec.error or "")


def test_other_port_on_trusted_address_is_refused(servers: Servers, tmp_path: Path) -> None:
    """7.05: trust is per origin; 127.0.0.1:<other port> is another service even when allowed_hosts lists it."""
    internal = servers.start({"/secret": SECRET})
    b = f"127.0.0.1:{internal.port}"
    site = servers.start({})
    site.routes.update(
        {
            "/": html("/redir", f"http://{b}/secret?via=link", text="start"),
            "/redir": Reply(302, headers={"Location": f"http://{b}/secret?via=redirect"}),
        }
    )
    a = f"127.0.0.1:{site.port}"
    source = Source(
        name="t",
        start_urls=[f"http://{a}/"],
        allowed_hosts=[a, b],
        allow_private=True,
        use_sitemap=False,
        respect_robots=False,
        rate_limit_per_s=1000,
    )
    records = by_url(run_crawl(source, tmp_path))
    assert internal.requests == []
    assert records[f"http://{a}/"].status == "new"
    for url in (f"http://{a}/redir", f"http://{b}/secret?via=link"):
        assert records[url].status == "skipped"
        assert "not one of the source's own origins" in (records[url].error or "")


def test_ipv6_literal_urls(servers: Servers, tmp_path: Path) -> None:
    """7.03: [::1] sources crawl when allowed; an IPv4-mapped literal of another service is refused."""
    internal = servers.start({"/secret": SECRET})
    mapped = f"[::ffff:127.0.0.1]:{internal.port}"
    site = servers.start({}, host="::1")
    site.routes.update({"/": html("/b.html", f"http://{mapped}/secret"), "/b.html": html(text="page b")})
    assert normalize(f"http://[::1]:{site.port}/x") == f"http://[::1]:{site.port}/x"
    source = Source(
        name="v6",
        start_urls=[f"{site.origin}/"],
        allowed_hosts=[f"[::1]:{site.port}", mapped],
        allow_private=True,
        use_sitemap=False,
        respect_robots=False,
        rate_limit_per_s=1000,
    )
    records = by_url(run_crawl(source, tmp_path))
    assert records[f"{site.origin}/"].status == "new"
    assert records[f"{site.origin}/b.html"].status == "new"
    assert records[f"http://{mapped}/secret"].status == "skipped"
    assert "non-public address" in (records[f"http://{mapped}/secret"].error or "")
    assert internal.requests == []


def test_dns_rebinding_connects_to_the_checked_address(servers: Servers) -> None:
    """7.07: the name is resolved once; the connection goes to the address that was checked."""
    site, internal = servers.pair({"/secret": Reply(body=b"public page")}, {"/secret": SECRET})
    calls: list[str] = []

    async def rebinding(host: str, port: int) -> list[str]:  # TTL 0: the second answer differs
        calls.append(host)
        return ["127.0.0.1"] if len(calls) == 1 else ["127.0.0.2"]

    url = f"http://rebind.test:{site.port}/secret"
    f = fetcher(allow_private=True, trusted_origins={("http", "rebind.test", site.port)}, resolver=rebinding)
    assert asyncio.run(fetch(f, url)) == b"public page"
    assert calls == ["rebind.test"] and internal.requests == []
    assert site.headers[0]["host"] == f"rebind.test:{site.port}"  # the name stays in the Host header

    calls.clear()

    async def public_then_internal(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["93.184.216.34"] if len(calls) == 1 else ["127.0.0.2"]

    # the checked public address is what the connection uses (this test machine refuses it: no network)
    with pytest.raises(FetchError) as err:
        asyncio.run(fetch(fetcher(resolver=public_then_internal), url))
    assert err.value.code == "network" and calls == ["rebind.test"] and internal.requests == []


def test_mixed_dns_answers_are_refused(servers: Servers) -> None:
    site = servers.start({"/": Reply(body=b"x")})

    async def mixed(host: str, port: int) -> list[str]:
        return ["127.0.0.1", "169.254.169.254"]

    f = fetcher(allow_private=True, trusted_origins={("http", "mixed.test", site.port)}, resolver=mixed)
    with pytest.raises(BlockedURLError, match="169.254.169.254"):
        asyncio.run(fetch(f, f"http://mixed.test:{site.port}/"))
    assert site.requests == []


def test_redirect_to_internal_address_refused_by_guard(servers: Servers) -> None:
    """A redirect that scope would allow still meets the address guard on the hop's connection."""
    site, internal = servers.pair({}, {"/secret": SECRET})
    site.routes["/r"] = Reply(302, headers={"Location": f"http://127.0.0.2:{site.port}/secret"})
    f = fetcher(allow_private=True, trusted_origins={("http", "127.0.0.1", site.port)})
    with pytest.raises(BlockedURLError, match="127.0.0.2"):
        asyncio.run(fetch(f, f"{site.origin}/r"))
    assert internal.requests == []


def test_literal_refusal_for_configuration_checks() -> None:
    """No DNS needed to refuse a configured metadata or link-local literal (what `sources check` can call)."""
    for url in (
        "http://169.254.169.254/latest/",
        "http://[fd00:ec2::254]/",
        "http://100.100.100.200/",
        "http://[fe80::1]/",
    ):
        assert "never crawled" in (literal_refusal(url) or ""), url
    for url in ("http://127.0.0.1:8080/", "https://www.example.org/", "http://10.0.0.5/"):
        assert literal_refusal(url) is None, url  # loopback/private: allowed for the source's own origins


@pytest.mark.parametrize(
    "url",
    ["http://2130706433/", "http://0x7f000001/", "http://127.1/", "http://0177.0.0.1/", "http://127.0.0.1./"],
)
def test_other_spellings_of_loopback_are_not_the_trusted_origin(url: str) -> None:
    """7.02 variants: numeric spellings resolve to loopback, and they are not the trusted origin 127.0.0.1:80."""
    with pytest.raises(BlockedURLError, match=r"non-public address 127\.0\.0\.1|cannot resolve"):
        asyncio.run(check_url(url, allow_private=True, trusted_origins={("http", "127.0.0.1", 80)}))
