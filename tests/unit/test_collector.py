"""The collector freezes what survives, and thaws and reclaims it on schedule."""

import asyncio
import gc
import weakref

from workshop.collector import keep_collections_short


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> tuple[weakref.ref[Node], list[Node]]:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a), [a, b]


def test_survivors_are_frozen_and_a_frozen_cycle_is_reclaimed_at_the_next_thaw() -> None:
    now = [0.0]

    async def main() -> None:
        keeper = asyncio.create_task(
            keep_collections_short(freeze_every=0.01, thaw_every=100.0, clock=lambda: now[0])
        )
        try:
            alive, holder = cycle()
            await asyncio.sleep(0.05)
            assert gc.get_freeze_count() > 0
            # Dropped while frozen: a full collection does not see the cycle.
            holder.clear()
            gc.collect()
            assert alive() is not None
            # The thaw is due: everything is unfrozen and collected once.
            now[0] = 100.0
            await asyncio.sleep(0.05)
            assert alive() is None
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)

    try:
        asyncio.run(main())
        assert gc.get_freeze_count() == 0  # a stopped collector leaves nothing frozen
    finally:
        gc.unfreeze()
