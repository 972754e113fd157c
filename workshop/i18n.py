"""The languages the app speaks.

English words in code and templates are the message ids; each other language's catalog,
`workshop/locale/<language>/LC_MESSAGES/messages.po`, gives them in that language, with its plural
rules. The catalogs are read as they are kept (no compiled `.mo` files to go stale): each is compiled
in memory the first time it is used. `scripts/translations` extracts the ids into
`workshop/locale/messages.pot` and brings every catalog up to date with it; a test fails when a
message has no translation in some language, or when the template is out of date.

What language a piece of text is drawn in is the one `speaking` set around the drawing: the room's
language for the console and the projector, a phone's own choice for that phone.
"""

import contextlib
import functools
import io
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES: dict[str, str] = {"en": "English", "de": "Deutsch", "es": "Español"}
"""Every language with a complete catalog, by its code, named in itself."""
SOURCE = "en"
"""The language of the message ids themselves: it needs no catalog."""
LOCALES = {"en": "en_GB", "de": "de_DE", "es": "es_ES"}
"""How each language writes dates and numbers: British English ("4 December 2026")."""
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    # words.count(n, "vote", "votes"): the noun in its two forms.
    "count": (2, 3),
}
"""The calls whose string arguments are messages, for extraction (Babel's keyword form)."""

_speaking: ContextVar[str] = ContextVar("language", default=SOURCE)


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(language: str) -> NullTranslations:
    """The language's catalog, compiled once; English and an unknown language: the ids as they
    are."""
    if language == SOURCE or language not in LANGUAGES:
        return NullTranslations()
    with catalog_path(language).open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def current() -> str:
    return _speaking.get()


def locale() -> Locale:
    """How the language being spoken writes dates and numbers."""
    return _locale(current())


@functools.cache
def _locale(language: str) -> Locale:
    return Locale.parse(LOCALES[language])


@contextlib.contextmanager
def speaking(language: str) -> Iterator[None]:
    """Draws what is drawn inside in `language` (an unknown one: in English)."""
    token = _speaking.set(language if language in LANGUAGES else SOURCE)
    try:
        yield
    finally:
        _speaking.reset(token)


def gettext(message: str) -> str:
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


def language_name(language: str, in_language: str = SOURCE) -> str:
    """A language's name in another (in English unless told): "de" is "German"."""
    return Locale.parse(language).get_display_name(in_language) or language


def negotiate(accept_language: str) -> str:
    """The language a browser asks for first among those the app speaks (its Accept-Language
    header, in order of preference), else English."""
    wanted: list[tuple[float, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            wanted.append((-quality + position * 1e-6, tag.strip()))
    for _, tag in sorted(wanted):
        try:
            language = Locale.parse(tag.replace("-", "_")).language
        except (ValueError, UnknownLocaleError):
            continue
        if language in LANGUAGES:
            return language
    return SOURCE
