"""How numbers and moments are written for people: "1 vote", "2,000 votes", "4 December 2026,
18:58 UTC". One home for these, so every screen and every export says them alike, in the language
being spoken (see `workshop.i18n`): "2.000 Stimmen", "4. Dezember 2026, 18:58 UTC"."""

import datetime

from babel.dates import format_date, format_time
from babel.numbers import format_decimal

from workshop import i18n


def count(n: int, one: str, many: str) -> str:
    """`n` with the noun that agrees with it, thousands separated: "1 vote", "2,000 votes". The
    noun is a message in its two English forms; the language's own plural rules choose."""
    return f"{number(n)} {i18n.ngettext(one, many, n)}"


def within(label: str) -> str:
    """A label as it reads within a sentence ("Case 2, customer card, situation"): its first
    letter small, except in German, whose nouns keep their capital ("Fall 2, Kundenkarte")."""
    return label if i18n.current() == "de" else label[:1].lower() + label[1:]


def number(n: float) -> str:
    return format_decimal(n, locale=i18n.locale())


def points(value: float) -> str:
    """A change in percentage points, whole and signed, as the language writes it: "+25",
    "-1,200" ("-1.200" in German). Rounded before it is signed, so that -0.4 reads "+0"."""
    return format_decimal(round(value), "+#,##0;-#,##0", locale=i18n.locale())


def decimal(value: float | None, signed: bool = False) -> str:
    """A mean or a gap to one decimal, as the language writes it ("3.5", German "3,5"); signed,
    "+0.5" and "-1.0"; "-" where there is none."""
    if value is None:
        return "-"
    pattern = "+#,##0.0;-#,##0.0" if signed else "#,##0.0"
    return format_decimal(value, pattern, locale=i18n.locale())


def _utc(timestamp: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC)


def moment(timestamp: float) -> str:
    """A moment as a person writes it, in UTC (a summary is read far from where it was made)."""
    at = _utc(timestamp)
    return f"{day(timestamp)}, {format_time(at, 'HH:mm', locale=i18n.locale())} UTC"


def day(timestamp: float) -> str:
    """A date as a person writes it: "4 December 2026"."""
    return format_date(_utc(timestamp), "long", locale=i18n.locale())
