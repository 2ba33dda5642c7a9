"""An httpx transport that connects only to addresses the SSRF guard checked (no DNS-rebinding window).

httpx/httpcore resolve host names inside the network backend's `connect_tcp`. We replace that backend:
it asks the AddressGuard for the host's checked addresses (one resolution) and opens the TCP connection
to one of those IP addresses. The URL keeps the host name, so the Host header, TLS SNI and certificate
verification still use the name (httpcore starts TLS on the connected stream with the origin's host name).
Keep-alive connections are reused per origin, so a connection is always to an address that was checked when
it was opened.

httpx has no public option for the network backend, so `guarded_transport` builds the
httpcore pool itself (tests/security/test_crawl_guard.py fails if a new httpx bypasses it).
"""

from __future__ import annotations

import ssl
import typing

import certifi
import httpcore
import httpx

from auskunft.crawl.guard import AddressGuard
from auskunft.errors import BlockedURLError


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """connect_tcp(host) -> connect to an address of `host` that the guard accepted."""

    def __init__(self, guard: AddressGuard, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.guard = guard
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.guard.resolve(host, port, timeout_s=timeout)
        error: Exception | None = None
        for ip in addresses:
            try:
                return await self.inner.connect_tcp(
                    ip, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedURLError("unix sockets are not crawled", code="ssrf")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def guarded_transport(guard: AddressGuard) -> httpx.AsyncHTTPTransport:
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(  # noqa: SLF001 - see the module docstring
        ssl_context=ssl.create_default_context(cafile=certifi.where()),
        max_connections=100,
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        network_backend=PinnedBackend(guard),
    )
    return transport
