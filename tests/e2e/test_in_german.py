"""Acceptance: the 90-minute agenda's first two exercises in a German room.

The facilitator's browser asks for German, so the room speaks it; the projector's browser asks for
English and follows the room. Three phones join, and one of them switches itself to Spanish. Every
screen, at every moment, is read word by word against the catalogs: no word of the app's English
may show outside the participants' names and what they wrote, and every screen passes the layout
and accessibility checks in German, the longest of the three languages. The Markdown export is
German too.
"""

import re
from collections.abc import Iterable
from functools import cache
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.audit import audit, check_page
from tests.e2e.conftest import CONSOLE, EXERCISES, PHONES, PROJECTOR, NewPage
from tests.e2e.helpers import wait_live
from tests.e2e.test_exports import download
from tests.unit.test_drawn_in_german import strings
from workshop import catalogs, i18n
from workshop.exercises import load_library
from workshop.i18n import Message

LIBRARY = load_library(EXERCISES)
AGENDA = LIBRARY.agendas["breakthrough-90"]
POLL = LIBRARY.in_language("warmup-hardest-habit", "de")
QUESTIONS = LIBRARY.in_language("best-question-turnarounds", "de")
NAMES = ("Anna", "Jonas", "Lucía")
SPANISH = "Lucía"
# What the participants write (their own text, so never checked as the app's words).
WRITTEN = {
    "Anna": "Was würde Ihnen die Arbeit nächste Woche leichter machen?",
    "Jonas": "Worauf sind Sie in diesem Jahr am meisten stolz?",
    "Lucía": "¿Qué te ayudaría a dormir mejor el domingo por la noche?",
}
PICKS = {"Anna": 3, "Jonas": 3, "Lucía": 2}
"""Which option each phone taps in the poll, by position from 0."""

PLACEHOLDER_OR_TAG = re.compile(r"%\(\w+\)[sd]|<[^>]+>|\{\w*\}")
WORD = re.compile(r"[^\W\d_]{2,}")


def said(language: str, text: str, **params: object) -> str:
    """A message of the app as the catalog says it in `language`, as a page reads (no tags)."""
    with i18n.speaking(language):
        return re.sub(r"<[^>]+>", "", Message(text, **params).said())


def _words(text: str) -> set[str]:
    return {word.lower() for word in WORD.findall(PLACEHOLDER_OR_TAG.sub(" ", text))}


@cache
def english_only(language: str) -> frozenset[str]:
    """Every word of the app's English messages that the catalog of `language` never uses in any
    of its translations, nor the room's exercises in their German texts: such a word on a screen
    is the app's English left untranslated."""
    english: set[str] = set()
    translated: set[str] = set()
    for message in catalogs.read(i18n.catalog_path(language), language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        translations = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            english |= _words(text)
        for text in translations:
            translated |= _words(text)
    content: set[str] = set()
    for item in AGENDA.items:
        content |= _words(" ".join(strings(LIBRARY.in_language(item.exercise, "de").model_dump())))
    found = frozenset(english - translated - content)
    assert len(found) > 300, f"the {language} catalog's English should be found here"
    return found


@cache
def in_english_only() -> tuple[str, ...]:
    """The texts of the library's exercises that have no German: a German room's library lists
    them as their files give them (marked as English), which is content, not the app's words."""
    return tuple(
        text
        for exercise_id, exercise in LIBRARY.exercises.items()
        if "de" not in LIBRARY.languages(exercise_id)
        for text in (exercise.title, exercise.summary)
    )


# Runs in the page: everything a person reads or hears of it, the hidden tabs of the console
# included, with the accessible names and hints of its controls.
_READ_JS = """
() => {
  const parts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const element = walker.currentNode.parentElement;
    if (element && !element.closest('script, style, template, noscript')) {
      parts.push(walker.currentNode.textContent);
    }
  }
  for (const element of document.querySelectorAll('[aria-label], [title], [alt], [placeholder]')) {
    for (const name of ['aria-label', 'title', 'alt', 'placeholder']) {
      if (element.hasAttribute(name)) parts.push(element.getAttribute(name));
    }
  }
  for (const element of document.querySelectorAll('input[type=submit], input[type=button]')) {
    parts.push(element.value);
  }
  return parts.join('\\n');
}
"""


def english_on(page: Page, language: str, own_text: Iterable[str]) -> list[str]:
    """The app's English words the page shows, the participants' names and text aside."""
    text = page.evaluate(_READ_JS)
    for own in sorted({*own_text, *in_english_only()}, key=len, reverse=True):
        text = text.replace(own, " ")
    found = sorted(_words(text) & english_only(language))
    return [f"{word} in “{_around(text, word)}”" for word in found]


def _around(text: str, word: str) -> str:
    """The line of `text` where `word` first shows, for a failure to point at."""
    at = re.search(rf"(?i)\b{re.escape(word)}\b", text)
    if at is None:
        return ""
    start = text.rfind("\n", 0, at.start()) + 1
    end = text.find("\n", at.end())
    return text[start : end if end >= 0 else None].strip()[:120]


def check_language(
    moment: str,
    screens: dict[str, tuple[Page, str]],
    own_text: Iterable[str] = (),
    *,
    check_live: bool = True,
) -> None:
    """Every screen speaks its language: its `lang`, and no word of the app's English outside
    the names and the text people wrote (and `own_text`)."""
    own = (*NAMES, *WRITTEN.values(), *own_text)
    problems = []
    for where, (page, language) in screens.items():
        if check_live:
            wait_live(page)
        lang = page.locator("html").get_attribute("lang")
        if lang != language:
            problems.append(f"{where}: lang={lang!r}, not {language!r}")
        if english := english_on(page, language, own):
            problems.append(f"{where}: English words {english}")
    assert not problems, f"{moment}:\n" + "\n".join(problems)


def next_step(facilitator: Page, step: str, round_number: int = 0) -> None:
    """Moves the exercise on with the console's next-step button, named in German (the first
    step of a new round says which round)."""
    title = said("de", step)
    if round_number:
        title = said("de", "Round %(number)s: %(step)s", number=round_number, step=title)
    name = said("de", "Next: %(step)s →", step=title)
    facilitator.get_by_role("button", name=name).click()
    expect(facilitator.locator("#stage .phase")).to_contain_text(said("de", step))


def choice(phone: Page, language: str, position: int) -> Locator:
    answers = phone.get_by_role("group", name=said(language, "Your answer"))
    return answers.get_by_role("button").nth(position)


@pytest.mark.browser
def test_the_ninety_minute_agenda_runs_in_german_with_a_spanish_phone(
    new_page: NewPage,
) -> None:
    facilitator = new_page(viewport=CONSOLE, locale="de-DE")
    projector_browser = new_page(viewport=PROJECTOR, locale="en-GB")
    phones = {
        name: new_page(
            viewport=PHONES[number % len(PHONES)], is_mobile=True, has_touch=True, locale="de-DE"
        )
        for number, name in enumerate(NAMES)
    }

    # 1. A German browser starts the workshop: the room speaks German.
    facilitator.goto("/host")
    expect(facilitator.locator("html")).to_have_attribute("lang", "de")
    facilitator.get_by_role("button", name=said("de", "Start a workshop")).click()
    expect(facilitator).to_have_url(re.compile(r"/host/[A-Z0-9]+$"))
    code = facilitator.url.rsplit("/", 1)[-1]
    wait_live(facilitator)

    # 2. The projector's browser asks for English: its home page is English, and the check finds
    # it so. It opens the projector view from the console's link.
    projector_browser.goto("/")
    found = {item.split(" ", 1)[0] for item in english_on(projector_browser, "de", ())}
    assert {"join", "room", "your"} <= found, found
    link = facilitator.get_by_label(said("de", "Projector link")).input_value()
    projector = projector_browser
    parts = urlsplit(link)
    projector.goto(f"{parts.path}#{parts.fragment}")
    projector.get_by_role("button", name=said("de", "Show the projector view")).click()
    join_panel = projector.get_by_role("complementary", name=said("de", "How to join"))
    expect(join_panel.get_by_text(code, exact=True)).to_be_visible()
    wait_live(projector)

    def screens(*, with_phones: bool = True) -> dict[str, tuple[Page, str]]:
        found = {"console": (facilitator, "de"), "projector": (projector, "de")}
        if with_phones:
            for name, phone in phones.items():
                found[f"{name}'s phone"] = (phone, "es" if name == SPANISH else "de")
        return found

    def look(moment: str) -> None:
        """Every screen at this moment: read against the catalogs, and the layout and
        accessibility checks."""
        check_language(moment, screens())
        audit(
            f"{moment}, in German",
            console=facilitator,
            projector=projector,
            phones=list(phones.values()),
        )

    check_language("an empty room", screens(with_phones=False))
    audit("an empty room, in German", console=facilitator, projector=projector)

    # 3. Three phones join by code and name, in German; Lucía switches hers to Spanish.
    for name, phone in phones.items():
        phone.goto("/")
        expect(phone.locator("html")).to_have_attribute("lang", "de")
        if name == NAMES[0]:
            check_language("the home page", {"home": (phone, "de")}, check_live=False)
            assert check_page(phone, phone=True, live=False) == []
        phone.get_by_label(said("de", "Room code")).fill(code)
        phone.get_by_label(said("de", "Your name")).fill(name)
        phone.get_by_role("button", name=said("de", "Join"), exact=True).click()
        expect(phone).to_have_url(re.compile(rf"/r/{code}$"))
        wait_live(phone)
    spanish = phones[SPANISH]
    spanish.get_by_role("navigation", name=said("de", "Language of this phone")).get_by_role(
        "link", name="Español"
    ).click()
    expect(spanish.locator("html")).to_have_attribute("lang", "es")
    wait_live(spanish)
    expect(
        join_panel.get_by_text(said("de", "<strong>%(headcount)s</strong> joined", headcount=3))
    ).to_be_visible()

    # 4. The 90-minute agenda, its title in German, starts with the warm-up poll.
    ready = facilitator.get_by_role("list", name=said("de", "Ready agendas")).get_by_role(
        "listitem"
    )
    title = AGENDA.in_language("de").title
    ready.filter(has_text=title).get_by_role("button", name=said("de", "Start this agenda")).click()
    agenda = facilitator.locator("#agenda ol.runs > li")
    expect(agenda).to_have_count(len(AGENDA.items))
    for page in (projector, *phones.values()):
        expect(page.get_by_role("heading", name=POLL.question)).to_be_visible()
    look("the poll is open")

    # 5. Everyone votes; the facilitator shows the results.
    for voted, (name, phone) in enumerate(phones.items(), start=1):
        language = "es" if name == SPANISH else "de"
        choice(phone, language, PICKS[name]).click()
        expect(choice(phone, language, PICKS[name])).to_have_attribute("aria-pressed", "true")
        expect(projector.locator("#stage")).to_contain_text(
            said("de", "<strong>%(done)s</strong> of %(of)s voted", done=voted, of=len(NAMES))
        )
    next_step(facilitator, "Results")
    winner = POLL.options[3].label
    expect(projector.locator("li.result").filter(has_text=winner)).to_contain_text("2")
    look("the poll's results")

    # 6. The second exercise, a best-question round of two scenarios, starts from the agenda.
    agenda.nth(1).get_by_role("button", name=said("de", "Start"), exact=True).click()
    for number, scenario in enumerate(QUESTIONS.scenarios[:2], start=1):
        for page in (projector, *phones.values()):
            expect(page.get_by_role("heading", name=scenario.title)).to_be_visible()
        check_language(f"scenario {number}: the brief", screens())

        # Everyone writes a question in the first scenario; the second is stepped through.
        next_step(facilitator, "Write")
        if number == 1:
            for name, phone in phones.items():
                language = "es" if name == SPANISH else "de"
                phone.get_by_label(
                    said(language, "Question %(number)s", number=1), exact=True
                ).fill(WRITTEN[name])
                phone.get_by_role(
                    "button", name=said(language, "Submit question %(number)s", number=1)
                ).click()
                expect(
                    phone.get_by_role(
                        "button", name=said(language, "Update question %(number)s", number=1)
                    )
                ).to_be_visible()
            expect(facilitator.locator("ol.moderation > li")).to_have_count(len(NAMES))
            look(f"scenario {number}: the questions are in")

        # Each phone puts a dot on the first question it may vote for.
        next_step(facilitator, "Vote")
        if number == 1:
            for name, phone in phones.items():
                language = "es" if name == SPANISH else "de"
                dot = phone.get_by_role("button", name=said(language, "Add a dot"))
                expect(dot).to_have_count(len(NAMES) - 1)
                dot.first.click()
                expect(dot).to_have_count(len(NAMES) - 2)
            look(f"scenario {number}: the vote")

        next_step(facilitator, "Reveal")
        if number == 1:
            ranked = projector.locator("ol.ranked-list li.ranked-item")
            expect(ranked).to_have_count(len(NAMES))
            moderated = facilitator.locator("ol.moderation > li").first
            moderated.get_by_role("button", name=said("de", "Spotlight")).click()
            expect(projector.locator("blockquote.spotlight")).to_be_visible()
            look(f"scenario {number}: the reveal")

        next_step(facilitator, "Debrief")
        check_language(f"scenario {number}: the debrief", screens())
        if number == 1:
            audit(
                "the debrief, in German",
                console=facilitator,
                projector=projector,
                phones=list(phones.values()),
            )
            next_step(facilitator, "Brief", round_number=2)

    # 7. The session summary, downloaded as Markdown from the console's Room tab, is German.
    facilitator.get_by_role("tab", name=said("de", "Room"), exact=True).click()
    summary = facilitator.get_by_role("region", name=said("de", "Session summary"))
    check_language("the console's Room tab", {"console": (facilitator, "de")})
    _, body = download(facilitator, summary.get_by_role("link", name="Markdown", exact=True).first)
    markdown = body.decode("utf-8")
    for text in (POLL.question, QUESTIONS.title, QUESTIONS.scenarios[0].title, *WRITTEN.values()):
        assert text in markdown, f"the Markdown export lacks {text!r}"
    assert said("de", "Participants") in markdown
    text = markdown
    for own in sorted((*NAMES, *WRITTEN.values()), key=len, reverse=True):
        text = text.replace(own, " ")
    english = [
        f"{word} in “{_around(text, word)}”" for word in sorted(_words(text) & english_only("de"))
    ]
    assert not english, f"English words in the German Markdown export: {english}"


# Runs in the page: the data-seq of the phone's last notice, which each answer to it changes.
_NOTICE_SEQ_JS = "() => (document.getElementById('notice') || {dataset: {}}).dataset.seq || ''"


def answered(phone: Page, act: Locator) -> None:
    """Presses `act` and waits for the app's answer to it (a new notice)."""
    before = phone.evaluate(_NOTICE_SEQ_JS)
    act.click()
    phone.wait_for_function(f"() => ({_NOTICE_SEQ_JS})() !== {before!r}")


def take_part(phone: Page, said_text: str) -> None:
    """Does what the phone's screen asks of its person now, whatever the exercise: votes, takes a
    side, posts what it writes, rates; so every step is looked at with something on it."""
    visible = phone.locator("#stage")
    vote = visible.locator("form.choice button[aria-pressed=false]")
    if vote.count():
        answered(phone, vote.first)
    side = visible.locator("form.act:has(input[name=type][value=choose_side]) button.primary")
    if side.count():
        answered(phone, side.first)
    compose = visible.locator("form.post-form")
    if compose.count() and compose.first.locator("textarea").is_visible():
        compose.first.locator("textarea").fill(said_text)
        answered(phone, compose.first.locator("button[type=submit]"))
    rating = visible.locator("form.rating-form")
    if rating.count() and rating.first.is_visible():
        for group in rating.first.locator("fieldset:has(label.segment)").all():
            group.locator("label.segment").last.click()
        answered(phone, rating.first.locator("button[type=submit]"))


@pytest.mark.browser
def test_the_ninety_minute_agendas_pairs_and_debate_pass_every_check_in_german(
    new_page: NewPage,
) -> None:
    """The agenda's other two exercises, every step of them, on every screen: the layout and
    accessibility checks and the word-by-word reading, in German with one phone in Spanish."""
    facilitator = new_page(viewport=CONSOLE, locale="de-DE")
    projector = new_page(viewport=PROJECTOR, locale="de-DE")
    phones = {
        name: new_page(
            viewport=PHONES[number % len(PHONES)], is_mobile=True, has_touch=True, locale="de-DE"
        )
        for number, name in enumerate((*NAMES, "Mehmet"))
    }
    languages = {name: "es" if name == SPANISH else "de" for name in phones}
    facilitator.goto("/host")
    facilitator.get_by_role("button", name=said("de", "Start a workshop")).click()
    expect(facilitator).to_have_url(re.compile(r"/host/[A-Z0-9]+$"))
    code = facilitator.url.rsplit("/", 1)[-1]
    wait_live(facilitator)
    link = urlsplit(facilitator.get_by_label(said("de", "Projector link")).input_value())
    projector.goto(f"{link.path}#{link.fragment}")
    projector.get_by_role("button", name=said("de", "Show the projector view")).click()
    wait_live(projector)
    for name, phone in phones.items():
        phone.goto(f"/r/{code}")
        phone.get_by_label(said("de", "Your name")).fill(name)
        phone.get_by_role("button", name=said("de", "Join"), exact=True).click()
        wait_live(phone)
        if languages[name] == "es":
            phone.get_by_role("link", name="Español").click()
            expect(phone.locator("html")).to_have_attribute("lang", "es")
            wait_live(phone)
    facilitator.get_by_role("list", name=said("de", "Ready agendas")).get_by_role(
        "button", name=said("de", "Start this agenda")
    ).first.click()
    agenda = facilitator.locator("#agenda ol.runs > li")
    expect(agenda).to_have_count(len(AGENDA.items))
    screens = {"console": (facilitator, "de"), "projector": (projector, "de")} | {
        f"{name}'s phone": (phone, languages[name]) for name, phone in phones.items()
    }
    own = f"Ein Argument von {len(phones)} Personen"

    # The editor, opened from the agenda to adapt the pairs before they start, speaks German,
    # and a save with the title left empty names the field in German.
    agenda.nth(2).get_by_role("link", name=said("de", "Edit"), exact=True).click()
    editor = facilitator
    expect(editor.locator("html")).to_have_attribute("lang", "de")
    check_language("the editor", {"editor": (editor, "de")}, check_live=False)
    assert check_page(editor, live=False) == []
    editor.locator("#f-title").fill("")
    editor.get_by_role("button", name=said("de", "Save for this room")).click()
    expect(editor.get_by_role("alert")).to_contain_text(said("de", "Title"))
    check_language("the editor with a problem", {"editor": (editor, "de")}, check_live=False)
    assert check_page(editor, live=False) == []
    editor.goto(f"/host/{code}")
    wait_live(editor)

    for position in (2, 3):
        title = LIBRARY.in_language(AGENDA.items[position].exercise, "de").title
        agenda.nth(position).get_by_role("button", name=said("de", "Start"), exact=True).click()
        expect(facilitator.get_by_role("heading", name=title)).to_be_visible()
        step = 1
        while True:
            heading = facilitator.locator("#stage .phase").inner_text()
            moment = f"{title}, step {step} ({heading.strip()})"
            key = facilitator.locator("#stage .phase-controls input[name=seen_phase]").first
            for page in (projector, *phones.values()):
                expect(page.locator("#stage")).to_have_attribute("data-step", key.input_value())
            for name, phone in phones.items():
                take_part(phone, f"{own}: {name}")
            check_language(moment, screens, (*phones, own))
            audit(moment, console=facilitator, projector=projector, phones=list(phones.values()))
            next_button = facilitator.locator("#stage .phase-controls .next button")
            if not next_button.count():
                break
            next_button.click()
            expect(facilitator.locator("#stage .phase")).not_to_have_text(heading)
            step += 1
        assert step >= 5, f"{title}: only {step} steps were looked at"
