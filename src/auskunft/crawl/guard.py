"""SSRF guard: refuse private, loopback, link-local and reserved targets unless the source allows them."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from auskunft.errors import BlockedURLError


def _is_public(ip: str) -> bool:
    addr = ipaddress.ip_address(ip)
    return not (addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved
                or addr.is_multicast or addr.is_unspecified)


async def check_url(url: str, *, allow_private: bool) -> None:
    """Raise BlockedURLError when the URL's host resolves to a non-public address (and that is not allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BlockedURLError(f"unsupported URL: {url}")
    if allow_private:
        return
    host = parts.hostname
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 0, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise BlockedURLError(f"cannot resolve {host}: {exc}") from exc
    for *_, sockaddr in infos:
        if not _is_public(str(sockaddr[0])):
            raise BlockedURLError(
                f"{host} resolves to non-public address {sockaddr[0]} (set allow_private: true for this source)"
            )
