"""The websocket endpoint: check who is calling, subscribe, send a snapshot, then route frames.

A fragment is written straight to the socket when the server can take it at once (see `frames`);
otherwise it goes to the connection's bounded outbox, drained by its own sender task. A screen that
cannot keep up is closed with 1013 (try again later), which the browser answers by reconnecting and
getting a fresh snapshot, so a slow phone never holds up the room. Phones' presence is kept alive by
the room's feed, one heartbeat call per room and process.
"""

import asyncio
import contextlib
import itertools
import logging
import secrets
import time
from collections.abc import Hashable

from pydantic import ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect

from workshop import i18n
from workshop.actions import action_adapter
from workshop.caching import Refresh
from workshop.engine import HOST, Actor
from workshop.errors import Rejected, StoreUnavailable
from workshop.frames import PING_TICK_SECONDS, frame_writer, text_frame
from workshop.i18n import N_
from workshop.identity import HOST_COOKIE, LANGUAGE_COOKIE, PARTICIPANT_COOKIE, is_host
from workshop.limits import TokenBucket
from workshop.models import RoomState, is_room_code, normalise_code
from workshop.origins import is_own
from workshop.render import REGIONS, Audience
from workshop.runtime import NOTHING_SHOWN, Runtime, Shown

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 16 * 1024
FRAME_RATE = 20.0
FRAME_BURST = 40.0
OUTBOX_SIZE = 64
OUTBOX_BYTES = 256 * 1024
"""What one screen may have waiting in its outbox: 64 fragments or 256 KiB, whichever comes first.
With the socket's own write buffer (paused above 64 KiB, see `frames`), this bounds what a screen
that stopped reading holds in the app's memory."""
SEND_DEADLINE_SECONDS = 10.0
"""A fragment that the socket cannot take within this long means the screen stopped reading."""
STALLED_CLOSE_SECONDS = 1.0
KEEPALIVE_PING_SECONDS = 10.0
KEEPALIVE_PONG_SECONDS = 5.0
"""A screen that answers no ping within 5 s of it (a phone that lost its network, or stopped reading
altogether) is closed. Pings wait for the next whole second to go out together (see
`frames.PING_TICK_SECONDS`): a room of 2,000 phones pinged every 10 s spends about 7 ms of CPU a
second on them, where pings timed connection by connection cost 25 ms."""
KEEPALIVE_SILENCE_SECONDS = KEEPALIVE_PING_SECONDS + PING_TICK_SECONDS + KEEPALIVE_PONG_SECONDS
"""The longest a screen that went silent stays connected: 16 s."""

CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_RESTART = 1012
CLOSE_TRY_LATER = 1013

_notice_seq = itertools.count()


def origin_allowed(websocket: WebSocket, extra: list[str]) -> bool:
    """Browsers always send Origin on websockets; it must be this host's own or configured."""
    origin = websocket.headers.get("origin", "").rstrip("/")
    return bool(origin) and is_own(origin, websocket.headers.get("host", ""), extra)


class LiveConnection:
    def __init__(
        self,
        runtime: Runtime,
        websocket: WebSocket,
        code: str,
        audience: Audience,
        language: str | None = None,
    ):
        self.runtime = runtime
        self.language = language
        """The language this screen chose for itself (a phone's own); None: the room's."""
        self.speaks = language or i18n.SOURCE
        """The language it was last drawn in."""
        self.websocket = websocket
        self.code = code
        self.audience = audience
        self.outbox: asyncio.Queue[str | int] = asyncio.Queue(OUTBOX_SIZE)
        self.queued_bytes = 0
        """The size of the fragments waiting in the outbox (counted in characters)."""
        self._write = frame_writer(websocket.scope)
        self._unsent = 0
        """Fragments and close codes in the outbox or being handed to ASGI by the sender task:
        while there are any, a fragment queues behind them (counted here rather than asked of the
        queue: a room-wide change looks at thousands of connections)."""
        self._shown: Shown = NOTHING_SHOWN
        self._version: int | None = None
        """The version of the room it was last drawn from."""
        self.member = f"{audience.participant_id}|{secrets.token_hex(6)}"
        self._store_down = False
        self.since = 0
        """The version of the read this screen connected with."""
        self._waiting = False
        """Its last refresh was put off (see `refresh`)."""
        self.stalled = asyncio.Event()
        """Set when the outbox overflows: the client has stopped reading."""
        self._sent: tuple[str, bytes | None] | None = None
        """What its last refresh sent, when that was only the part of its screen it shares with
        the phones of its group (the fragment and its frame), for them to `follow`."""

    # Hub callbacks -------------------------------------------------------------------------

    def refresh(self, state: RoomState | None, refresh: Refresh) -> None:
        if state is not None:
            self.speaks = self.language or state.meta.language
        with i18n.speaking(self.speaks):
            self._draw(state, refresh)

    def _draw(self, state: RoomState | None, refresh: Refresh) -> None:
        self._sent = None
        if state is None:
            self.notify(N_("This room has been deleted."), "error")
            self.close(1000)
            return
        still_in = self.audience.kind != "phone" or _still_in(state, self.audience.participant_id)
        self._waiting = not still_in and state.version < self.since
        if self._waiting:
            # The room as this process holds it has not yet heard of this phone's arrival, which
            # the read it connected with had: the next refresh will have.
            return
        own = self._shown[0]
        since = refresh.timer_alone_since
        self._shown, html = self.runtime.live_update(
            state,
            self.audience,
            self.websocket,
            refresh,
            self._shown,
            timer_alone=since is not None and since == self._version,
        )
        self._version = state.version
        # Only what it shares with its group was sent when its own regions are as they were.
        shared = still_in and self._shown[0] == own
        if self._store_down and self.runtime.hub.healthy:
            self._store_down = shared = False
            html += self.runtime.renderer.page("_store_status.html", down=False)
        frame = None
        if html:
            frames = refresh.frames
            frame = frames.get(html)
            if frame is None and self._write is not None:
                frame = frames[html] = text_frame(html)
            self._push(html, frame)
        self._sent = (html, frame) if shared else None
        if not still_in:
            self.close(CLOSE_POLICY)

    def follow(self, leader: "LiveConnection", state: RoomState | None, refresh: Refresh) -> bool:
        sent = leader._sent
        if (
            sent is None
            or state is None
            or self._store_down
            or self._waiting
            or (self.language or state.meta.language) != leader.speaks
        ):
            self.refresh(state, refresh)
            return False
        _, shared, digests = leader._shown
        self._shown = (self._shown[0], shared, digests)
        self._version = state.version
        self.speaks = leader.speaks
        html, frame = sent
        if html:
            self._push(html, frame)
        self._sent = sent
        return True

    @property
    def presence(self) -> str | None:
        """Phones keep their presence alive through the room's feed; other screens have none."""
        return self.member if self.audience.kind == "phone" else None

    @property
    def leads(self) -> bool:
        """The projector and the console are drawn before the phones."""
        return self.audience.kind != "phone"

    @property
    def participant(self) -> str:
        return self.audience.participant_id

    @property
    def group(self) -> Hashable:
        """The keys and digests of the regions it shares with phones that show the same (its own
        regions change only with its participant's record or card, which a change touches)."""
        _, shared, digests = self._shown
        return (shared, digests, self._store_down, self._waiting, self.language, self.speaks)

    def store_down(self) -> None:
        # The banner stays up until the store answers again (a notice fades after a few seconds).
        if not self._store_down:
            self._store_down = True
            with i18n.speaking(self.speaks):
                self._push(self.runtime.renderer.page("_store_status.html", down=True))

    # Outbox ------------------------------------------------------------------------------

    def notify(self, message: str, tone: str = "ok") -> None:
        with i18n.speaking(self.speaks):
            self._push(self.runtime.notice(message, tone, next(_notice_seq)))

    def close(self, code: int) -> None:
        """Sends what is queued, then closes; a full outbox is dropped first."""
        try:
            self.outbox.put_nowait(code)
        except asyncio.QueueFull:
            while not self.outbox.empty():
                self.outbox.get_nowait()
                self._unsent -= 1
            self.queued_bytes = 0
            self.outbox.put_nowait(code)
        self._unsent += 1

    def _push(self, html: str, frame: bytes | None = None) -> None:
        """Writes the fragment to the socket at once if it can (nothing queued before it and room
        in the socket's buffer), else queues it for the sender task."""
        if (
            self._write is not None
            and not self._unsent
            and self._write(frame if frame is not None else text_frame(html))
        ):
            return
        if self.queued_bytes + len(html) > OUTBOX_BYTES:
            self._stall("its outbox is full")
            return
        try:
            self.outbox.put_nowait(html)
        except asyncio.QueueFull:
            self._stall("its outbox is full")
            return
        self.queued_bytes += len(html)
        self._unsent += 1

    def _stall(self, why: str) -> None:
        """Its sender is stuck on a socket that nobody reads; a close code queued behind it would
        never be sent, so the endpoint drops the connection itself."""
        if not self.stalled.is_set():
            log.info(
                "room %s: dropping a connection that stopped reading (%s; %d fragments, %d KiB "
                "waiting)",
                self.code,
                why,
                self.outbox.qsize(),
                self.queued_bytes // 1024,
            )
            self.stalled.set()

    async def until_stalled(self) -> None:
        await self.stalled.wait()

    async def send_loop(self) -> None:
        while True:
            item = await self.outbox.get()
            try:
                if isinstance(item, int):
                    await self.websocket.close(item)
                    return
                self.queued_bytes -= len(item)
                try:
                    async with asyncio.timeout(SEND_DEADLINE_SECONDS):
                        await self.websocket.send_text(item)
                except TimeoutError:
                    self._stall(f"nothing sent for {SEND_DEADLINE_SECONDS:g} s")
                    return
            finally:
                self._unsent -= 1

    async def receive_loop(self, actor: Actor | None) -> None:
        bucket = TokenBucket(FRAME_RATE, FRAME_BURST)
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                self.notify(N_("That message was not understood."), "error")
                continue
            # "surrogatepass": a lone surrogate is measured, then refused as not understood.
            size = len(text.encode("utf-8", "surrogatepass"))
            if len(text) > MAX_FRAME_BYTES or size > MAX_FRAME_BYTES:
                self.close(CLOSE_TOO_BIG)
                return
            if not bucket.take(time.monotonic()):
                self.notify(N_("Too many actions at once; wait a moment and try again."), "error")
                continue
            await self._handle(text, actor)

    async def _handle(self, text: str, actor: Actor | None) -> None:
        try:
            # Parsed and checked in one pass; what htmx adds (its HEADERS) is ignored.
            action = action_adapter.validate_json(text)
        # ValueError: text that cannot be encoded (a lone surrogate).
        except (ValueError, ValidationError):
            self.notify(
                N_("That request was not understood. Reload the page if this repeats."), "error"
            )
            return
        if actor is None:
            self.notify(N_("The projector view is read-only."), "error")
            return
        try:
            outcome = await self.runtime.rooms.act(self.code, actor, action)
        except Rejected as rejected:
            self.notify(rejected.message, "error")
        except StoreUnavailable:
            log.warning("room %s: store unreachable while applying an action", self.code)
            self.notify(
                N_("Not saved: the room's store cannot be reached. Try again shortly."), "error"
            )
        else:
            self.notify(outcome.notice, "ok")


async def live_endpoint(websocket: WebSocket) -> None:
    runtime: Runtime = websocket.app.state.runtime
    code = normalise_code(websocket.path_params["code"])
    kind = websocket.path_params["audience"]
    if not origin_allowed(websocket, runtime.settings.allowed_origins):
        await websocket.close(CLOSE_POLICY)
        return
    participant_id = runtime.cookies.load(
        code, websocket.cookies.get(PARTICIPANT_COOKIE.format(code=code))
    )
    try:
        # The same whole-room read also paints the first screen: for a phone, the room as held
        # when it already knows the phone (see `Hub.held`); else a read shared with every other
        # page and websocket that asks meanwhile (see `SharedReads`).
        state = None
        if is_room_code(code):
            if kind == "phone" and participant_id:
                state = runtime.hub.held(code, participant_id)
            if state is None:
                state = await runtime.hub.reads.read(code)
    except StoreUnavailable:
        await websocket.close(CLOSE_TRY_LATER)
        return
    if state is None or kind not in REGIONS:
        await websocket.close(CLOSE_POLICY)
        return
    actor: Actor | None = None
    audience = Audience("screen")
    if kind == "screen":
        # Refused exactly as a wrong code is: the projector tells a guesser nothing.
        if not runtime.keys.may_watch(state.meta, websocket.cookies):
            await websocket.close(CLOSE_POLICY)
            return
    elif kind == "host":
        if not is_host(state.meta, websocket.cookies.get(HOST_COOKIE.format(code=code))):
            await websocket.close(CLOSE_POLICY)
            return
        actor, audience = HOST, Audience("host")
    elif kind == "phone":
        if participant_id is None or not _still_in(state, participant_id):
            await websocket.close(CLOSE_POLICY)
            return
        actor, audience = Actor("participant", participant_id), Audience("phone", participant_id)

    # A phone may speak a language of its own; the console and the projector speak the room's.
    chosen = i18n.chosen(websocket.cookies.get(LANGUAGE_COOKIE)) if kind == "phone" else None
    connection = LiveConnection(runtime, websocket, code, audience, chosen)
    connection.since = state.version
    await runtime.hub.subscribe(code, connection)
    runtime.connections.add(connection)
    tasks: list[asyncio.Task[None]] = []
    try:
        await websocket.accept()
        connection.refresh(state, Refresh())
        # Not held for the life of the connection: each read of a big room is its own copy of
        # everyone in it, and a room of phones connected one by one would keep one copy each.
        del state
        if audience.kind == "phone":
            await runtime.store.set_presence(code, connection.member, online=True)
        # A change between that read and the subscription would be missed: the room's feed draws
        # this screen again from the room as it holds it (once for a whole burst of arrivals).
        runtime.hub.poke(code)
        tasks = [
            asyncio.create_task(connection.send_loop()),
            asyncio.create_task(connection.receive_loop(actor)),
            asyncio.create_task(connection.until_stalled()),
        ]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if connection.stalled.is_set():
            await _drop(websocket, tasks)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                exc = task.exception()
                if not isinstance(exc, WebSocketDisconnect):
                    log.warning("room %s: connection ended by an error: %r", code, exc)
    except (WebSocketDisconnect, StoreUnavailable, OSError) as error:
        log.info("room %s: connection ended: %r", code, error)
    finally:
        for task in tasks:
            task.cancel()
        runtime.connections.discard(connection)
        runtime.hub.unsubscribe(code, connection)
        if audience.kind == "phone":
            runtime.hub.spawn(_leave(runtime, code, connection.member))


async def _drop(websocket: WebSocket, tasks: list[asyncio.Task[None]]) -> None:
    """Ends a connection whose client stopped reading. A client that is only slow still gets 1013
    and reconnects; for one that reads nothing, the server closes the socket behind the data
    already on its way, and the browser reconnects when it reads again."""
    for task in tasks:
        task.cancel()
    await asyncio.wait(tasks)
    with contextlib.suppress(TimeoutError, WebSocketDisconnect, RuntimeError, OSError):
        async with asyncio.timeout(STALLED_CLOSE_SECONDS):
            await websocket.close(CLOSE_TRY_LATER)


def _still_in(state: RoomState, participant_id: str) -> bool:
    person = state.participants.get(participant_id)
    return person is not None and not person.removed


async def _leave(runtime: Runtime, code: str, member: str) -> None:
    with contextlib.suppress(StoreUnavailable):
        await runtime.store.set_presence(code, member, online=False)
