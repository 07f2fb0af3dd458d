"""One SMPP 3.4 session over TCP, as an ESME bound as transceiver (sections 2.2-2.9, 4).

The session frames PDUs, numbers its requests and matches each response to its request by
sequence number, keeps at most `window` submit_sm waiting for their response, answers the
SMSC's requests (deliver_sm or data_sm after the handler has stored it, enquire_link, unbind;
alert_notification has no response) and sends
enquire_link when the line has been idle. A request unanswered within `response_timeout`, or an
enquire_link left unanswered, closes the connection: whoever owns the session reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.channels.smpp import pdu
from bot.channels.smpp.pdu import Pdu, PduError

log = logging.getLogger(__name__)

DeliverHandler = Callable[[Pdu], Awaitable[int]]  # a deliver_sm → the deliver_sm_resp status


@dataclass(frozen=True)
class Endpoint:
    """Where the SMSC is and who we are to it."""

    host: str
    port: int
    system_id: str
    password: str
    system_type: str = ""
    window: int = 10  # submit_sm waiting for their response at most
    response_timeout: float = 10.0  # seconds for any response
    enquire_interval: float = 30.0  # seconds of silence before enquire_link
    connect_timeout: float = 10.0


class SessionClosed(ConnectionError):
    """The connection is gone; requests in flight have no answer."""


class CommandFailed(Exception):
    """The SMSC answered a request with a non-zero command_status."""

    def __init__(self, command: str, status: int) -> None:
        super().__init__(f"{command}: {pdu.status_name(status)}")
        self.command = command
        self.status = status


class BindFailed(CommandFailed):
    """The SMSC refused the bind (wrong credentials, already bound...)."""


class Session:
    """A bound transceiver session; `open` connects and binds, `run` serves it until it ends."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        endpoint: Endpoint,
        on_deliver: DeliverHandler,
    ) -> None:
        self._reader, self._writer = reader, writer
        self._endpoint = endpoint
        self._on_deliver = on_deliver
        self._sequence = 0
        self._pending: dict[int, tuple[str, asyncio.Future[Pdu]]] = {}
        self._window = asyncio.Semaphore(endpoint.window)
        self._closed = asyncio.Event()
        self._heard = asyncio.Event()  # set on every PDU from the SMSC (idle timer)
        self._tasks: list[asyncio.Task[None]] = []
        self.bound = False
        self.smsc_system_id = ""

    @classmethod
    async def open(cls, endpoint: Endpoint, on_deliver: DeliverHandler) -> Session:
        """Connect (TCP_NODELAY on) and bind as transceiver; BindFailed or OSError otherwise."""
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(endpoint.host, endpoint.port), endpoint.connect_timeout
        )
        sock = writer.get_extra_info("socket")
        if sock is not None:  # small PDUs go at once, not after Nagle's wait for an ACK
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        session = cls(reader, writer, endpoint, on_deliver)
        reading = asyncio.create_task(session._read_loop(), name="smpp-read")
        session._tasks.append(reading)
        try:
            answer = await session.request(
                "bind_transceiver",
                system_id=endpoint.system_id,
                password=endpoint.password,
                system_type=endpoint.system_type,
                interface_version=pdu.INTERFACE_VERSION,
                addr_ton=0,
                addr_npi=0,
                address_range="",
            )
        except CommandFailed as error:
            await session.close()
            raise BindFailed(error.command, error.status) from error
        except BaseException:
            await session.close()
            raise
        session.bound = True
        session.smsc_system_id = answer.text("system_id")
        session._tasks.append(asyncio.create_task(session._keep_alive(), name="smpp-enquire"))
        return session

    @property
    def no_delay(self) -> bool:
        """Whether TCP_NODELAY is on for the connection (Nagle's algorithm off)."""
        sock = self._writer.get_extra_info("socket")
        return sock is not None and bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    @property
    def closed(self) -> bool:
        """Whether the connection is gone."""
        return self._closed.is_set()

    async def wait_closed(self) -> None:
        """Wait until the connection is gone."""
        await self._closed.wait()

    def _next_sequence(self) -> int:
        self._sequence = self._sequence % pdu.MAX_SEQUENCE + 1
        return self._sequence

    def _send(self, raw: bytes) -> None:
        if self.closed or self._writer.is_closing():
            raise SessionClosed("the SMPP connection is closed")
        self._writer.write(raw)

    async def request(self, command: str, **fields: Any) -> Pdu:
        """Send a request and wait for its response; CommandFailed on a non-zero status."""
        if self.closed:
            raise SessionClosed("the SMPP connection is closed")
        sequence = self._next_sequence()
        raw = pdu.encode(command, sequence, **fields)
        future: asyncio.Future[Pdu] = asyncio.get_running_loop().create_future()
        self._pending[sequence] = (command, future)
        try:
            self._send(raw)
            try:
                await self._writer.drain()
            except OSError as error:
                self._abort()
                raise SessionClosed(f"{command} could not be written: {error}") from error
            async with asyncio.timeout(self._endpoint.response_timeout):
                answer = await future
        except TimeoutError:
            log.warning("SMSC did not answer %s #%d in time: closing", command, sequence)
            self._abort()
            raise SessionClosed(f"no response to {command} in time") from None
        finally:
            self._pending.pop(sequence, None)
        if answer.status != pdu.ROK:
            raise CommandFailed(command, answer.status)
        return answer

    async def submit(self, **fields: Any) -> str:
        """submit_sm within the window; the SMSC's message_id."""
        async with self._window:
            answer = await self.request("submit_sm", **fields)
        return answer.text("message_id")

    async def unbind(self) -> None:
        """Unbind politely (section 4.2) and close; quietly when the line is already gone."""
        if not self.closed and self.bound:
            with contextlib.suppress(SessionClosed, CommandFailed, OSError):
                await self.request("unbind")
        await self.close()

    async def close(self) -> None:
        """Close the connection and stop the session's tasks."""
        self._abort()
        current = asyncio.current_task()
        tasks = [task for task in self._tasks if task is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()

    def _abort(self) -> None:
        """Mark the session closed, fail what waits for an answer, drop the transport."""
        if self._closed.is_set():
            return
        self._closed.set()
        self.bound = False
        for command, future in self._pending.values():
            if not future.done():
                future.set_exception(SessionClosed(f"connection lost before {command} answered"))
        self._writer.transport.abort()

    async def _read_loop(self) -> None:
        try:
            while True:
                raw = await self._read_pdu()
                self._heard.set()
                await self._dispatch(raw)
        except (asyncio.IncompleteReadError, ConnectionError, OSError) as error:
            if not self.closed:
                log.warning("SMPP connection lost: %s", error or type(error).__name__)
        finally:
            self._abort()

    async def _read_pdu(self) -> bytes:
        head = await self._reader.readexactly(pdu.HEADER_SIZE)
        length = pdu.header(head)[0]
        if not pdu.HEADER_SIZE <= length <= pdu.MAX_PDU:
            sequence = pdu.header(head)[3]
            self._nack(sequence, pdu.RINVCMDLEN)
            raise ConnectionError(f"command_length {length}: the stream cannot be framed")
        return head + await self._reader.readexactly(length - pdu.HEADER_SIZE)

    async def _dispatch(self, raw: bytes) -> None:
        try:
            message = pdu.decode(raw)
        except PduError as error:
            log.warning("unreadable PDU from the SMSC: %s", error)
            if not pdu.header(raw)[1] & pdu.RESPONSE_BIT:
                self._nack(error.sequence, error.status)
            return
        if message.is_response:
            self._on_response(message)
        elif message.command in ("deliver_sm", "data_sm"):  # data_sm: section 4.7, both ways
            status = await self._deliver(message)
            self._answer(message, f"{message.command}_resp", status)
        elif message.command == "alert_notification":  # section 4.12: it has no response
            log.info("SMSC alert_notification #%d ignored", message.sequence)
        elif message.command == "enquire_link":
            self._answer(message, "enquire_link_resp", pdu.ROK)
        elif message.command == "unbind":
            self._answer(message, "unbind_resp", pdu.ROK)
            self.bound = False
            await self._writer.drain()
            raise ConnectionResetError("the SMSC unbound the session")
        else:  # outbind, query_sm...: not played by this ESME (section 4.3)
            self._nack(message.sequence, pdu.RINVCMDID)

    async def _deliver(self, message: Pdu) -> int:
        try:
            return await self._on_deliver(message)
        except Exception:
            log.exception("a deliver_sm could not be stored; the SMSC will deliver it again")
            return pdu.RX_T_APPN

    def _on_response(self, message: Pdu) -> None:
        waiting = self._pending.get(message.sequence)
        if waiting is None:
            log.warning("%s #%d answers no request of ours", message.command, message.sequence)
            return
        _, future = waiting
        if not future.done():
            future.set_result(message)

    def _answer(self, request: Pdu, command: str, status: int) -> None:
        with contextlib.suppress(SessionClosed):
            self._send(pdu.encode(command, request.sequence, status))

    def _nack(self, sequence: int, status: int) -> None:
        if not 1 <= sequence <= pdu.MAX_SEQUENCE:
            sequence = 1  # the header could not be trusted; any valid number
        with contextlib.suppress(SessionClosed):
            self._send(pdu.encode(pdu.GENERIC_NACK, sequence, status))

    async def _keep_alive(self) -> None:
        """enquire_link after `enquire_interval` seconds without a PDU from the SMSC."""
        while not self.closed:
            self._heard.clear()
            try:
                async with asyncio.timeout(self._endpoint.enquire_interval):
                    await self._heard.wait()
                continue
            except TimeoutError:
                pass
            try:
                await self.request("enquire_link")
            except (SessionClosed, CommandFailed) as error:
                log.warning("enquire_link failed, closing the session: %s", error)
                self._abort()
                return
