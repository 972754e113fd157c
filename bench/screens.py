"""One live screen (phone, projector or console) as a plain websocket client.

Every frame the server pushes is read as it arrives, as a browser does, and stamped with the time
it arrived (`time.monotonic()`: one clock for every process on the machine). A screen keeps only
what the scenarios read: the latest HTML of the regions it watches, the timer's value each time it
changes, and the notices that answer its frames, in order.

The opening handshake is websockets' own sans-I/O protocol (`websockets.client.ClientProtocol`) on
a plain asyncio transport. Once open, the frames are read and written here: the server's frames
are unmasked and small, and a frame is a header of 2 or 4 bytes in front of its text, while the
library's general parser runs a generator and builds an object per frame. The library's asyncio
client would do still more per frame (a future, a message queue and a task switch); on one
load-generator core the clients' own cost must stay well below the servers', or it would hide
their differences (and in the vote flood, cap what they are offered). Frames sent are masked, as
a browser's are, with one random key per connection.
"""

import asyncio
import contextlib
import os
import struct
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.speedups import apply_mask
from websockets.typing import Origin
from websockets.uri import parse_uri

from bench import wire

T = TypeVar("T")


class Missed(Exception):
    """A screen never saw what it waited for, or its connection broke."""


class Seen:
    """A region as it arrived: when, in a frame of how many characters. Its HTML is cut out of
    the frame only when someone reads it, which keeps reading cheap."""

    __slots__ = ("_html", "at", "fragment", "region_id", "size")

    def __init__(self, at: float, fragment: str, region_id: str) -> None:
        self.at = at
        self.fragment = fragment
        self.region_id = region_id
        self.size = len(fragment)
        self._html: str | None = None

    @property
    def html(self) -> str:
        if self._html is None:
            self._html = wire.region(self.fragment, self.region_id) or ""
        return self._html


@dataclass(frozen=True)
class Answer:
    at: float
    notice: wire.Notice


OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


class _Link(asyncio.Protocol):
    """The byte stream under one screen: hands every complete text message to the screen."""

    def __init__(self, screen: "Screen", protocol: ClientProtocol, cookie: str) -> None:
        self.screen = screen
        self.protocol = protocol
        self.cookie = cookie
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._parts: list[bytes] = []
        self.framing = False
        """Whether the handshake is over and frames are read and written here."""
        self._buffer = bytearray()
        self._mask = os.urandom(4)
        self.close_sent = False
        self.close_code: int | None = None

    @property
    def can_send(self) -> bool:
        if not self.framing:
            return self.protocol.state is State.OPEN
        return (
            not self.close_sent and self.transport is not None and not self.transport.is_closing()
        )

    def write_frame(self, opcode: int, payload: bytes) -> None:
        assert self.transport is not None
        size = len(payload)
        if size < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
        elif size < 1 << 16:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
        self.transport.write(head + self._mask + apply_mask(payload, self._mask))

    def send_text(self, data: bytes) -> None:
        if self.framing:
            self.write_frame(OP_TEXT, data)
        else:
            self.protocol.send_text(data)
            self.flush()

    def send_close(self, code: int) -> None:
        if not self.framing:
            self.protocol.send_close(code)
            self.flush()
        elif not self.close_sent:
            self.close_sent = True
            self.write_frame(OP_CLOSE, code.to_bytes(2, "big"))

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        request = self.protocol.connect()
        if self.cookie:
            request.headers["Cookie"] = self.cookie
        self.protocol.send_request(request)
        self.flush()

    def flush(self) -> None:
        assert self.transport is not None
        for data in self.protocol.data_to_send():
            if data:
                self.transport.write(data)
            elif not self.transport.is_closing():
                # An empty chunk means "half-close now" in the sans-I/O protocol.
                self.transport.write_eof()
        if self.protocol.close_expected() and self.protocol.state is State.CLOSED:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        at = time.monotonic()
        if self.framing:
            self._read_frames(data, at)
            self.screen.wake()
            return
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                if self.protocol.handshake_exc is not None:
                    if not self.opened.done():
                        self.opened.set_exception(self.protocol.handshake_exc)
                elif not self.opened.done():
                    self.opened.set_result(None)
            elif isinstance(event, Frame):
                self._frame(event, at)
        self.flush()
        # Whatever follows the handshake's answer was read by the protocol above; from here on,
        # the bytes are frames, read here.
        self.framing = self.protocol.state is State.OPEN and self.opened.done()
        self.screen.wake()

    def _read_frames(self, data: bytes, at: float) -> None:
        buffer = self._buffer
        buffer += data
        start, size = 0, len(buffer)
        while size - start >= 2:
            first, second = buffer[start], buffer[start + 1]
            length, head = second & 0x7F, 2
            if length == 126:
                if size - start < 4:
                    break
                length, head = int.from_bytes(buffer[start + 2 : start + 4], "big"), 4
            elif length == 127:
                if size - start < 10:
                    break
                length, head = int.from_bytes(buffer[start + 2 : start + 10], "big"), 10
            if second & 0x80:
                self.screen.ended = "a masked frame from the server"
                break
            end = start + head + length
            if end > size:
                break
            payload = bytes(buffer[start + head : end])
            start = end
            self._message(bool(first & 0x80), first & 0x0F, payload, at)
        del buffer[:start]

    def _message(self, fin: bool, opcode: int, payload: bytes, at: float) -> None:
        if opcode == OP_TEXT or (opcode == OP_CONT and self._parts):
            if fin and not self._parts:
                self.screen.take(payload.decode(), at)
            else:
                self._parts.append(payload)
                if fin:
                    message = b"".join(self._parts).decode()
                    self._parts = []
                    self.screen.take(message, at)
        elif opcode == OP_PING:
            if self.can_send:
                self.write_frame(OP_PONG, payload)
        elif opcode == OP_CLOSE:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            self.send_close(self.close_code)
            assert self.transport is not None
            self.transport.close()
        elif opcode == OP_BINARY:
            self.screen.ended = "binary frame"

    def _frame(self, frame: Frame, at: float) -> None:
        if frame.opcode is Opcode.BINARY:
            self.screen.ended = "binary frame"
        elif frame.opcode is Opcode.TEXT or (frame.opcode is Opcode.CONT and self._parts):
            self._parts.append(bytes(frame.data))
            if frame.fin:
                message = b"".join(self._parts).decode()
                self._parts = []
                self.screen.take(message, at)

    def eof_received(self) -> bool | None:
        if not self.framing:
            self.protocol.receive_eof()
            self.flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during the handshake"))
        if not self.lost.done():
            self.lost.set_result(None)
        if not self.screen.closing and self.screen.ended is None:
            code: int | str = self.close_code or "none"
            if not self.framing and self.protocol.close_rcvd:
                code = self.protocol.close_rcvd.code
            self.screen.ended = f"connection closed (close code {code}, {exc or 'no error'})"
        self.screen.wake()


class Screen:
    def __init__(
        self,
        name: str,
        page_url: str,
        watch: tuple[str, ...],
        keep_history: bool = False,
    ) -> None:
        self.name = name
        self.page_url = page_url
        self.watch = [(region_id, f'id="{region_id}"') for region_id in watch]
        self._latest: dict[str, Seen] = {}
        self._history: list[tuple[str, Seen]] | None = [] if keep_history else None
        self._timer_changes: list[tuple[float, int]] = []
        self._answers: list[Answer] = []
        self._pending: list[tuple[float, str]] = []
        self.sent = 0
        self.frames = 0
        self.bytes = 0
        self.ended: str | None = None
        """Why the connection stopped, once it has (and not because we closed it)."""
        self.closing = False
        self._link: _Link | None = None
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[None]]] = []
        self.watcher: Callable[[], None] | None = None
        """Called after every arrival (and when the connection ends), with what arrived read:
        a cheaper way to follow a screen than a wait per frame."""

    # What arrived, read on demand: frames are stamped as they arrive and parsed when first asked
    # about (at once while someone waits), so a screen nobody waits on costs almost nothing.

    @property
    def latest(self) -> dict[str, Seen]:
        """The latest arrival of each watched region."""
        self._digest()
        return self._latest

    @property
    def history(self) -> list[tuple[str, Seen]] | None:
        """Every arrival of a watched region, in order, if asked for."""
        self._digest()
        return self._history

    @property
    def timer_changes(self) -> list[tuple[float, int]]:
        """When the timer showed each new value."""
        self._digest()
        return self._timer_changes

    @property
    def answers(self) -> list[Answer]:
        """The notices answering our frames, in order."""
        self._digest()
        return self._answers

    async def open(self, url: str, origin: str, cookie: str = "", within: float = 30.0) -> None:
        # Browsers negotiate no compression with the app (it turns permessage-deflate off) and
        # send no pings of their own; the protocol answers the server's pings.
        uri = parse_uri(url)
        protocol = ClientProtocol(uri, origin=Origin(origin), max_size=None)
        link = _Link(self, protocol, cookie)
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(within):
            await loop.create_connection(lambda: link, uri.host, uri.port)
            await link.opened
        self._link = link

    def take(self, fragment: str, at: float) -> None:
        self.frames += 1
        # Characters, not bytes: every fragment here is ASCII but for a rare "✓" or "…".
        self.bytes += len(fragment)
        self._pending.append((at, fragment))

    def _digest(self) -> None:
        pending, self._pending = self._pending, []
        for at, fragment in pending:
            self._read(fragment, at)

    def _read(self, fragment: str, at: float) -> None:
        if fragment.startswith('<div id="notice"'):
            answer = wire.notice(fragment)
            if answer is not None:
                self._answers.append(Answer(at, answer))
                return
        for region_id, marker in self.watch:
            if marker not in fragment:
                continue
            seen = Seen(at, fragment, region_id)
            self._latest[region_id] = seen
            if self._history is not None:
                self._history.append((region_id, seen))
            if region_id == "timer":
                found = wire.TIMER_LEFT.search(fragment, fragment.index(marker))
                left = int(found.group(1)) if found else None
                if left is not None and (
                    not self._timer_changes or self._timer_changes[-1][1] != left
                ):
                    self._timer_changes.append((at, left))

    def wake(self) -> None:
        if self.watcher is not None:
            self._digest()
            self.watcher()
        if not self._waiters:
            return
        self._digest()
        waiting = []
        for check, future in self._waiters:
            if future.done():
                continue
            if self.ended is not None or check():
                future.set_result(None)
            else:
                waiting.append((check, future))
        self._waiters = waiting

    async def until(self, what: str, check: Callable[[], T | None], within: float) -> T:
        """Waits until `check` returns something other than None, and returns it; `check` runs as
        each frame arrives."""
        found = check()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while found is None:
            if self.ended is not None:
                raise Missed(f"{self.name}: never saw {what}: {self.ended}")
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise Missed(f"{self.name}: never saw {what} within {within:.0f} s")
            future: asyncio.Future[None] = loop.create_future()
            self._waiters.append((lambda: check() is not None, future))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(future, remaining)
            found = check()
        return found

    def region_matching(self, region_id: str, test: Callable[[str], bool]) -> Seen | None:
        seen = self.latest.get(region_id)
        return seen if seen is not None and test(seen.html) else None

    async def send(self, fields: Mapping[str, Any]) -> int:
        """Sends a frame as the htmx ws extension does; returns its place in the sending order."""
        return self.send_text(wire.frame(fields, self.page_url))

    def send_text(self, text: str) -> int:
        """Sends a frame already encoded; returns its place in the sending order."""
        link = self._link
        if link is None or self.ended is not None or not link.can_send:
            raise Missed(f"{self.name}: cannot send, {self.ended or 'not connected'}")
        index = self.sent
        self.sent += 1
        link.send_text(text.encode())
        return index

    async def act(self, fields: Mapping[str, Any], within: float) -> Answer:
        """Sends a frame and returns the notice that answers it (the n-th frame, the n-th notice)."""
        index = await self.send(fields)
        return await self.until(
            f"the answer to {fields.get('type')}",
            lambda: self.answers[index] if len(self.answers) > index else None,
            within,
        )

    async def close(self) -> None:
        self.closing = True
        link = self._link
        if link is None or link.transport is None:
            return
        if link.can_send:
            link.send_close(1001)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2):
                await asyncio.shield(link.lost)
        link.transport.abort()
