"""A simulated screen reads and writes websocket frames as a browser's socket does."""

import asyncio
import json

from websockets.asyncio.server import ServerConnection, serve

from bench.screens import Screen

LONG = "x" * 70_000
MIDDLE = "y" * 300


def test_a_screen_reads_every_frame_answers_pings_and_reports_the_close_code() -> None:
    received: list[dict[str, object]] = []
    pong = asyncio.Event()

    async def handler(ws: ServerConnection) -> None:
        received.append(json.loads(await ws.recv()))
        await ws.send('<div id="stage">short</div>')
        await ws.send(f'<div id="stage">{MIDDLE}</div>')
        await ws.send(f'<div id="stage">{LONG}</div>')
        await ws.send(['<div id="timer" ', 'data-left="42">', "0:42</div>"])
        await (await ws.ping(b"are you there"))
        pong.set()
        received.append(json.loads(await ws.recv()))
        await ws.close(1012)

    async def run() -> Screen:
        async with serve(handler, "127.0.0.1", 0, compression=None, ping_interval=None) as server:
            port = server.sockets[0].getsockname()[1]
            screen = Screen("phone 1", "http://testserver/r/ROOM", ("stage", "timer"))
            await screen.open(f"ws://127.0.0.1:{port}/ws/ROOM/phone", "http://testserver")
            screen.send_text(json.dumps({"type": "first"}))
            await screen.until("the timer", lambda: screen.latest.get("timer"), 5)
            await asyncio.wait_for(pong.wait(), 5)
            await screen.send({"type": "second"})
            await screen.until("the close", lambda: screen.ended, 5)
            return screen

    screen = asyncio.run(run())
    assert [message["type"] for message in received] == ["first", "second"]
    headers = received[1]["HEADERS"]
    assert isinstance(headers, dict) and headers["HX-Current-URL"] == "http://testserver/r/ROOM"
    assert screen.frames == 4
    assert screen.latest["stage"].html == f'<div id="stage">{LONG}</div>'
    assert screen.timer_changes[-1][1] == 42
    assert screen.ended is not None and "close code 1012" in screen.ended
