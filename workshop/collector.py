"""Keeps Python's full garbage collections short while a big room is connected.

A room of 2,000 phones holds hundreds of thousands of long-lived objects (its connections, their
tasks, buffers and headers). Every full collection walks all of them and finds almost nothing:
pauses grew to 300 ms at 2,000 phones, and each one held up every screen's update. So every few
seconds the young generations are collected and whatever survives is frozen (`gc.freeze`): full
collections then walk only what arrived since. A frozen object that later becomes part of an
unreachable cycle cannot be reclaimed while frozen, so every few minutes everything is thawed and
collected once, in one pause, instead of many.
"""

import asyncio
import gc
import time
from collections.abc import Callable

FREEZE_SECONDS = 5.0
THAW_SECONDS = 600.0


async def keep_collections_short(
    freeze_every: float = FREEZE_SECONDS,
    thaw_every: float = THAW_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    thawed = clock()
    try:
        while True:
            await asyncio.sleep(freeze_every)
            if clock() - thawed >= thaw_every:
                gc.unfreeze()
                gc.collect()
                thawed = clock()
            else:
                gc.collect(1)
            gc.freeze()
    finally:
        gc.unfreeze()
