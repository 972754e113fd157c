"""The server's frame writer (`workshop.frames`): frames encoded once reach the client whole and in
order with ASGI sends, and the writer refuses whenever a frame could not go out at once."""

import asyncio
import itertools
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import connect
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from workshop.app import SERVER_OPTIONS
from workshop.frames import (
    BACKLOG,
    NEEDED,
    PING_TICK_SECONDS,
    FrameWritingProtocol,
    frame_writer,
    missing_parts,
    text_frame,
)

App = Callable[[Any, Any, Any], Awaitable[None]]


@pytest.mark.parametrize("text", ["", "hello", "é" * 100, "x" * 70_000])
def test_a_text_frame_reads_back_as_the_same_message(text: str) -> None:
    reader = StreamReader()
    reader.feed_data(text_frame(text))
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        frame = done.value
    assert frame.opcode is Opcode.TEXT and frame.fin
    assert frame.data.decode("utf-8") == text


@asynccontextmanager
async def serving(app: App, **options: Any) -> AsyncIterator[str]:
    config = uvicorn.Config(app, lifespan="off", log_level="warning", **(SERVER_OPTIONS | options))
    server = uvicorn.Server(config)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            assert not task.done(), "the server stopped while starting"
            await asyncio.sleep(0.01)
        yield f"ws://{host}:{port}/"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def until(condition: Callable[[], bool]) -> None:
    """Waits for a condition on the server's side, which announces nothing, for up to 5 s."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the server never got there")


def test_the_app_is_served_with_the_frame_writer() -> None:
    assert SERVER_OPTIONS["ws"] is FrameWritingProtocol


def test_written_frames_and_asgi_sends_arrive_whole_and_in_order() -> None:
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert (await receive())["type"] == "websocket.connect"
        write = frame_writer(scope)
        seen["before accept"] = write is not None and write(text_frame("too early"))
        await send({"type": "websocket.accept"})
        assert write is not None
        seen["first"] = write(text_frame("one"))
        await send({"type": "websocket.send", "text": "two"})
        seen["big"] = write(text_frame("three " * 20_000))
        await send({"type": "websocket.close", "code": 1000})
        seen["after close"] = write(text_frame("too late"))

    async def main() -> list[str | bytes]:
        async with serving(app) as url, connect(url) as client:
            return [message async for message in client]

    assert asyncio.run(main()) == ["one", "two", "three " * 20_000]
    assert seen == {"before accept": False, "first": True, "big": True, "after close": False}


def test_the_writer_refuses_while_the_socket_buffer_is_full() -> None:
    seen: list[bool] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        write = frame_writer(scope)
        assert write is not None
        protocol = getattr(write, "__self__")  # noqa: B009 - the server's protocol behind the writer
        assert isinstance(protocol, FrameWritingProtocol)
        protocol.pause_writing()  # what asyncio calls when the buffer passes its high-water mark
        seen.append(write(text_frame("held")))
        protocol.resume_writing()
        seen.append(write(text_frame("sent")))
        await send({"type": "websocket.close", "code": 1000})

    async def main() -> list[str | bytes]:
        async with serving(app) as url, connect(url) as client:
            return [message async for message in client]

    assert asyncio.run(main()) == ["sent"]
    assert seen == [False, True]


def test_the_writer_refuses_once_the_client_has_closed() -> None:
    """A close from the client ends the open state with no close sent by the server: the writer
    reads that from the transport, closed in the same callback."""
    seen: list[object] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        write = frame_writer(scope)
        assert write is not None
        seen.append((await receive())["type"])
        seen.append(write(text_frame("too late")))

    async def main() -> None:
        async with serving(app) as url:
            async with connect(url):
                pass
            await until(lambda: len(seen) == 2)

    asyncio.run(main())
    assert seen == ["websocket.disconnect", False]


def test_no_writer_when_frames_are_compressed() -> None:
    """Frames encoded once are plain; a connection that negotiated deflate gets ASGI sends only."""
    offered: list[bool] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        offered.append(frame_writer(scope) is not None)
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": "compressed"})
        await send({"type": "websocket.close", "code": 1000})

    async def main() -> list[str | bytes]:
        async with (
            serving(app, ws_per_message_deflate=True) as url,
            connect(url, compression="deflate") as client,
        ):
            return [message async for message in client]

    assert asyncio.run(main()) == ["compressed"]
    assert offered == [False]


def test_other_servers_offer_no_writer() -> None:
    assert (
        frame_writer({"type": "websocket", "extensions": {"websocket.http.response": {}}}) is None
    )
    assert frame_writer({"type": "websocket"}) is None


def test_the_socket_is_read_on_until_the_app_falls_behind_then_paused_until_it_catches_up() -> None:
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        write = frame_writer(scope)
        assert write is not None
        protocol = getattr(write, "__self__")  # noqa: B009 - the server's protocol behind the writer
        first = await receive()  # the client sends 3, then waits for "more"
        seen["reading with a short backlog"] = protocol.transport.is_reading()
        await until(lambda: protocol.queue.qsize() >= 2)
        assert write(text_frame("more"))
        await until(lambda: protocol.queue.qsize() >= BACKLOG)
        seen["reading at the backlog"] = protocol.transport.is_reading()
        texts = [first["text"]]
        while len(texts) < 3 + 20:
            texts.append((await receive())["text"])
        seen["reading once caught up"] = protocol.transport.is_reading()
        seen["texts"] = texts
        await send({"type": "websocket.close", "code": 1000})

    async def main() -> None:
        async with serving(app) as url, connect(url) as client:
            for n in range(3):
                await client.send(f"m{n}")
            assert await client.recv() == "more"
            for n in range(3, 23):
                await client.send(f"m{n}")
            async for _ in client:
                pass

    asyncio.run(main())
    assert seen == {
        "reading with a short backlog": True,
        "reading at the backlog": False,
        "reading once caught up": True,
        "texts": [f"m{n}" for n in range(23)],
    }


def test_this_uvicorn_has_every_part_the_writer_needs() -> None:
    found: list[list[str]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        write = frame_writer(scope)
        assert write is not None
        found.append(missing_parts(getattr(write, "__self__")))  # noqa: B009
        await send({"type": "websocket.close", "code": 1000})

    async def main() -> list[str | bytes]:
        async with serving(app) as url, connect(url) as client:
            return [message async for message in client]

    asyncio.run(main())
    assert found == [[]]
    assert FrameWritingProtocol.compatible is True


def test_a_uvicorn_without_those_parts_gets_plain_sends_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """As if a uvicorn release had renamed what the writer reads: no writer is offered, every
    message still arrives through ASGI, and uvicorn's own read pausing is left alone."""
    monkeypatch.setitem(NEEDED, "a_part_uvicorn_no_longer_has", object)
    monkeypatch.setattr(FrameWritingProtocol, "compatible", None)
    offered: list[bool] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        offered.append(frame_writer(scope) is not None)
        await send({"type": "websocket.accept"})
        for n in range(3):
            await send({"type": "websocket.send", "text": f"plain {n}"})
        await send({"type": "websocket.close", "code": 1000})

    async def main() -> list[str | bytes]:
        async with serving(app) as url, connect(url) as client:
            return [message async for message in client]

    with caplog.at_level(logging.WARNING, logger="workshop.frames"):
        assert asyncio.run(main()) == ["plain 0", "plain 1", "plain 2"]
    assert offered == [False] and FrameWritingProtocol.compatible is False
    assert "a_part_uvicorn_no_longer_has" in caplog.text
    assert "plain ASGI sends" in caplog.text


def test_keepalive_pings_go_out_on_whole_ticks_and_are_still_answered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Three connections opened a third of a second apart, pinged every second for three and a
    half seconds each: every ping goes out on a whole tick of the loop's clock (uvicorn alone times each
    from its connection's start), each connection is pinged every tick or so, and none is
    closed for want of an answer."""
    sent: dict[int, list[float]] = {}
    pinging = FrameWritingProtocol.send_keepalive_ping

    def recorded(protocol: FrameWritingProtocol) -> None:
        sent.setdefault(id(protocol), []).append(protocol.loop.time())
        pinging(protocol)

    monkeypatch.setattr(FrameWritingProtocol, "send_keepalive_ping", recorded)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        message = await receive()
        await send({"type": "websocket.send", "text": f"still open after {message['text']}"})
        await send({"type": "websocket.close", "code": 1000})

    async def client(url: str, delay: float) -> list[str | bytes]:
        await asyncio.sleep(delay)
        async with connect(url) as ws:
            await asyncio.sleep(3.5)
            await ws.send("the pings")
            return [message async for message in ws]

    async def main() -> list[list[str | bytes]]:
        async with serving(app, ws_ping_interval=1.0, ws_ping_timeout=0.5) as url:
            return await asyncio.gather(*(client(url, delay) for delay in (0.0, 0.33, 0.66)))

    assert asyncio.run(main()) == [["still open after the pings"]] * 3
    assert len(sent) == 3
    for times in sent.values():
        assert len(times) >= 2, times
        for at in times:
            ticks = at / PING_TICK_SECONDS
            assert abs(ticks - round(ticks)) < 0.05, (at, times)
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        assert all(0.9 < gap < 2.1 for gap in gaps), gaps
