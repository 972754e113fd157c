"""The Starlette application and its lifespan."""

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workshop import editing, i18n, views
from workshop.assets import StaticAssets, default_assets
from workshop.collector import keep_collections_short
from workshop.errors import StoreUnavailable
from workshop.exercises import load_library
from workshop.frames import FrameWritingProtocol
from workshop.hub import Hub
from workshop.identity import ParticipantCookies, RoomKeys
from workshop.live import (
    CLOSE_RESTART,
    KEEPALIVE_PING_SECONDS,
    KEEPALIVE_PONG_SECONDS,
    MAX_FRAME_BYTES,
    live_endpoint,
)
from workshop.network import InterfaceSource, LanAddresses, system_interfaces
from workshop.render import Renderer
from workshop.runtime import Runtime
from workshop.service import Rooms
from workshop.settings import Settings
from workshop.store import Store

log = logging.getLogger(__name__)

SERVER_OPTIONS: dict[str, Any] = {
    # uvicorn's sans-I/O websocket protocol keeps no tasks of its own per connection (the older
    # one runs three); a room of 2,000 phones holds 2,000 of them. Ours adds a way to write one
    # encoded fragment to many of them (see `frames`).
    "ws": FrameWritingProtocol,
    "ws_max_size": MAX_FRAME_BYTES,
    # Fragments are small and sent to many phones: compressing each costs CPU and keeps a
    # compressor's window per connection.
    "ws_per_message_deflate": False,
    # A screen that stops answering is closed within 16 s (the default keepalive took 40 s).
    "ws_ping_interval": KEEPALIVE_PING_SECONDS,
    "ws_ping_timeout": KEEPALIVE_PONG_SECONDS,
}
"""How the app is served, by `workshop serve` and by the tests alike."""

BAD_FRAME_LOG_SECONDS = 10.0


class QuietBadFrames(logging.Filter):
    """The server logs a full traceback for every text frame that is not valid UTF-8 (it closes
    the connection with 1007, rightly). Anyone with the address could fill the log that way, so such
    a record becomes one line without its traceback, and at most one every 10 s, counting the
    ones left out."""

    MESSAGE = "Invalid UTF-8 sequence received from client."

    def __init__(self, interval: float = BAD_FRAME_LOG_SECONDS) -> None:
        super().__init__()
        self.interval = interval
        self._last = float("-inf")
        self._left_out = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != self.MESSAGE:
            return True
        now = time.monotonic()
        if now - self._last < self.interval:
            self._left_out += 1
            return False
        self._last = now
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.msg = "a websocket frame was not valid UTF-8; the connection was closed (1007)"
        if self._left_out:
            record.msg += f"; {self._left_out} more since the last such line"
            self._left_out = 0
        record.exc_info = record.exc_text = None
        return True


def quiet_bad_frames(logger: logging.Logger) -> None:
    """Installs `QuietBadFrames` on the server's logger, once."""
    if not any(isinstance(f, QuietBadFrames) for f in logger.filters):
        logger.addFilter(QuietBadFrames())


_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors {ancestors}; "
    "form-action 'self'"
)
CONTENT_SECURITY_POLICY = _POLICY.format(ancestors="'none'")
_COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    *_COMMON_HEADERS,
    (b"x-frame-options", b"DENY"),
]
FRAMEABLE_PATH = re.compile(r"/screen/[^/]+")
"""The projector view, and nothing else, may be shown in a frame of the app's own pages: the
console shows it in miniature."""
SAME_ORIGIN_FRAME_HEADERS = [
    (b"content-security-policy", _POLICY.format(ancestors="'self'").encode()),
    *_COMMON_HEADERS,
    (b"x-frame-options", b"SAMEORIGIN"),
]


def security_headers(path: str) -> list[tuple[bytes, bytes]]:
    """The headers every response carries; only the projector view may be framed, and only by a
    page of the same origin."""
    return SAME_ORIGIN_FRAME_HEADERS if FRAMEABLE_PATH.fullmatch(path) else SECURITY_HEADERS


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = security_headers(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)


STATIC_PREFIX = "/static/"


class StaticFirst:
    """Hands a static file's request straight to the files, before the routing and the
    exception handling that the pages need: a join storm asks for every file once per phone,
    seven of the ten requests each phone makes. Inside `SecurityHeaders`, so the files carry
    the same headers as before."""

    def __init__(self, app: ASGIApp, assets: StaticAssets) -> None:
        self.app = app
        self.assets = assets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The app's pages link their files from the root ("/static/..."), as it is served.
        path: str = scope["path"] if scope["type"] == "http" else ""
        if path.startswith(STATIC_PREFIX):
            scope["path_params"] = {"path": path.removeprefix(STATIC_PREFIX)}
            await self.assets(scope, receive, send)
            return
        await self.app(scope, receive, send)


class BrowserLanguage:
    """Pages speak the language the browser chose or asks for (a room's own pages then speak the
    room's, see `views`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with i18n.speaking(views.browser_language(HTTPConnection(scope))):
            await self.app(scope, receive, send)


def create_app(
    settings: Settings | None = None,
    *,
    interfaces: InterfaceSource = system_interfaces,
    assets: StaticAssets | None = None,
) -> Starlette:
    """The app; `interfaces` lists the machine's network interfaces, where phones are sent to
    join when the console is opened as localhost (tests give a fixed list); `assets` are the
    static files (tests give their own folder)."""
    settings = settings or Settings()
    static = assets or default_assets()
    library = load_library(settings.exercises_dir)
    quiet_bad_frames(logging.getLogger("uvicorn.error"))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = Store.connect(settings.redis_url, settings.room_ttl_seconds, settings.data_dir)
        key = settings.secret_key or await store.signing_key()
        hub = Hub(store, settings.coalesce_seconds)
        await hub.start()
        collector = asyncio.create_task(keep_collections_short(), name="collector")
        app.state.runtime = Runtime(
            settings=settings,
            store=store,
            hub=hub,
            rooms=Rooms(store, library, held=hub.head),
            renderer=Renderer(static),
            cookies=ParticipantCookies(key),
            keys=RoomKeys(key),
            library=library,
            lan_addresses=LanAddresses(interfaces),
        )
        try:
            yield
        finally:
            # 1012 (service restart) tells the browser's websocket extension to reconnect.
            for connection in list(app.state.runtime.connections):
                connection.close(CLOSE_RESTART)
            collector.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await collector
            await hub.stop()
            await store.close()

    routes = [
        Route("/", views.home),
        Route("/host", views.start),
        Route("/rooms", views.create_room, methods=["POST"]),
        Route("/join", views.join, methods=["POST"]),
        Route("/r/{code}", views.phone),
        Route("/screen/{code}", views.screen),
        Route("/screen/{code}/open", views.open_screen, methods=["GET", "POST"]),
        Route("/host/{code}", views.host),
        Route("/host/{code}/claim", views.claim, methods=["GET", "POST"]),
        Route("/host/{code}/delete", views.delete_room, methods=["POST"]),
        Route("/host/{code}/export/{fmt}", views.export_summary),
        Route("/host/{code}/people", views.people_search),
        Route("/host/{code}/edit/{run_id}", editing.edit_run, methods=["GET", "POST"]),
        Route("/host/{code}/new", editing.new_exercise, methods=["GET", "POST"]),
        Route("/host/{code}/upload", editing.upload, methods=["POST"]),
        Route("/host/{code}/exercise/{run_id}.yaml", editing.download_run),
        Route("/r/{code}/card", views.personal_card),
        Route("/healthz", views.healthz),
        Route("/favicon.ico", views.favicon),
        Route("/language/{language}", views.choose_language),
        WebSocketRoute("/ws/{code}/{audience}", live_endpoint),
    ]
    return Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(StaticFirst, assets=static),
            Middleware(BrowserLanguage),
        ],
        exception_handlers={StoreUnavailable: views.store_unavailable},
        lifespan=lifespan,
    )
