"""How numbers and moments are written for people."""

import datetime
import itertools
from statistics import mean

from tests.decimals import one_decimal
from workshop.words import count, day, decimal, moment

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


def test_a_mean_or_a_gap_is_rounded_as_a_reader_sees_it() -> None:
    # 1.5 - 3.45 is -1.95 to a reader, a hair above it as a float: ties go to the even digit of
    # the decimal form, whatever the float's last bits say.
    assert decimal(1.5 - 3.45, signed=True) == "-2.0"
    assert decimal(2.25) == "2.2" and decimal(2.35) == "2.4"
    assert decimal(0.0, signed=True) == "+0.0"
    assert decimal(None) == "-"
    # Every mean of up to four scores of 1 to 5, and every gap between two such means.
    means = {
        mean(scores) for n in range(1, 5) for scores in itertools.product(range(1, 6), repeat=n)
    }
    for own, partners in itertools.product(sorted(means), repeat=2):
        assert decimal(own) == one_decimal(own)
        assert decimal(own - partners, signed=True) == one_decimal(own - partners, signed=True)
