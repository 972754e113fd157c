"""A text frame that is not valid UTF-8 closes its connection with 1007 and costs the log one line:
no traceback, and no more than one such line every 10 s however many arrive."""

import asyncio
import base64
import logging
import os

from websockets.frames import Frame, Opcode

from tests.integration.test_frame_writer import serving
from workshop.app import QuietBadFrames, create_app
from workshop.settings import Settings

SERVER_LOG = "uvicorn.error"


async def accept_and_read(scope: dict[str, object], receive: object, send: object) -> None:
    """A websocket app that accepts and reads until the client goes."""
    assert callable(receive) and callable(send)
    assert scope["type"] == "websocket"
    await receive()
    await send({"type": "websocket.accept"})
    while (await receive())["type"] != "websocket.disconnect":
        pass


async def send_bad_frame(url: str) -> bytes:
    """Opens a websocket by hand, sends one text frame of invalid UTF-8, returns what comes back."""
    host, port = url.removeprefix("ws://").rstrip("/").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    writer.write(Frame(Opcode.TEXT, b'{"type": "\xff\xfe"}').serialize(mask=True))
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return answer


def bad_frames_logged(count: int, quiet: QuietBadFrames | None) -> list[logging.LogRecord]:
    """Sends `count` bad frames to a real server and returns the server's log records about them
    (its logger does not propagate to the root, so the records are caught on it directly)."""
    logger = logging.getLogger(SERVER_LOG)
    caught: list[logging.LogRecord] = []
    catcher = logging.Handler()
    catcher.emit = caught.append  # type: ignore[method-assign]
    # Only the filter under test: an app made earlier in this session installed its own.
    installed = logger.filters[:]
    logger.filters = [f for f in installed if not isinstance(f, QuietBadFrames)]
    if quiet is not None:
        logger.addFilter(quiet)

    async def scenario() -> list[bytes]:
        async with serving(accept_and_read) as url:
            logger.addHandler(catcher)
            return [await send_bad_frame(url) for _ in range(count)]

    try:
        answers = asyncio.run(scenario())
    finally:
        logger.removeHandler(catcher)
        logger.filters = installed
    for answer in answers:
        # A close frame: 0x88, the length, then the code 1007 (0x03EF).
        assert answer[:1] == b"\x88" and answer[2:4] == (1007).to_bytes(2, "big"), answer
    return [r for r in caught if "UTF-8" in r.getMessage()]


def test_the_server_alone_logs_a_traceback_per_bad_frame() -> None:
    """What `QuietBadFrames` is for; if a server release stops doing this, the filter can go."""
    records = bad_frames_logged(2, None)
    assert len(records) == 2 and all(r.exc_info for r in records)
    assert records[0].getMessage() == QuietBadFrames.MESSAGE


def test_invalid_utf8_closes_with_1007_and_logs_one_line_without_a_traceback() -> None:
    (line,) = bad_frames_logged(5, QuietBadFrames())
    assert line.exc_info is None and line.exc_text is None
    assert line.levelname == "WARNING"
    assert "\n" not in line.getMessage()


def test_a_later_line_counts_the_ones_left_out() -> None:
    quiet = QuietBadFrames(interval=0.0)
    quiet.interval = 3600.0

    def record() -> logging.LogRecord:
        return logging.LogRecord(
            SERVER_LOG, logging.ERROR, __file__, 1, QuietBadFrames.MESSAGE, None, None
        )

    first, second, third = record(), record(), record()
    assert quiet.filter(first) and not quiet.filter(second) and not quiet.filter(third)
    quiet.interval = 0.0
    fourth = record()
    assert quiet.filter(fourth)
    assert "2 more since the last such line" in fourth.getMessage()
    other = logging.LogRecord(SERVER_LOG, logging.ERROR, __file__, 1, "other", None, None)
    assert quiet.filter(other) and other.levelname == "ERROR"


def test_the_app_quiets_the_servers_log() -> None:
    create_app(Settings())
    create_app(Settings())
    filters = logging.getLogger(SERVER_LOG).filters
    assert sum(isinstance(f, QuietBadFrames) for f in filters) == 1
