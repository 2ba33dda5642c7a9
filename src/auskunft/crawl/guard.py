"""SSRF guard: which addresses a crawl may connect to, decided per connection on the resolved address.

What is checked (the same for the HTTP fetcher and for every request of the rendering browser, which is
fulfilled through the fetcher, see render.py):

- The URL must be http(s) with a host. Scope (scope.py) is decided per origin (scheme, host, port).
- The host is resolved once and every address it resolves to is classified; one refused address refuses
  the host. The connection is then made to the checked address (transport.py pins it), so a DNS answer that
  changes between check and connect (DNS rebinding) cannot redirect the connection.
- Addresses that embed an IPv4 address are judged by that address: IPv4-mapped (::ffff:a.b.c.d),
  IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96, 64:ff9b:1::/48) and 6to4 (2002::/16).
- Always refused, even with `allow_private`: link-local (169.254.0.0/16, fe80::/10), cloud metadata
  endpoints (169.254.169.254, 169.254.170.2, 100.100.100.200, fd00:ec2::254, 168.63.129.16, 192.0.0.192),
  unspecified, multicast, broadcast, reserved (240.0.0.0/4) and Teredo (2001::/32).
- Every other non-global address (loopback, RFC 1918, unique-local fc00::/7, shared 100.64.0.0/10, ...) is
  allowed only with the source's `allow_private` and only for the source's own trusted origins: the
  origins of its start URLs and host-alias targets, with their port. Another port on a trusted address is
  another origin (another service) and is refused.
- Everything else must be globally routable (`ipaddress` is_global, checked against the IANA special-purpose
  registries by hand as well, as Python versions differ on some ranges).

This follows the OWASP SSRF prevention cheat sheet (allow-list of origins, resolve and validate every
address, no redirect to unvalidated targets, connect to the validated address).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import urlsplit

from auskunft.errors import BlockedURLError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]  # (host, port) -> addresses

DEFAULT_PORTS = {"http": 80, "https": 443}

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
        "169.254.170.2",  # AWS ECS task metadata
        "100.100.100.200",  # Alibaba Cloud
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "168.63.129.16",  # Azure wireserver (a public address)
        "192.0.0.192",  # Oracle Cloud (legacy)
    )
)
_ALWAYS_REFUSED_NETS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "169.254.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",  # reserved, includes 255.255.255.255
        "::/128",
        "fe80::/10",
        "ff00::/8",
        "2001::/32",  # Teredo
    )
)
# Not globally routable (IANA special-purpose registries); is_global misses some of these in Python 3.11.
_NOT_GLOBAL_NETS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "::1/128",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "fc00::/7",
        "fec0::/10",
    )
)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def embedded_ipv4(addr: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, compatible, NAT64, 6to4), else None."""
    if isinstance(addr, ipaddress.IPv4Address):
        return None
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if any(addr in net for net in _NAT64) or (addr in _IPV4_COMPATIBLE and int(addr) > 1):
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return None


def classify(ip: str | IPAddress) -> str:
    """'refused' (never connected to), 'internal' (only trusted origins with allow_private) or 'public'."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0]) if isinstance(ip, str) else ip
    inner = embedded_ipv4(addr)
    for candidate in (addr, inner) if inner is not None else (addr,):
        if candidate in METADATA_ADDRESSES or any(candidate in net for net in _ALWAYS_REFUSED_NETS):
            return "refused"
        if candidate.is_link_local or candidate.is_multicast or candidate.is_unspecified:
            return "refused"
    judged = inner if inner is not None else addr
    if not judged.is_global or any(judged in net for net in _NOT_GLOBAL_NETS):
        return "internal"
    return "public"


def is_public_ip(ip: str) -> bool:
    return classify(ip) == "public"


def origin_key(url: str) -> tuple[str, str, int] | None:
    """(scheme, host without brackets, effective port) of an http(s) URL, else None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme]


async def system_resolver(host: str, port: int) -> list[str]:
    """All addresses of `host` (an IP literal stays itself), in the resolver's order."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    out: list[str] = []
    for *_, sockaddr in infos:
        ip = str(sockaddr[0]).split("%", 1)[0]
        if ip not in out:
            out.append(ip)
    return out


class AddressGuard:
    """Resolves a host once and returns the addresses a connection to (host, port) may use."""

    def __init__(
        self,
        *,
        allow_private: bool,
        trusted_origins: Iterable[tuple[str, str, int]] = (),
        resolver: Resolver | None = None,
    ) -> None:
        self.allow_private = allow_private
        # the transport sees (host, port) only; http and https on one host:port are one service
        self.trusted = frozenset((host, port) for _scheme, host, port in trusted_origins)
        self.resolver = resolver or system_resolver

    async def resolve(self, host: str, port: int, *, timeout_s: float | None = None) -> list[str]:
        """Checked addresses for a connection to host:port; raises BlockedURLError."""
        host = host.strip("[]").lower()
        try:
            async with asyncio.timeout(timeout_s):
                addresses = await self.resolver(host, port)
        except TimeoutError as exc:
            raise BlockedURLError(f"cannot resolve {host}: timeout", code="ssrf") from exc
        except (OSError, UnicodeError) as exc:
            raise BlockedURLError(f"cannot resolve {host}: {exc}", code="ssrf") from exc
        if not addresses:
            raise BlockedURLError(f"cannot resolve {host}: no address", code="ssrf")
        trusted = self.allow_private and (host, port) in self.trusted
        for ip in addresses:
            kind = classify(ip)
            if kind == "refused":
                raise BlockedURLError(
                    f"SSRF guard: {host} resolves to {ip} (link-local, metadata or reserved), "
                    "refused even with allow_private",
                    code="ssrf",
                )
            if kind == "internal" and not trusted:
                if self.allow_private:
                    hint = f" ({host}:{port} is not one of the source's own origins)"
                else:
                    hint = " (set allow_private: true for this source)"
                raise BlockedURLError(
                    f"SSRF guard: {host} resolves to non-public address {ip}{hint}", code="ssrf"
                )
        return addresses


def literal_refusal(url: str) -> str | None:
    """Why a URL whose host is an IP literal is refused whatever the source says (link-local, metadata,
    reserved), else None. No DNS: for validating configuration (sources, host aliases) up front."""
    key = origin_key(url)
    if key is None:
        return f"not an http(s) URL: {url!r}"
    try:
        addr = ipaddress.ip_address(key[1])
    except ValueError:
        return None  # a name: decided when it is resolved, at crawl time
    if classify(addr) == "refused":
        return f"{addr} is link-local, a cloud metadata endpoint or reserved: never crawled"
    return None


async def check_url(
    url: str,
    *,
    allow_private: bool,
    trusted_origins: Iterable[tuple[str, str, int]] = (),
    resolver: Resolver | None = None,
) -> list[str]:
    """Raise BlockedURLError unless the URL may be fetched; returns the checked addresses."""
    key = origin_key(url)
    if key is None:
        raise BlockedURLError(f"unsupported URL: {url}", code="ssrf")
    guard = AddressGuard(allow_private=allow_private, trusted_origins=trusted_origins, resolver=resolver)
    return await guard.resolve(key[1], key[2])
