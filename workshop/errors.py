import asyncio
from typing import Any


class Rejected(Exception):
    """An action that the rules refuse, with a message meant for the person who sent it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StoreUnavailable(Exception):
    """The room's store cannot be reached, or did not answer in time. The store raises it for any
    failure of its own (no other module knows what the store is made of); a page answers 503 and
    an action is refused, and both work again once the store answers."""


def mark_seen(future: "asyncio.Future[Any]") -> None:
    """A done-callback for futures that callers may stop waiting for (a phone that disconnects):
    marks a failure as seen, so asyncio does not report it as never retrieved."""
    if not future.cancelled():
        future.exception()
