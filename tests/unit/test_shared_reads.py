"""SharedReads: callers who ask at the same time share one read, and never get one that began
before they asked."""

import asyncio
import gc
from typing import Any

import pytest

from workshop.hub import SharedReads


class Reads:
    """A stand-in for the store's whole-room read: each read is numbered when it starts, and ends
    only when the test lets it."""

    def __init__(self) -> None:
        self.started = 0
        self.release: list[asyncio.Event] = []
        self.fail_next = False

    async def load(self, code: str) -> Any:
        self.started += 1
        number = self.started
        gate = asyncio.Event()
        self.release.append(gate)
        await gate.wait()
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("store gone")
        return (code, number)

    async def finish(self, number: int) -> None:
        await settle()
        assert len(self.release) >= number, f"read {number} never started"
        self.release[number - 1].set()
        await settle()


async def settle() -> None:
    """Lets every task that can run, run (a few turns of the loop)."""
    for _ in range(10):
        await asyncio.sleep(0)


def test_callers_during_a_read_share_the_next_one_which_starts_after_they_asked() -> None:
    async def main() -> None:
        reads = Reads()
        shared = SharedReads(reads.load)
        first = asyncio.create_task(shared.read("ABCD"))
        await settle()
        assert reads.started == 1
        # Ten callers arrive while read 1 is under way: read 1 may miss what they just wrote.
        later = [asyncio.create_task(shared.read("ABCD")) for _ in range(10)]
        await settle()
        assert reads.started == 1
        await reads.finish(1)
        assert await first == ("ABCD", 1)
        assert reads.started == 2  # one read for all ten, started once read 1 ended
        assert not any(task.done() for task in later)
        await reads.finish(2)
        assert {await task for task in later} == {("ABCD", 2)}
        # Nobody waiting: nothing more is read.
        for _ in range(5):
            await settle()
        assert reads.started == 2

    asyncio.run(main())


def test_rooms_are_read_apart() -> None:
    async def main() -> None:
        reads = Reads()
        shared = SharedReads(reads.load)
        a = asyncio.create_task(shared.read("AAAA"))
        b = asyncio.create_task(shared.read("BBBB"))
        await settle()
        assert reads.started == 2
        await reads.finish(1)
        await reads.finish(2)
        assert {await a, await b} == {("AAAA", 1), ("BBBB", 2)}

    asyncio.run(main())


def test_a_failed_read_fails_its_callers_and_the_next_caller_reads_again() -> None:
    async def main() -> None:
        reads = Reads()
        shared = SharedReads(reads.load)
        reads.fail_next = True
        callers = [asyncio.create_task(shared.read("ABCD")) for _ in range(3)]
        await reads.finish(1)
        for task in callers:
            with pytest.raises(ConnectionError, match="store gone"):
                await task
        again = asyncio.create_task(shared.read("ABCD"))
        await reads.finish(2)
        assert await again == ("ABCD", 2)

    asyncio.run(main())


def test_a_caller_that_gives_up_does_not_cancel_the_read_of_the_others() -> None:
    async def main() -> None:
        reads = Reads()
        shared = SharedReads(reads.load)
        quitter = asyncio.create_task(shared.read("ABCD"))
        stayer = asyncio.create_task(shared.read("ABCD"))
        await asyncio.sleep(0)
        quitter.cancel()
        await reads.finish(1)
        assert quitter.cancelled()
        assert await stayer == ("ABCD", 1)

    asyncio.run(main())


def test_a_failure_nobody_waits_for_is_not_reported_as_unretrieved() -> None:
    """Every caller gave up before the read failed: asyncio must not log "exception was never
    retrieved" (the suite turns warnings and such reports into failures)."""

    async def main() -> None:
        reads = Reads()
        shared = SharedReads(reads.load)
        reads.fail_next = True
        caller = asyncio.create_task(shared.read("ABCD"))
        await asyncio.sleep(0)
        caller.cancel()
        await reads.finish(1)
        assert caller.cancelled()

    loop_errors: list[dict[str, Any]] = []

    def run() -> None:
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(lambda _loop, context: loop_errors.append(context))
        try:
            loop.run_until_complete(main())
        finally:
            loop.close()

    run()
    gc.collect()
    assert loop_errors == []
