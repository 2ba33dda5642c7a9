"""SSRF guard: refuse private, loopback, link-local and reserved targets.

Every request hop (redirects included) is checked before it is sent. `allow_private` (a source setting)
only trusts the source's own configured origins, i.e. the hosts of its start URLs and host-alias
targets: a page on such an internal host that redirects to another private address (cloud metadata
at 169.254.169.254, a different loopback service) is still refused.

Known limit: the check resolves the name, then httpx resolves it again when connecting (a DNS-rebinding
window). Pin addresses at the network layer (egress firewall) where that matters.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from auskunft.errors import BlockedURLError


def is_public_ip(ip: str) -> bool:
    addr = ipaddress.ip_address(ip.split("%", 1)[0])  # drop an IPv6 zone id
    return not (
        addr.is_private
        or addr.is_loopback
        or addr.is_link_local
        or addr.is_reserved
        or addr.is_multicast
        or addr.is_unspecified
    )


async def check_url(url: str, *, allow_private: bool, trusted_hosts: frozenset[str] = frozenset()) -> None:
    """Raise BlockedURLError unless the URL's host resolves only to public addresses.

    With `allow_private`, hosts in `trusted_hosts` (lower-case host names without port) are not checked.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BlockedURLError(f"unsupported URL: {url}", code="ssrf")
    host = parts.hostname.lower()
    if allow_private and host in trusted_hosts:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 0, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise BlockedURLError(f"cannot resolve {host}: {exc}", code="ssrf") from exc
    for *_, sockaddr in infos:
        if not is_public_ip(str(sockaddr[0])):
            hint = "" if allow_private else " (set allow_private: true for this source)"
            raise BlockedURLError(
                f"SSRF guard: {host} resolves to non-public address {sockaddr[0]}{hint}", code="ssrf"
            )
