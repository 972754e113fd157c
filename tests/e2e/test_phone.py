"""Acceptance: a participant's phone at 360x740 through every step of every kind, in the light and
the dark colour scheme.

Two phones play a warm-up poll, a best-question round, a respectful-challenge pair and a debate
while a timer runs. At every step each scheme passes the audit (axe, nothing sideways, 44-pixel
targets), and the step is shot when WORKSHOP_E2E_SCREENSHOTS names a folder. Along the way: a
notice belongs to the step it was given in, the feedback card link shows only once the card holds
something, and the rating scale's choices carry the rubric's words.
"""

import os
import re
from pathlib import Path
from typing import Literal

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.audit import check_page
from tests.e2e.conftest import NewPage
from tests.e2e.helpers import add_and_start, join, start_workshop
from workshop.kinds.challenge_pairs import RUBRIC

PHONE = {"width": 360, "height": 740}
SCHEMES: tuple[Literal["light", "dark"], ...] = ("light", "dark")
POLL = "Warm-up: the hardest habit"
BEST_QUESTION = "Best question: turning a conversation"
PAIRS = "Respectful challenge in pairs"
DEBATE = "Debate: whose side is the rep on?"
CARD_LINK = "Download my feedback card"


def shots_folder() -> Path | None:
    folder = os.environ.get("WORKSHOP_E2E_SCREENSHOTS")
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def look(phone: Page, step: str) -> None:
    """The phone as it is now passes the audit in both colour schemes (and is shot in each)."""
    folder = shots_folder()
    for scheme in SCHEMES:
        phone.emulate_media(color_scheme=scheme)
        problems = check_page(phone, phone=True)
        assert not problems, f"{step} ({scheme}): {problems}"
        if folder is not None:
            phone.screenshot(path=folder / f"phone-{step}-{scheme}.png", full_page=True)
    phone.emulate_media(color_scheme="light")


def next_phase(facilitator: Page, title: str) -> None:
    facilitator.get_by_role("button", name=f"Next: {title} →").click()
    expect(facilitator.locator("#stage .phase")).to_have_text(re.compile(rf": {re.escape(title)}$"))


def notice(phone: Page) -> Locator:
    return phone.locator("#notice")


def card_link(phone: Page) -> Locator:
    return phone.get_by_role("link", name=CARD_LINK)


def scale_choice(group: Locator, score: int) -> Locator:
    return group.get_by_role("radio", name=re.compile(rf"^{score}(, |$)"))


def rate(phone: Page, score: int) -> None:
    form = phone.locator("form.rating-form")
    for habit in RUBRIC:
        scale_choice(form.get_by_role("group", name=habit.label), score).check()
    form.get_by_label("What landed (one sentence)").fill("The open question landed")
    form.get_by_label("What to try next time (one sentence)").fill("Wait through the silence")
    form.get_by_role("button", name="Send rating").click()
    expect(notice(phone)).to_have_text(re.compile("saved ✓$"))


@pytest.mark.browser
def test_every_phone_step_of_every_kind_in_light_and_dark(
    facilitator: Page, new_page: NewPage
) -> None:
    code = start_workshop(facilitator)
    ada, grace = (new_page(viewport=PHONE, is_mobile=True, has_touch=True) for _ in range(2))
    join(ada, code, "Ada", code)
    join(grace, code, "Grace", code)
    # The lobby: nothing on the card yet, so no link to it.
    expect(card_link(ada)).to_have_count(0)
    look(ada, "lobby")

    # A running timer sits in the phone's bar, inside a landmark.
    facilitator.locator(".timer-controls").get_by_role("button", name="Start timer").click()
    expect(ada.locator("#timer .countdown")).to_be_visible()

    # Warm-up poll: the vote's notice belongs to the vote; the results step starts without it.
    add_and_start(facilitator, POLL)
    answers = ada.get_by_role("group", name="Your answer")
    answers.get_by_role("button").first.click()
    expect(notice(ada)).to_have_text("Vote saved ✓")
    look(ada, "poll-vote")
    next_phase(facilitator, "Results")
    expect(ada.locator("#stage")).to_contain_text("You voted:")
    expect(notice(ada)).to_have_text("")
    look(ada, "poll-results")
    expect(card_link(ada)).to_have_count(0)

    # Best question: writing one puts it on the card, and the link shows at once.
    add_and_start(facilitator, BEST_QUESTION)
    look(ada, "question-brief")
    next_phase(facilitator, "Write")
    look(ada, "question-write")
    for phone, text in ((ada, "What would you need to see?"), (grace, "How did you decide?")):
        phone.get_by_label("Question 1", exact=True).fill(text)
        phone.get_by_role("button", name="Submit question 1").click()
        expect(notice(phone)).to_have_text("Question saved ✓")
    expect(card_link(ada)).to_be_visible()
    next_phase(facilitator, "Vote")
    expect(notice(ada)).to_have_text("")
    ada.get_by_role("button", name="Add a dot").first.click()
    expect(notice(ada)).to_have_text(re.compile(r"^Dot placed ✓"))
    look(ada, "question-vote")
    next_phase(facilitator, "Reveal")
    expect(notice(ada)).to_have_text("")
    look(ada, "question-reveal")
    next_phase(facilitator, "Debrief")
    look(ada, "question-debrief")

    # The card has the question on it; the link stays while the next exercises run.
    with ada.expect_download() as download:
        card_link(ada).click()
    card = Path(download.value.path()).read_text(encoding="utf-8")
    assert "What would you need to see?" in card
    assert "No questions this time." not in card

    # Challenge pairs: brief, pair, read, converse, rate (the scale's choices carry the rubric's
    # words), the swap, and the debrief.
    add_and_start(facilitator, PAIRS)
    expect(card_link(ada)).to_be_visible()
    look(ada, "pairs-brief")
    next_phase(facilitator, "Pair up")
    look(ada, "pairs-pair")
    next_phase(facilitator, "Read your card")
    facilitator.locator("#stage").get_by_role("button", name="Start a 2-minute timer").click()
    expect(ada.locator("#timer .countdown")).to_have_text(re.compile(r"^(2:00|1:5\d)$"))
    look(ada, "pairs-read")
    next_phase(facilitator, "Converse")
    look(ada, "pairs-converse")
    next_phase(facilitator, "Rate")
    for phone in (ada, grace):
        form = phone.locator("form.rating-form")
        for habit in RUBRIC:
            group = form.get_by_role("group", name=habit.label)
            for score, words in habit.anchors.items():
                radio = group.get_by_role("radio", name=f"{score}, {words}", exact=True)
                expect(radio).to_be_visible()
                box = radio.bounding_box()
                assert box is not None and box["width"] >= 48 and box["height"] >= 48, box
            expect(scale_choice(group, 2)).to_have_accessible_name("2")
    rate(ada, 4)
    rate(grace, 3)
    look(ada, "pairs-rate")
    next_phase(facilitator, "Read your new card")
    expect(notice(ada)).to_have_text("")
    next_phase(facilitator, "Swap roles")
    next_phase(facilitator, "Rate again")
    rate(ada, 2)
    rate(grace, 5)
    next_phase(facilitator, "Trio's turn")
    look(ada, "pairs-sits-out")
    next_phase(facilitator, "Trio rates")
    next_phase(facilitator, "Debrief")
    expect(ada.get_by_role("heading", name="Your feedback")).to_be_visible()
    expect(ada.locator(".habit-chart")).to_have_count(len(RUBRIC))
    look(ada, "pairs-debrief")

    # The card shows the same feedback as the debrief: a chart per habit, each comment part quoted.
    with ada.expect_download() as download:
        card_link(ada).click()
    card = Path(download.value.path()).read_text(encoding="utf-8")
    assert card.count('class="habit-chart"') == len(RUBRIC)
    assert "What to try next" in card and "Wait through the silence" in card
    reader = new_page(viewport=PHONE, is_mobile=True)
    reader.set_content(card)
    expect(reader.locator(".habit-chart")).to_have_count(len(RUBRIC))
    wide = reader.evaluate("document.documentElement.scrollWidth > 360")
    assert not wide, "the card scrolls sideways at 360 px"
    folder = shots_folder()
    if folder is not None:
        reader.screenshot(path=folder / "card-360.png", full_page=True)

    # Advocacy debate: case, votes, teams, arguments, rebuttals, verdict.
    add_and_start(facilitator, DEBATE)
    look(ada, "debate-case")
    next_phase(facilitator, "First vote")
    for phone in (ada, grace):
        phone.get_by_role("button", name="Undecided", exact=True).click()
    look(ada, "debate-vote")
    next_phase(facilitator, "Teams")
    look(ada, "debate-teams")
    next_phase(facilitator, "Arguments")
    for phone in (ada, grace):
        phone.get_by_label("Your argument").fill("The data holds for the patients they see.")
        phone.get_by_role("button", name="Post argument").click()
        expect(notice(phone)).to_have_text("Argument posted ✓")
    look(ada, "debate-arguments")
    next_phase(facilitator, "Rebuttals")
    look(ada, "debate-rebuttals")
    next_phase(facilitator, "Final vote")
    next_phase(facilitator, "Verdict")
    look(ada, "debate-verdict")
    expect(card_link(ada)).to_be_visible()
