"""A screen's fragments go straight to its socket when the server can write them at once, and
through the sender task otherwise, without ever overtaking one another."""

import asyncio
from typing import Any

from websockets.frames import Frame
from websockets.streams import StreamReader

from workshop.frames import FRAME_WRITER, text_frame
from workshop.live import LiveConnection
from workshop.render import Audience


def decode(frame: bytes) -> str:
    reader = StreamReader()
    reader.feed_data(frame)
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        return str(done.value.data.decode("utf-8"))
    raise AssertionError("an incomplete frame")


class Socket:
    """The server side of one websocket: a writer that can be told to refuse."""

    def __init__(self, with_writer: bool = True) -> None:
        self.accepting = True
        self.written: list[str] = []
        self.sent: list[str] = []
        extensions: dict[str, Any] = {}
        if with_writer:
            extensions[FRAME_WRITER] = {"write": self.write}
        self.scope = {"type": "websocket", "extensions": extensions}
        self.sent_two = asyncio.Event()

    def write(self, frame: bytes) -> bool:
        if self.accepting:
            self.written.append(decode(frame))
        return self.accepting

    async def send_text(self, text: str) -> None:
        self.sent.append(text)
        if len(self.sent) == 2:
            self.sent_two.set()


def connection(socket: Socket) -> LiveConnection:
    return LiveConnection(None, socket, "ABCD", Audience("phone", "p1"))  # type: ignore[arg-type]


def test_fragments_are_written_at_once_when_the_socket_takes_them() -> None:
    async def main() -> None:
        socket = Socket()
        live = connection(socket)
        live._push("<div>one</div>")
        live._push("<div>two</div>", text_frame("<div>two</div>"))
        assert socket.written == ["<div>one</div>", "<div>two</div>"]
        assert live.outbox.empty()

    asyncio.run(main())


def test_a_refused_fragment_is_queued_and_later_ones_wait_behind_it() -> None:
    async def main() -> None:
        socket = Socket()
        live = connection(socket)
        socket.accepting = False
        live._push("first")
        socket.accepting = True
        live._push("second")  # the socket would take it, but "first" is still queued
        assert socket.written == []
        sender = asyncio.create_task(live.send_loop())
        await socket.sent_two.wait()
        await asyncio.sleep(0)  # the sender is back waiting on its empty outbox
        live._push("third")  # the queue is empty again: straight to the socket
        sender.cancel()
        assert socket.sent == ["first", "second"]
        assert socket.written == ["third"]

    asyncio.run(main())


def test_nothing_overtakes_a_fragment_the_sender_is_handing_over() -> None:
    async def main() -> None:
        socket = Socket()
        release = asyncio.Event()

        async def slow_send(text: str) -> None:
            await release.wait()
            socket.sent.append(text)
            if len(socket.sent) == 2:
                socket.sent_two.set()

        socket.send_text = slow_send  # type: ignore[method-assign]
        live = connection(socket)
        socket.accepting = False
        live._push("first")
        socket.accepting = True
        sender = asyncio.create_task(live.send_loop())
        await asyncio.sleep(0)  # the sender has taken "first" and waits on the socket
        assert live.outbox.empty()
        live._push("second")
        release.set()
        await socket.sent_two.wait()
        sender.cancel()
        assert socket.sent == ["first", "second"]
        assert socket.written == []

    asyncio.run(main())


def test_without_a_writer_every_fragment_goes_through_the_sender() -> None:
    async def main() -> None:
        socket = Socket(with_writer=False)
        live = connection(socket)
        live._push("one")
        live._push("two")
        assert socket.written == []
        assert [live.outbox.get_nowait(), live.outbox.get_nowait()] == ["one", "two"]

    asyncio.run(main())


def test_nothing_is_written_past_a_close_waiting_in_the_outbox() -> None:
    """A removed participant's phone is sent its last screen, then closed: a change drawn before
    the sender has closed it must not reach it."""

    async def main() -> None:
        socket = Socket()
        closed: list[int] = []

        async def close(code: int) -> None:
            closed.append(code)

        socket.close = close  # type: ignore[attr-defined]
        live = connection(socket)
        live._push("last screen")
        live.close(1008)
        live._push("a later change")
        assert socket.written == ["last screen"]
        sender = asyncio.create_task(live.send_loop())
        await sender
        assert closed == [1008]
        assert socket.sent == []
        # The later change stayed behind the close, and was never sent.
        assert live.outbox.qsize() == 1 and live.outbox.get_nowait() == "a later change"

    asyncio.run(main())
