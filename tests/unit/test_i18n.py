"""Languages: the catalogs are complete and kept in step with the code; numbers, plurals and dates
are written as each language writes them; a browser's languages choose one the app speaks."""

import re
import shutil
from pathlib import Path

import pytest

from workshop import catalogs, i18n, words
from workshop.render import Renderer

DECEMBER_4_18_58 = 1796410680.0


def test_every_message_is_translated_in_every_language() -> None:
    gaps = catalogs.gaps()
    assert gaps == [], "run `workshop translations update`, then translate:\n" + "\n".join(
        str(gap) for gap in gaps
    )


def test_a_new_english_message_without_its_translations_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "workshop"
    (package / "templates").mkdir(parents=True)
    (package / "rules.py").write_text('notice = _("Voting is closed.")\n', encoding="utf-8")
    (package / "templates" / "page.html").write_text(
        '<p>{{ count(n, "vote", "votes") }}</p>\n', encoding="utf-8"
    )
    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale)
    monkeypatch.setattr(catalogs, "PACKAGE", package)
    monkeypatch.setattr(catalogs, "TEMPLATE", locale / "messages.pot")
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale)

    found = {(gap.language, gap.message, gap.why) for gap in catalogs.gaps()}
    assert ("template", "Voting is closed.", "used in the code, not in messages.pot") in found
    assert ("de", "Voting is closed.", "not translated") in found
    assert ("es", "Voting is closed.", "not translated") in found
    # A message the code no longer uses is caught as well (the template's other nouns).
    assert ("template", ("person", "people"), "in messages.pot, no longer used") in found

    # Updating brings the new message into every catalog, untranslated: still a gap to fill.
    catalogs.update()
    after = {(gap.language, gap.message) for gap in catalogs.gaps()}
    assert after == {("de", "Voting is closed."), ("es", "Voting is closed.")}


@pytest.mark.parametrize(
    ("language", "one", "many", "millions", "moment", "decimals"),
    [
        (
            "en",
            "1 vote",
            "2,000 votes",
            "1,000,000 votes",
            "4 December 2026, 18:58 UTC",
            ("3.5", "+0.5", "-1.0", "-"),
        ),
        (
            "de",
            "1 Stimme",
            "2.000 Stimmen",
            "1.000.000 Stimmen",
            "4. Dezember 2026, 18:58 UTC",
            ("3,5", "+0,5", "-1,0", "-"),
        ),
        (
            "es",
            "1 voto",
            "2.000 votos",
            "1.000.000 de votos",
            "4 de diciembre de 2026, 18:58 UTC",
            ("3,5", "+0,5", "-1,0", "-"),
        ),
    ],
)
def test_numbers_plurals_and_dates_in_each_language(
    language: str, one: str, many: str, millions: str, moment: str, decimals: tuple[str, ...]
) -> None:
    with i18n.speaking(language):
        assert words.count(1, "vote", "votes") == one
        assert words.count(2000, "vote", "votes") == many
        assert words.count(1_000_000, "vote", "votes") == millions
        assert words.moment(DECEMBER_4_18_58) == moment
        mean, gap, fall, none = decimals
        assert words.decimal(3.46) == mean
        assert words.decimal(0.5, signed=True) == gap
        assert words.decimal(-1, signed=True) == fall
        assert words.decimal(None) == none
        assert words.points(-0.4) == "+0"
        assert words.points(-1200) == ("-1,200" if language == "en" else "-1.200")
    assert i18n.current() == "en"


def test_a_language_the_app_does_not_speak_is_drawn_in_english() -> None:
    with i18n.speaking("fr"):
        assert i18n.current() == "en"
        assert words.count(2, "vote", "votes") == "2 votes"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("de-CH,de;q=0.9,en;q=0.8", "de"),
        ("fr-FR,fr;q=0.9,es;q=0.5", "es"),
        ("es-419", "es"),
        ("en-US,en;q=0.9,de;q=0.8", "en"),
        ("fr", "en"),
        ("", "en"),
        ("*", "en"),
        ("de;q=0, es;q=0.2", "es"),
        ("x-klingon;q=1, de;q=nonsense, es", "es"),
    ],
)
def test_a_browsers_languages_choose_one_the_app_speaks(header: str, language: str) -> None:
    assert i18n.negotiate(header) == language


def test_a_plural_in_a_template_agrees_with_its_count() -> None:
    """Jinja chooses a `{% trans %}` block's plural by the first of its variables: a block with a
    plural names `count` first (or only)."""
    package = Path(i18n.__file__).parent
    found = []
    for template in sorted(package.glob("**/templates/*.html")):
        text = template.read_text(encoding="utf-8")
        for block in re.finditer(
            r"{%-? trans( [^%]*)?%}((?:(?!{% endtrans).)*){% endtrans", text, re.S
        ):
            params, body = block.group(1) or "", block.group(2)
            if "{% pluralize" in body:
                found.append(template.name)
                assert params.strip().startswith("count="), f"{template.name}: {params}"
    assert len(found) >= 10


def test_the_renderers_gettext_behaves_as_jinjas_new_style() -> None:
    env = Renderer().env
    drawn = env.from_string(
        '{{ _("100%% sure") }}|{{ _("Hello %(name)s", name=who) }}|'
        '{{ ngettext("%(num)s dot", "%(num)s dots", 3) }}|'
        "{% trans count=n %}{{ count }} group{% pluralize %}{{ count }} groups{% endtrans %}"
    )
    assert drawn.render(who="<b>Ada</b>", n=1) == (
        "100% sure|Hello &lt;b&gt;Ada&lt;/b&gt;|3 dots|1 group"
    )
    with i18n.speaking("de"):
        assert drawn.render(who="Ada", n=2).endswith("|3 Punkte|2 Gruppen")
