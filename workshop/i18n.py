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

import functools
import io
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal, NoReturn, Self, get_args

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from markupsafe import Markup, escape

Language = Literal["en", "de", "es"]
"""A language the app speaks, by its code."""
LANGUAGES: dict[str, str] = {"en": "English", "de": "Deutsch", "es": "Español"}
"""Every language with a complete catalog, by its code, named in itself."""
_CODES: tuple[Language, ...] = get_args(Language)
assert set(LANGUAGES) == set(_CODES)
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
    # Words marked where they are made and said where they are drawn (see `Message`).
    "N_": None,
    "Message": None,
    "counted": (1, 2),
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


class speaking:
    """Draws what is drawn inside in `language` (an unknown one: in English). A class rather than
    a generator: every phone's every refresh and every answer to an action goes through one."""

    __slots__ = ("_language", "_token")

    def __init__(self, language: str) -> None:
        self._language = language if language in LANGUAGES else SOURCE

    def __enter__(self) -> None:
        self._token = _speaking.set(self._language)

    def __exit__(self, *_: object) -> None:
        _speaking.reset(self._token)


def gettext(message: str) -> str:
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


def language_name(language: str, in_language: str = SOURCE) -> str:
    """A language's name in another (in English unless told): "de" is "German"."""
    return Locale.parse(language).get_display_name(in_language) or language


def chosen(value: str | None) -> Language | None:
    """A language a browser chose (its cookie's value), if the app speaks it."""
    return next((language for language in _CODES if language == value), None)


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


class Message(str):
    """Words for people made where no one is listening yet (a rule's notice, a refusal, a kind's
    step title), said in the listener's language where they are drawn.

    It is the English text as a `str`, so that code and tests that compare, log or show it keep
    working in English, and it keeps its message id and parameters, so that `said()` (and a template,
    through `__html__`) gives it in the language being spoken. The id uses `%(name)s` placeholders;
    a parameter that is itself a `Message` is said in the same language. Frozen, like a `str`."""

    text: str
    """The message id: the English text with its placeholders."""
    plural: str | None
    """The plural's id, for a message that counts (`Message.counted`)."""
    n: int
    params: Mapping[str, object]

    def __new__(cls, text: str, /, **params: object) -> Self:
        return cls._make(text, None, 1, params)

    @classmethod
    def counted(cls, one: str, many: str, n: int, /, **params: object) -> Self:
        """A message whose words agree with `n` ("%(num)s vote", "%(num)s votes"), given as
        `num` unless `params` gives it otherwise."""
        return cls._make(one, many, n, {"num": n} | params)

    @classmethod
    def _make(cls, text: str, plural: str | None, n: int, params: Mapping[str, object]) -> Self:
        chosen = text if plural is None or n == 1 else plural
        # A parameter that is a message is in English here, as everything in the str is.
        english = {name: str(value) for name, value in params.items()}
        made = super().__new__(cls, chosen % english if params else chosen)
        for name, value in (("text", text), ("plural", plural), ("n", n), ("params", params)):
            object.__setattr__(made, name, value)
        return made

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"a Message is frozen: cannot set {name}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Message._make, (self.text, self.plural, self.n, dict(self.params)))

    def said(self) -> str:
        """The message in the language being spoken (see `speaking`). Kept for the last language
        it was said in: one view's message is often drawn many times (a console's every seat
        lists the same groups to move to)."""
        language = current()
        kept: tuple[str, str] | None = self.__dict__.get("_kept")
        if kept is not None and kept[0] == language:
            return kept[1]
        words = self._say()
        object.__setattr__(self, "_kept", (language, words))
        return words

    def _say(self) -> str:
        if self.plural is None:
            words = gettext(self.text)
        else:
            words = ngettext(self.text, self.plural, self.n)
        if not self.params:
            return words
        return words % {name: say(value) for name, value in self.params.items()}

    def __html__(self) -> Markup:
        # Jinja escapes what it prints through this: a message in a template is said there.
        return escape(self.said())

    @staticmethod
    def listed(items: Sequence[str]) -> str:
        """Items as a sentence lists them: "3", "3 and 4", "3, 4 and 5"."""
        if len(items) <= 1:
            return "".join(items)
        return Message(
            "%(items)s and %(last)s", items=Message.joined(*items[:-1], sep=", "), last=items[-1]
        )

    @staticmethod
    def joined(*parts: str, sep: str = " ") -> "Message":
        """Sentences one after the other ("Now: Pair up. 12 pairs seated."), or the items of a
        list ("Curiosity, Respect"), each said in turn."""
        named = {f"part{index}": part for index, part in enumerate(parts)}
        return Message._make(sep.join(f"%({name})s" for name in named), None, 1, named)


class Drawn(Message):
    """Words worked out where they are drawn, by a function of what is known now: a number as the
    language being spoken writes it (`Drawn(words.number, 1400)`: "1,400", "1.400"), or words
    that follow a language's own rules. As a `str` it is the function's English."""

    draw: Callable[..., str]
    args: tuple[object, ...]

    def __new__(cls, draw: Callable[..., str], /, *args: object) -> Self:
        with speaking(SOURCE):
            english = draw(*args)
        made = str.__new__(cls, english)
        fields: tuple[tuple[str, object], ...] = (
            ("text", english),
            ("plural", None),
            ("n", 1),
            ("params", {}),
            ("draw", draw),
            ("args", args),
        )
        for name, value in fields:
            object.__setattr__(made, name, value)
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (Drawn, (self.draw, *self.args))

    def _say(self) -> str:
        return self.draw(*self.args)


def translated(marked: str) -> str:
    """Words marked for translation where they were made (with `N_`) and kept since as plain
    text (in a summary's data, say), in the language being spoken."""
    return gettext(marked) if marked else marked


def say(value: object) -> object:
    """A message in the language being spoken; anything else as it is."""
    return value.said() if isinstance(value, Message) else value


_MARKED: dict[str, Message] = {}


def N_(text: str) -> Message:
    """Marks words made now and said later, where they are drawn (see `Message`). One message per
    wording, made at its first use (the wordings are the code's own, so they are few): a vote
    flood answers thousands of actions a second with the same "Vote saved"."""
    marked = _MARKED.get(text)
    if marked is None:
        marked = _MARKED[text] = Message(text)
    return marked
