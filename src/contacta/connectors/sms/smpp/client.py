"""An asyncio SMPP 3.4 ESME: bind as transceiver, submit with a window of messages in flight,
answer deliver_sm (messages and delivery receipts), keep the link alive with enquire_link,
and rebind after a drop."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable

from contacta.connectors.sms.smpp import pdu
from contacta.connectors.sms.smpp.gsm import split

log = logging.getLogger(__name__)

Deliver = Callable[[pdu.ShortMessage], Awaitable[None]]


class SmppError(ConnectionError):
    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class SmppClient:
    def __init__(self, host: str, port: int, system_id: str, password: str, *,
                 on_deliver: Deliver | None = None, window: int = 10,
                 enquire_link_s: float = 30.0, response_timeout_s: float = 15.0) -> None:
        self.host, self.port, self.system_id, self.password = host, port, system_id, password
        self.on_deliver = on_deliver
        self.window = asyncio.Semaphore(window)
        self.enquire_link_s = enquire_link_s
        self.response_timeout_s = response_timeout_s
        self._sequence = itertools.count(1)
        self._pending: dict[int, asyncio.Future[pdu.Pdu]] = {}
        self._writer: asyncio.StreamWriter | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.bound = asyncio.Event()
        self._references = itertools.count(1)

    async def connect(self) -> None:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        self._writer = writer
        self._tasks = [asyncio.create_task(self._read(reader)),
                       asyncio.create_task(self._keepalive())]
        response = await self._request(pdu.BIND_TRANSCEIVER,
                                       pdu.bind_transceiver(self.system_id, self.password))
        if response.status != 0:
            await self.close()
            raise SmppError(f"bind refused (status {response.status:#x})", response.status)
        self.bound.set()

    async def close(self) -> None:
        if self._writer is not None and self.bound.is_set():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._request(pdu.UNBIND), timeout=2)
        self.bound.clear()
        for task in self._tasks:
            task.cancel()
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
        self._fail_pending(SmppError("connection closed"))

    async def send_text(self, source: str, destination: str, text: str,
                        receipt: bool = True) -> list[str]:
        """Submit `text` (split and concatenated when long); returns the SMSC's message ids."""
        ids = []
        for segment in split(text, next(self._references)):
            message = pdu.ShortMessage(
                source=source, destination=destination,
                esm_class=pdu.ESM_UDHI if segment.has_udh else 0,
                data_coding=segment.data_coding, payload=segment.payload,
                registered_delivery=1 if receipt else 0)
            response = await self._request(pdu.SUBMIT_SM, pdu.submit_sm(message))
            if response.status != 0:
                raise SmppError(f"submit_sm refused (status {response.status:#x})",
                                response.status)
            ids.append(pdu.message_id(response.body))
        return ids

    async def _request(self, command_id: int, body: bytes = b"") -> pdu.Pdu:
        if self._writer is None:
            raise SmppError("not connected")
        async with self.window:
            sequence = next(self._sequence)
            future: asyncio.Future[pdu.Pdu] = asyncio.get_running_loop().create_future()
            self._pending[sequence] = future
            self._writer.write(pdu.encode(command_id, sequence, body))
            await self._writer.drain()
            try:
                return await asyncio.wait_for(future, timeout=self.response_timeout_s)
            finally:
                self._pending.pop(sequence, None)

    def _fail_pending(self, error: Exception) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._pending.clear()

    async def _read(self, reader: asyncio.StreamReader) -> None:
        buffer = b""
        try:
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                buffer += chunk
                while True:
                    frame, buffer = pdu.split_frame(buffer)
                    if frame is None:
                        break
                    await self._dispatch(frame)
        except (pdu.PduError, ConnectionError) as exc:
            log.warning("SMPP link to %s:%s broke: %s", self.host, self.port, exc)
        finally:
            self.bound.clear()
            self._fail_pending(SmppError("connection lost"))

    async def _dispatch(self, frame: pdu.Pdu) -> None:
        if frame.command_id & 0x80000000:  # a response to one of our requests
            future = self._pending.get(frame.sequence)
            if future is not None and not future.done():
                future.set_result(frame)
            return
        assert self._writer is not None
        if frame.command_id == pdu.DELIVER_SM:
            status = 0
            try:
                message = pdu.parse_sm(frame.body)
                if self.on_deliver is not None:
                    await self.on_deliver(message)
            except pdu.PduError:
                status = 0x00000008  # ESME_RSYSERR: the SMSC will retry
            except Exception:  # not stored (say, the database is away): the SMSC retries,
                log.exception("deliver_sm not kept")  # and the link stays up for the rest
                status = 0x00000008
            self._writer.write(pdu.encode(pdu.DELIVER_SM_RESP, frame.sequence, b"\x00", status))
        elif frame.command_id == pdu.ENQUIRE_LINK:
            self._writer.write(pdu.encode(pdu.ENQUIRE_LINK_RESP, frame.sequence))
        elif frame.command_id == pdu.UNBIND:
            self._writer.write(pdu.encode(pdu.UNBIND_RESP, frame.sequence))
            self.bound.clear()
        else:
            self._writer.write(pdu.encode(pdu.GENERIC_NACK, frame.sequence, status=0x3))
        await self._writer.drain()

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(self.enquire_link_s)
            if self.bound.is_set():
                try:
                    await self._request(pdu.ENQUIRE_LINK)
                except (SmppError, TimeoutError):
                    log.warning("enquire_link unanswered; the link is presumed down")
                    if self._writer is not None:
                        self._writer.close()
                    return


class Reassembler:
    """Joins concatenated parts (by source and reference) into one text. Parts that never
    complete are not kept forever: past MAX_PENDING messages the oldest is released with what
    arrived, a gap marked "[…]" (its parts were acknowledged to the SMSC: never dropped)."""

    MAX_PENDING = 1000

    def __init__(self) -> None:
        self._parts: dict[tuple[str, int], tuple[int, dict[int, str]]] = {}

    def add(self, source: str, text: str, concat: tuple[int, int, int] | None) -> str | None:
        """The whole text when this part completes a message (or is not a part), else None."""
        return next(iter(self.add_all(source, text, concat)), None)

    def add_all(self, source: str, text: str,
                concat: tuple[int, int, int] | None) -> list[str]:
        """Like add, with the incomplete messages released to make room, oldest first."""
        if concat is None:
            return [text]
        reference, total, sequence = concat
        key = (source, reference)
        _, parts = self._parts.setdefault(key, (total, {}))
        parts[sequence] = text
        if all(n in parts for n in range(1, total + 1)):
            del self._parts[key]
            return [self._joined(total, parts)]
        released = []
        while len(self._parts) > self.MAX_PENDING:
            oldest = next(iter(self._parts))
            expected, waiting = self._parts.pop(oldest)
            released.append(self._joined(expected, waiting))
        return released

    @staticmethod
    def _joined(total: int, parts: dict[int, str]) -> str:
        return "".join(parts.get(n, "[…]") for n in range(1, total + 1))
