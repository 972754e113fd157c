"""How numbers and moments are written for people: "1 vote", "2,000 votes", "4 December 2026,
18:58 UTC". One home for these, so every screen and every export says them alike."""

import datetime


def count(n: int, one: str, many: str) -> str:
    """`n` with the noun that agrees with it, thousands separated: "1 vote", "2,000 votes"."""
    return f"{n:,} {one if n == 1 else many}"


def moment(timestamp: float) -> str:
    """A moment as a person writes it, in UTC (a summary is read far from where it was made)."""
    at = datetime.datetime.fromtimestamp(timestamp, datetime.UTC)
    return f"{at.day} {at:%B %Y, %H:%M} UTC"


def day(timestamp: float) -> str:
    """A date as a person writes it: "4 December 2026"."""
    at = datetime.datetime.fromtimestamp(timestamp, datetime.UTC)
    return f"{at.day} {at:%B %Y}"
