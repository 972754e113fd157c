"""How numbers and moments are written for people."""

import datetime

from workshop.words import count, day, moment

AT = datetime.datetime(2026, 12, 4, 18, 58, 30, tzinfo=datetime.UTC).timestamp()


def test_count_agrees_with_its_noun() -> None:
    assert count(0, "vote", "votes") == "0 votes"
    assert count(1, "vote", "votes") == "1 vote"
    assert count(2, "person", "people") == "2 people"


def test_count_separates_thousands() -> None:
    assert count(2000, "phone", "phones") == "2,000 phones"


def test_moment_and_day_read_as_written() -> None:
    assert moment(AT) == "4 December 2026, 18:58 UTC"
    assert day(AT) == "4 December 2026"
