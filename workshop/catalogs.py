"""The translation catalogs kept up to date with the code: `workshop translations update` extracts
every message from the code and the templates into `workshop/locale/messages.pot` and merges it
into each language's catalog (a new message arrives there untranslated); `workshop translations
check` lists what is missing, and the test suite runs the same check, so an English string added
without its translations fails CI."""

import datetime
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from workshop import i18n

PACKAGE = Path(__file__).parent
TEMPLATE = i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot"
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}

STABLE_DATE = datetime.datetime(2026, 12, 4, tzinfo=datetime.UTC)

Message = str | tuple[str, ...]
"""A message id: a text, or a text and its plural."""


def extract() -> Catalog:
    """Every message the code and the templates use, with where each is used."""
    # A fixed date: the template changes only when its messages do.
    catalog = Catalog(
        domain=i18n.DOMAIN, project="workshop", fuzzy=False, creation_date=STABLE_DATE
    )
    for filename, line, message, comments, context in extract_from_dir(
        PACKAGE, METHODS, OPTIONS, keywords=i18n.KEYWORDS
    ):
        catalog.add(
            message, None, [(f"workshop/{filename}", line)], auto_comments=comments, context=context
        )
    return catalog


def read(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=language, domain=i18n.DOMAIN)


def write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as target:
        write_po(target, catalog, width=100, sort_output=True, omit_header=False)


def ids(catalog: Catalog) -> set[Message]:
    return {
        message.id if isinstance(message.id, str) else tuple(message.id)
        for message in catalog
        if message.id
    }


@dataclass(frozen=True)
class Gap:
    language: str
    message: Message
    why: str

    def __str__(self) -> str:
        return f"{self.language}: {self.message!r}: {self.why}"


def gaps() -> list[Gap]:
    """What keeps the catalogs from being complete: the template out of date with the code, and
    every message some language lacks (untranslated, a plural form missing, or fuzzy)."""
    found: list[Gap] = []
    used = ids(extract())
    kept = ids(read(TEMPLATE)) if TEMPLATE.exists() else set()
    found += [Gap("template", m, "used in the code, not in messages.pot") for m in used - kept]
    found += [Gap("template", m, "in messages.pot, no longer used") for m in kept - used]
    for language in i18n.LANGUAGES:
        if language == i18n.SOURCE:
            continue
        path = i18n.catalog_path(language)
        catalog = read(path, language) if path.exists() else Catalog(locale=language)
        for message in used:
            entry = catalog.get(message)
            if entry is None or not entry.string or entry.string == ("",) * len(entry.string):
                found.append(Gap(language, message, "not translated"))
            elif isinstance(entry.string, tuple) and not all(entry.string):
                found.append(Gap(language, message, "a plural form is missing"))
            elif entry.fuzzy:
                found.append(Gap(language, message, "marked fuzzy: check the translation"))
    return found


def update() -> None:
    """Writes the template from the code and merges it into every language's catalog."""
    template = extract()
    write(TEMPLATE, template)
    for language in i18n.LANGUAGES:
        if language == i18n.SOURCE:
            continue
        path = i18n.catalog_path(language)
        catalog = read(path, language) if path.exists() else Catalog(locale=language)
        catalog.update(template, no_fuzzy_matching=True)
        write(path, catalog)
