"""Sending one fragment to many phones without a task, a queue and an ASGI send per phone.

ASGI sends a message to one connection at a time, through an `await` per connection. The room's
feed sends the same fragment to every phone, so the server here offers one more ASGI extension
(`FRAME_WRITER`): a plain function that writes a frame already encoded, once for the whole room,
straight to the connection's socket. It refuses (returns False) whenever the frame could not be
written at once: the socket's buffer is full, or the connection is closing. The caller then sends
the fragment through ASGI as before, so nothing is lost and the order holds. Under any other server
the extension is absent and every fragment goes through ASGI.

This leans on the internals of uvicorn's sans-I/O websocket protocol (the names in `NEEDED`). They
are checked on the first connection: a uvicorn release that no longer has them gets plain ASGI
sends and uvicorn's own read pausing, and the log says so once, so an upgrade can cost speed but
never lose back-pressure quietly.
"""

import asyncio
import logging
import math
from collections.abc import Callable
from typing import Any, cast

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Request

log = logging.getLogger(__name__)

FRAME_WRITER = "workshop.frame_writer"
"""The scope's extension: {"write": Callable[[bytes], bool]}."""

FrameWriter = Callable[[bytes], bool]


def text_frame(text: str) -> bytes:
    """A server's text frame: unmasked, uncompressed, whole; the same bytes for every client."""
    return Frame(Opcode.TEXT, text.encode("utf-8")).serialize(mask=False)


def frame_writer(scope: Any) -> FrameWriter | None:
    """The connection's frame writer, if the server offers one."""
    extension = (scope.get("extensions") or {}).get(FRAME_WRITER)
    if not isinstance(extension, dict):
        return None
    return cast(FrameWriter | None, extension.get("write"))


BACKLOG = 8
"""Messages received and not yet taken by the app before the socket stops being read."""

PING_TICK_SECONDS = 1.0
"""Keepalive pings fall due on whole ticks of the event loop's clock: those of every connection due
within the same second go out together (see `FrameWritingProtocol.schedule_ping`)."""
PING_EARLY = 0.1
"""A ping due less than this share of a tick after a whole tick goes out on that tick."""


NEEDED: dict[str, type | tuple[type, ...]] = {
    "conn": object,
    "transport": asyncio.Transport,
    "queue": asyncio.Queue,
    "handshake_complete": bool,
    "close_sent": bool,
    "loop": asyncio.AbstractEventLoop,
    "last_ping_rtt": float,
}
"""The protocol's attributes this module reads, and their types."""


def missing_parts(protocol: object) -> list[str]:
    """What this module needs of a connected protocol and does not find (empty: all there)."""
    missing = [
        name
        for name, kind in NEEDED.items()
        if not hasattr(protocol, name) or not isinstance(getattr(protocol, name), kind)
    ]
    conn = getattr(protocol, "conn", None)
    if not hasattr(conn, "extensions"):
        missing.append("conn.extensions")
    missing += [
        name
        for name in ("initial_response", "ping_interval", "ping_timer", "send_keepalive_ping")
        if not hasattr(protocol, name)
    ]
    return missing


class FrameWritingProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O websocket protocol, offering `FRAME_WRITER` to the app, reading on
    while the app has fewer than `BACKLOG` messages waiting, and sending keepalive pings in
    batches.

    uvicorn stops reading a socket after every message until the app has taken it: two changes
    to the event loop's poller per message, a tenth of the server's time when every phone votes.
    Here `read_paused`, which uvicorn asks before pausing and before resuming, reads as already
    paused while the backlog is short, so the socket is paused only once the app falls behind
    (and resuming a socket that is not paused costs nothing)."""

    _really_paused = False
    _writing_paused = False
    compatible: bool | None = None
    """Whether this uvicorn has what the module needs: None until the first connection."""

    @property
    def read_paused(self) -> bool:
        if self._really_paused or not FrameWritingProtocol.compatible:
            return self._really_paused
        return self.queue.qsize() < BACKLOG

    @read_paused.setter
    def read_paused(self, paused: bool) -> None:
        self._really_paused = paused

    def handle_connect(self, event: Request) -> None:
        if FrameWritingProtocol.compatible is None:
            missing = missing_parts(self)
            FrameWritingProtocol.compatible = not missing
            if missing:
                log.warning(
                    "this uvicorn's websocket protocol lacks %s: fragments go out through plain "
                    "ASGI sends, one per screen (slower in a big room)",
                    ", ".join(missing),
                )
        super().handle_connect(event)
        # The app's task is created but has not run yet, so it will see the extension. Frames
        # encoded once are only valid without a negotiated extension (permessage-deflate).
        scope = getattr(self, "scope", None)
        if scope is not None and FrameWritingProtocol.compatible and not self.conn.extensions:
            scope["extensions"][FRAME_WRITER] = {"write": self.write_frame}

    def schedule_ping(self) -> None:
        """uvicorn times each connection's pings from its own start, so a room of 2,000 phones
        pinged every 10 s wakes the server 200 times a second for a ping and as often for its
        answer: 25 ms of CPU a second, 40 % of what the room's timer updates cost. Here a ping
        due at some moment waits for the next whole `PING_TICK_SECONDS` of the loop's clock, so
        the pings due within the same second go out in one pass of the loop and their answers
        come back together. Each connection is still pinged every interval (plus at most a
        tick) and closed when it leaves one unanswered for the timeout."""
        if not FrameWritingProtocol.compatible or self.ping_interval is None:
            super().schedule_ping()
            return
        # Due an interval after the last ping went out (the answer took `last_ping_rtt`), which
        # itself went out a moment after its tick: a little early is on time.
        due = self.loop.time() + max(0.0, self.ping_interval - self.last_ping_rtt)
        ticks = math.ceil(due / PING_TICK_SECONDS - PING_EARLY)
        self.ping_timer = self.loop.call_at(ticks * PING_TICK_SECONDS, self.send_keepalive_ping)

    def pause_writing(self) -> None:
        self._writing_paused = True
        super().pause_writing()

    def resume_writing(self) -> None:
        self._writing_paused = False
        super().resume_writing()

    def write_frame(self, frame: bytes) -> bool:
        """Writes `frame` when the connection is open and its socket's buffer has room; else
        False. Whatever ends the open state (a close sent or received, a frame that fails, a lost
        connection) sets `close_sent` or closes the transport in the same callback, so this asks
        no more than those: a room-wide change writes to thousands of connections, and every
        object looked at on the way costs (the websocket protocol's own state and the
        `writable` event were 8 % of a timer change at 5,000 phones)."""
        if (
            self._writing_paused
            or self.close_sent
            or not self.handshake_complete
            or self.initial_response is not None
            or self.transport.is_closing()
        ):
            return False
        self.transport.write(frame)
        return True
