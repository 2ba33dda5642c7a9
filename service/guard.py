"""The service's front door: a small HTTP/1.1 layer (h11) between the network and the Robyn workers.

Robyn 0.88 (the newest release) reads a request body whole, in Rust, before any Python code runs: a 1 GiB
body is 3 GiB of memory before the route can answer 413, a multipart body is parsed before the route can
refuse it, and a malformed chunk size makes `src/types/request.rs` panic, which aborts the process (the
crate is built with `panic = "abort"`). None of that can be fixed inside a route, so every request passes
this layer first:

- the request head is parsed with bounds (size, time); `Content-Length` is checked before one body byte is
  read, a chunked body is counted as it arrives, and the bytes buffered by all requests together have a
  budget of their own;
- malformed framing (a bad chunk size, CL and TE together, a Transfer-Encoding other than chunked) ends
  here with a JSON 400; no endpoint takes multipart bodies, so they end here too (415) and Robyn never
  parses one;
- the worker gets a clean request with a `Content-Length` (never chunked), plus the client's address,
  signed with a secret that only this process and its workers know (the worker's own peer is loopback);
- the response is relayed as it comes (server-sent events keep streaming);
- while a worker restarts, requests wait for it (`worker_wait_s`) instead of being refused;
- answer requests are admitted by expected wait here, before any worker (service/guard_admission.py): beyond
  the bound the guard itself answers `busy` at once, however busy the workers' CPUs are.

Errors use the service's JSON shape `{"error": {"code", "message", "request_id"}}` with stable codes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus

import h11

from auskunft.errors import ServiceBusyError
from service.guard_admission import AnswerAdmission, Ticket, is_answer

log = logging.getLogger("auskunft.service.guard")

PEER_HEADER = b"x-auskunft-peer"
SECRET_HEADER = b"x-auskunft-guard"
# headers that describe one hop, not the request: never forwarded (framing is redone for the worker)
_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"transfer-encoding",
        b"te",
        b"trailer",
        b"upgrade",
        b"content-length",
        b"expect",
        PEER_HEADER,
        SECRET_HEADER,
    }
)
_RESPONSE_HOP = _HOP - {b"content-length"}
_SECURITY = [
    (b"content-type", b"application/json; charset=utf-8"),
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
]
_RID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_READ = 65_536
_IDEMPOTENT = frozenset({b"GET", b"HEAD", b"OPTIONS"})


@dataclass(frozen=True)
class GuardLimits:
    max_body_bytes: int = 512 * 1024  # above every route's own bound (console forms: 256 KiB)
    buffer_budget_bytes: int = 64 * 1024 * 1024  # bodies held by all requests at once
    max_head_bytes: int = 16 * 1024
    head_timeout_s: float = 20.0  # first byte to end of head, also the keep-alive idle time
    body_timeout_s: float = 30.0
    worker_wait_s: float = 30.0  # how long a request waits for a worker that is (re)starting
    max_connections: int = 4096


class GuardError(Exception):
    """A request that ends at the guard: status, stable code, message."""

    def __init__(self, status: int, code: str, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.retry_after = status, code, retry_after


class WorkerUnavailable(GuardError):
    def __init__(self, message: str) -> None:
        super().__init__(503, "service_restarting", message, retry_after=5)


Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]
Connector = Callable[[float], Awaitable[Streams]]  # deadline (loop time) -> a connection to a live worker


def _error_status(exc: h11.RemoteProtocolError) -> tuple[int, str]:
    status = exc.error_status_hint
    if status == 431:
        return 431, "headers_too_large"
    if status == 501:
        return 501, "unsupported_transfer_encoding"
    return 400, "malformed_request"


class _Budget:
    def __init__(self, limit: int) -> None:
        self.limit, self.used = limit, 0

    def take(self, n: int) -> None:
        if self.used + n > self.limit:
            raise GuardError(503, "busy", "too many large requests at once, retry shortly", retry_after=2)
        self.used += n

    def give(self, n: int) -> None:
        self.used -= n


class Guard:
    """One asyncio server; each client connection is served request by request (keep-alive, pipelining
    in order), each request relayed over a kept connection to a live worker."""

    def __init__(
        self,
        connect: Connector,
        secret: str,
        limits: GuardLimits | None = None,
        admission: AnswerAdmission | None = None,
    ) -> None:
        self.connect, self.secret = connect, secret.encode()
        self.limits = limits or GuardLimits()
        self.admission = admission
        self.budget = _Budget(self.limits.buffer_budget_bytes)
        self.connections = 0

    async def serve(self, host: str, port: int) -> asyncio.Server:
        return await asyncio.start_server(self._client, host, port, reuse_address=True, backlog=4096)

    # ------------------------------------------------------------------------------------ one client
    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        backend: _Backend | None = None
        try:
            if self.connections > self.limits.max_connections:
                return
            peer = writer.get_extra_info("peername")
            conn = h11.Connection(h11.SERVER, max_incomplete_event_size=self.limits.max_head_bytes)
            ip = str(peer[0]) if isinstance(peer, tuple) else "unknown"
            while True:
                keep, backend = await self._one(conn, reader, writer, ip, backend)
                if not keep or conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                    break
                conn.start_next_cycle()
        except (ConnectionError, asyncio.IncompleteReadError, h11.LocalProtocolError):
            pass  # the client went away or could not be answered any more
        except Exception:
            log.exception("guard: unexpected error on a client connection")
        finally:
            self.connections -= 1
            if backend is not None:
                backend.close()
            writer.close()

    async def _event(
        self, conn: h11.Connection, reader: asyncio.StreamReader, timeout: float
    ) -> h11.Event | type[h11.PAUSED]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = conn.next_event()
            if event is not h11.NEED_DATA:
                return event  # type: ignore[return-value]
            left = deadline - loop.time()
            if left <= 0:
                raise GuardError(408, "request_timeout", "request not complete in time")
            try:
                data = await asyncio.wait_for(reader.read(_READ), left)
            except TimeoutError as exc:
                raise GuardError(408, "request_timeout", "request not complete in time") from exc
            conn.receive_data(data)

    async def _one(
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        ip: str,
        backend: _Backend | None,
    ) -> tuple[bool, _Backend | None]:
        """Serve the next request on this connection; returns (keep the connection, the worker connection)."""
        rid = uuid.uuid4().hex
        held = 0
        try:
            try:
                event = await self._event(conn, reader, self.limits.head_timeout_s)
            except GuardError as exc:
                if conn.their_state is h11.IDLE and not conn.trailing_data[0]:
                    return False, backend  # an idle keep-alive connection: close it quietly
                raise exc
            if not isinstance(event, h11.Request):
                return False, backend  # ConnectionClosed
            headers = list(event.headers)
            sent_rid = _header(headers, b"x-request-id").decode("latin-1")
            rid = sent_rid if _RID.fullmatch(sent_rid) else rid
            body, held = await self._body(conn, reader, writer, event, headers)
            adm = self.admission
            ticket: Ticket | None = None
            if adm is not None and is_answer(event.method, event.target):
                ticket = adm.enter()
                if ticket is None:
                    await self._busy(adm, conn, writer, headers, rid)
                    return True, backend
            try:
                backend = await self._relay(event, headers, body, ip, rid, conn, writer, backend, ticket)
            finally:
                if adm is not None and ticket is not None:
                    adm.leave(ticket)  # also when the client or the worker went away
            return True, backend
        except h11.RemoteProtocolError as exc:
            status, code = _error_status(exc)
            await self._refuse(
                conn, reader, writer, GuardError(status, code, f"malformed request: {exc}"), rid
            )
        except GuardError as exc:
            await self._refuse(conn, reader, writer, exc, rid)
        finally:
            self.budget.give(held)
        return False, backend

    async def _body(
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        req: h11.Request,
        headers: list[tuple[bytes, bytes]],
    ) -> tuple[bytes, int]:
        """The body, read only when its framing and size are acceptable; (body, bytes taken from the budget)."""
        limit = self.limits.max_body_bytes
        te, cl = _header(headers, b"transfer-encoding"), _header(headers, b"content-length")
        if te and cl:  # a smuggling attempt or a broken client: RFC 9112 6.1 allows refusing it
            raise GuardError(400, "malformed_request", "Content-Length and Transfer-Encoding together")
        media = _header(headers, b"content-type").split(b";", 1)[0].strip().lower()
        if media.startswith(b"multipart/"):
            raise GuardError(415, "unsupported_media_type", "multipart bodies are not accepted here")
        declared = int(cl) if cl else 0
        if declared > limit:
            raise GuardError(413, "payload_too_large", f"request body larger than {limit} bytes")
        self.budget.take(declared)
        held = declared
        try:
            if conn.they_are_waiting_for_100_continue:
                writer.write(conn.send(h11.InformationalResponse(status_code=100, headers=[])))
            chunks: list[bytes] = []
            size = 0
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.limits.body_timeout_s
            while True:
                event = await self._event(conn, reader, max(0.0, deadline - loop.time()))
                if isinstance(event, h11.EndOfMessage):
                    return b"".join(chunks), held
                if isinstance(event, h11.Data):
                    size += len(event.data)
                    if size > limit:
                        raise GuardError(413, "payload_too_large", f"request body larger than {limit} bytes")
                    if size > held:
                        self.budget.take(size - held)
                        held = size
                    chunks.append(bytes(event.data))
                else:
                    raise GuardError(400, "malformed_request", "request body ended early")
        except BaseException:
            self.budget.give(held)
            raise

    # ------------------------------------------------------------------------------------ to the worker
    async def _relay(
        self,
        req: h11.Request,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        ip: str,
        rid: str,
        conn: h11.Connection,
        writer: asyncio.StreamWriter,
        backend: _Backend | None,
        ticket: Ticket | None = None,
    ) -> _Backend | None:
        fwd = [(n, v) for n, v in headers if n not in _HOP]
        if not any(n == b"host" for n, _ in fwd):
            fwd.append((b"host", b"localhost"))
        fwd += [
            (b"content-length", str(len(body)).encode()),
            (PEER_HEADER, ip.encode()),
            (SECRET_HEADER, self.secret),
        ]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.limits.worker_wait_s
        retries = 0
        while True:
            kept = backend is not None and not backend.closed
            if not kept:
                backend = _Backend(*await self.connect(deadline))
            assert backend is not None
            try:
                await backend.send_request(req.method, req.target, fwd, body)
                first = await backend.response_head()
                break
            except (ConnectionError, OSError, h11.RemoteProtocolError, asyncio.IncompleteReadError) as exc:
                backend.close()
                backend = None
                # a kept connection may have been closed by the worker between requests, and a request that
                # changes nothing may be sent again (the worker died under it, or was dying when it came):
                # a POST that met a dying worker is not repeated, it may have been carried out
                again = kept and retries == 0 or req.method in _IDEMPOTENT and loop.time() < deadline
                if not again:
                    raise GuardError(502, "worker_failed", "the service failed on this request") from exc
                retries += 1
                await asyncio.sleep(0.05)
        assert backend is not None
        if ticket is not None:
            ticket.head(first.status_code)
        resp_headers = [(n, v) for n, v in first.headers if n not in _RESPONSE_HOP]
        writer.write(
            conn.send(h11.Response(status_code=first.status_code, headers=resp_headers, reason=first.reason))
        )
        await writer.drain()
        try:
            async for data in backend.body():
                if ticket is not None:
                    ticket.piece(data)
                writer.write(conn.send(h11.Data(data=data)))
                await writer.drain()
        except (ConnectionError, OSError, h11.RemoteProtocolError, asyncio.IncompleteReadError):
            backend.close()
            raise ConnectionError("worker connection lost mid-response") from None
        writer.write(conn.send(h11.EndOfMessage()))
        await writer.drain()
        if not backend.reusable():
            backend.close()
            return None
        return backend

    async def _busy(
        self,
        adm: AnswerAdmission,
        conn: h11.Connection,
        writer: asyncio.StreamWriter,
        headers: list[tuple[bytes, bytes]],
        rid: str,
    ) -> None:
        """The service's own `busy` answer (as the worker's gate gives it: 503, JSON, Retry-After, CORS for an
        allowed origin so that the widget can read it and retry); the connection stays open."""
        message = ServiceBusyError.MESSAGE
        body = json.dumps({"error": {"code": "busy", "message": message, "request_id": rid}}).encode()
        out = [
            *_SECURITY,
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"content-length", str(len(body)).encode()),
            (b"x-request-id", rid.encode()),
            (b"retry-after", str(adm.retry_after_s()).encode()),
        ]
        origin = _header(headers, b"origin").decode("latin-1")
        if origin and origin.rstrip("/") in adm.limits.allowed_origins:
            out += [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"vary", b"Origin"),
                (b"access-control-expose-headers", b"Retry-After, X-Request-ID"),
            ]
        writer.write(conn.send(h11.Response(status_code=503, headers=out, reason=b"Service Unavailable")))
        writer.write(conn.send(h11.Data(data=body)))
        writer.write(conn.send(h11.EndOfMessage()))
        await writer.drain()

    async def _refuse(
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        exc: GuardError,
        rid: str,
    ) -> None:
        """Answer with the JSON error (when the connection can still carry an answer), then close."""
        if exc.status >= 500 and exc.code not in ("busy", "service_restarting"):
            log.warning("guard: request %s refused: %s %s", rid, exc.code, exc)
        if conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        body = json.dumps({"error": {"code": exc.code, "message": str(exc), "request_id": rid}}).encode()
        headers = [
            *_SECURITY,
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
            (b"x-request-id", rid.encode()),
        ]
        if exc.retry_after is not None:
            headers.append((b"retry-after", str(exc.retry_after).encode()))
        try:
            if conn.our_state is h11.IDLE:  # the head itself was broken: answer outside the state machine
                writer.write(_raw_response(exc.status, headers, body))
            else:
                writer.write(
                    conn.send(
                        h11.Response(status_code=exc.status, headers=headers, reason=_reason(exc.status))
                    )
                )
                writer.write(conn.send(h11.Data(data=body)))
                writer.write(conn.send(h11.EndOfMessage()))
            await asyncio.wait_for(writer.drain(), 5)
            await _linger(reader, writer)
        except (ConnectionError, TimeoutError, h11.LocalProtocolError):
            pass


async def _linger(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seconds: float = 30.0, idle_s: float = 5.0
) -> None:
    """Lingering close (nginx's lingering_close): after the answer, read and drop what the client is still
    sending (at most `seconds`, or until it pauses for `idle_s`), so that closing does not reset the
    connection and take the answer with it: a client that sends a body it was refused reads the 413 when
    it is done. Nothing read here is kept."""
    if writer.can_write_eof():
        writer.write_eof()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (left := deadline - loop.time()) > 0:
        try:
            if not await asyncio.wait_for(reader.read(_READ), min(left, idle_s)):
                return
        except (TimeoutError, ConnectionError):
            return


class _Backend:
    """One kept HTTP/1.1 connection to a worker."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.conn = h11.Connection(h11.CLIENT)
        self.closed = False

    async def send_request(
        self, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> None:
        w = self.writer
        w.write(self.conn.send(h11.Request(method=method, target=target, headers=headers)))
        if body:
            w.write(self.conn.send(h11.Data(data=body)))
        w.write(self.conn.send(h11.EndOfMessage()))
        await w.drain()

    async def _next(self) -> h11.Event:
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                self.conn.receive_data(await self.reader.read(_READ))
                continue
            return event  # type: ignore[return-value]

    async def response_head(self) -> h11.Response:
        while True:
            event = await self._next()
            if isinstance(event, h11.Response):
                return event
            if isinstance(event, h11.ConnectionClosed):
                raise ConnectionError("worker closed the connection")

    async def body(self):  # noqa: ANN201 - async generator of bytes
        while True:
            event = await self._next()
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionError("worker closed the connection mid-response")

    def reusable(self) -> bool:
        if self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE:
            self.conn.start_next_cycle()
            return True
        return False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.writer.close()


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes:
    return next((v for n, v in headers if n == name), b"")


def _reason(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode()
    except ValueError:
        return b"Error"


def _raw_response(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    head = b"HTTP/1.1 %d %s\r\n" % (status, _reason(status))
    head += b"".join(n + b": " + v + b"\r\n" for n, v in headers)
    return head + b"\r\n" + body
