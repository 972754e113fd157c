"""Acceptance: one full best-question round across the console, the projector and four phones.

Four people write questions (one writes two, one writes an off-topic one that the facilitator
hides), vote with dots, and the projector's ranked list is checked against the dots cast.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.audit import audit
from tests.e2e.conftest import NewPhone
from tests.e2e.helpers import add_and_start, join, open_projector, start_workshop

EXERCISE = "Best question: turning a conversation"
SCENARIO = "The worn-down specialist nurse"
DEBRIEF_PROMPTS = (
    'What made the top question hard to answer with "nothing"?',
    "What would the nurse feel in the second after hearing it?",
    "Which questions invite more complaint, and why?",
    "Would you ask permission first? How would you phrase it?",
)
BUDGET = 3

ADA, GRACE, LINUS, BARBARA = "Ada", "Grace", "Linus", "Barbara"
NAMES = (ADA, GRACE, LINUS, BARBARA)

PROUDEST = "Looking back over this year, what are you proudest of?"
NEXT_WEEK = "What would make next week a little better than this one?"
LUNCH = "Off topic: is anyone up for lunch after this?"
PROJECT = "Which project you led made the biggest difference to patients?"
PERMISSION = "Would it be all right if I asked you something a bit different?"


@dataclass(frozen=True)
class Written:
    author: str
    slot: int
    text: str


# In submission order, which is also the ranking's order among questions with equal dots.
WRITES = (
    Written(ADA, 1, PROUDEST),
    Written(GRACE, 1, NEXT_WEEK),
    Written(LINUS, 1, LUNCH),
    Written(BARBARA, 1, PROJECT),
    Written(ADA, 2, PERMISSION),
)
HIDDEN = LUNCH
AUTHORS = {written.text: written.author for written in WRITES}

# The dots each person ends up with (no stacking, never on their own question).
DOTS: Mapping[str, Sequence[str]] = {
    ADA: (NEXT_WEEK, PROJECT),
    GRACE: (PROUDEST, PROJECT, PERMISSION),
    LINUS: (PROUDEST, NEXT_WEEK),
    BARBARA: (PROUDEST,),
}


@dataclass(frozen=True)
class Row:
    rank: str
    text: str
    dots: int


def expected_ranking(questions: Sequence[str], dots: Mapping[str, Sequence[str]]) -> list[Row]:
    """Most dots first, oldest first among equals; equal counts share a rank marked with "="."""
    counts = dict.fromkeys(questions, 0)
    for picks in dots.values():
        for text in picks:
            counts[text] += 1
    order = sorted(questions, key=lambda text: -counts[text])  # stable: keeps submission order
    rows: list[Row] = []
    for text in order:
        same = [other for other in order if counts[other] == counts[text]]
        rank = order.index(same[0]) + 1
        rows.append(Row(f"{rank}{'=' if len(same) > 1 else ''}", text, counts[text]))
    return rows


def next_phase(facilitator: Page, title: str) -> None:
    facilitator.get_by_role("button", name=f"Next: {title} →").click()
    expect(facilitator.locator("#stage .phase")).to_contain_text(title)


def ballot_item(phone: Page, text: str) -> Locator:
    return phone.locator("ul.ballot > li").filter(has_text=text)


def moderated(facilitator: Page, text: str) -> Locator:
    """A question in the console's moderation list (matched by its own text, not by the merge
    menus of the others, which list it too)."""
    return facilitator.locator("ol.moderation > li").filter(
        has=facilitator.locator(".question-text", has_text=text)
    )


def budget(phone: Page) -> Locator:
    return phone.locator("p.budget")


def notice(page: Page) -> Locator:
    return page.locator("#notice")


def add_dot(phone: Page, text: str, left: int) -> None:
    ballot_item(phone, text).get_by_role("button", name="Add a dot").click()
    expect(budget(phone)).to_have_text(f"{left} of {BUDGET} dots left")
    expect(ballot_item(phone, text).get_by_label("1 of your dots")).to_be_visible()


@pytest.mark.browser
def test_best_question_round_with_moderation_and_ranked_reveal(
    facilitator: Page, projector: Page, make_phone: NewPhone
) -> None:
    expected = expected_ranking([w.text for w in WRITES if w.text != HIDDEN], DOTS)
    # The chosen dots make a clear winner and a tie, so both show up in the ranked list.
    assert expected[0].rank == "1" and expected[1].rank.endswith("=")

    # 1. The facilitator starts a workshop; the projector opens; four phones join.
    code = start_workshop(facilitator)
    open_projector(projector, code, facilitator)
    phones = {name: make_phone() for name in NAMES}

    def check(moment: str) -> None:
        audit(moment, console=facilitator, projector=projector, phones=list(phones.values()))

    for name, phone in phones.items():
        join(phone, code, name, code)
    expect(projector.get_by_text(f"{len(NAMES)} joined")).to_be_visible()

    # 2. The facilitator adds the exercise from the library (a tab beside the agenda).
    add_and_start(facilitator, EXERCISE)

    # 3. Brief: everyone sees the first scenario.
    for page in (projector, *phones.values()):
        expect(page.get_by_role("heading", name=SCENARIO)).to_be_visible()
    check("the brief")
    next_phase(facilitator, "Write")

    # 4. Write: each question is saved privately; the projector counts them.
    for phone in phones.values():
        expect(phone.get_by_role("button", name="Submit question 1")).to_be_visible()
    for number, written in enumerate(WRITES, start=1):
        phone = phones[written.author]
        phone.get_by_label(f"Question {written.slot}", exact=True).fill(written.text)
        phone.get_by_role("button", name=f"Submit question {written.slot}").click()
        expect(notice(phone)).to_have_text("Question saved ✓")
        expect(phone.get_by_role("button", name=f"Update question {written.slot}")).to_be_visible()
        expect(phone.get_by_label(f"Question {written.slot}", exact=True)).to_have_value(
            written.text
        )
        expect(projector.locator("#stage .progress")).to_contain_text(
            f"{number} question{'' if number == 1 else 's'} so far"
        )
    for name, phone in phones.items():
        for written in WRITES:
            if written.author != name:
                expect(phone.locator("#stage")).not_to_contain_text(written.text)

    # 5. The console lists every question live, with its author; the facilitator hides one.
    moderation = facilitator.locator("ol.moderation > li")
    expect(moderation).to_have_count(len(WRITES))
    for written in WRITES:
        item = moderated(facilitator, written.text)
        expect(item.locator(".authors")).to_have_text(f"by {written.author}")
    hidden_item = moderated(facilitator, HIDDEN)
    hidden_item.get_by_role("button", name="Hide", exact=True).click()
    expect(hidden_item.locator(".badge")).to_have_text("hidden")
    expect(hidden_item.get_by_role("button", name="Show", exact=True)).to_be_visible()
    visible_count = len(WRITES) - 1
    expect(projector.locator("#stage .progress")).to_contain_text(
        f"{visible_count} questions so far"
    )
    check("writing, after moderation")

    # 6. Vote: a ballot of everyone else's questions, without the hidden one.
    next_phase(facilitator, "Vote")
    for name, phone in phones.items():
        expect(budget(phone)).to_have_text(f"{BUDGET} of {BUDGET} dots left")
        expect(phone.locator("ul.ballot > li")).to_have_count(visible_count)
        expect(ballot_item(phone, HIDDEN)).to_have_count(0)
        for written in WRITES:
            if written.text == HIDDEN:
                continue
            item = ballot_item(phone, written.text)
            if written.author == name:
                expect(item.get_by_text("Your question", exact=True)).to_be_visible()
                expect(item.get_by_role("button")).to_have_count(0)
            else:
                expect(item.get_by_role("button", name="Add a dot")).to_be_visible()
                expect(item.get_by_text("Your question", exact=True)).to_have_count(0)
    projector_progress = projector.locator("#stage .progress")
    expect(projector.locator("#stage")).to_contain_text(f"{BUDGET} dots each")

    # Barbara first tries a dot on Ada's second question, then takes it back.
    barbara = phones[BARBARA]
    add_dot(barbara, PERMISSION, BUDGET - 1)
    expect(notice(barbara)).to_have_text(f"Dot placed ✓ ({BUDGET - 1} left)")
    ballot_item(barbara, PERMISSION).get_by_role("button", name="Take back a dot").click()
    expect(budget(barbara)).to_have_text(f"{BUDGET} of {BUDGET} dots left")
    expect(notice(barbara)).to_have_text("Dot taken back.")
    expect(ballot_item(barbara, PERMISSION).get_by_role("button", name="Add a dot")).to_be_visible()
    expect(ballot_item(barbara, PERMISSION).locator(".dots")).to_have_count(0)

    for voters, (name, picks) in enumerate(DOTS.items(), start=1):
        phone = phones[name]
        for spent, text in enumerate(picks, start=1):
            add_dot(phone, text, BUDGET - spent)
        people = "person has" if voters == 1 else "people have"
        expect(projector_progress).to_contain_text(f"{voters} {people} voted")
    # Ada has a dot on each of the two questions she may vote for: no more buttons to add one.
    expect(phones[ADA].get_by_role("button", name="Add a dot")).to_have_count(0)
    # Counts stay off the projector while the vote is open.
    expect(projector.locator("ol.ranked-list")).to_have_count(0)
    expect(projector.locator(".dot-count")).to_have_count(0)
    check("the vote")

    # 7. Reveal: the projector ranks the questions by the dots cast; the hidden one is not there.
    next_phase(facilitator, "Reveal")
    ranked = projector.locator("ol.ranked-list li.ranked-item")
    expect(ranked).to_have_count(len(expected))
    expect(ranked.locator(".rank")).to_have_text([row.rank for row in expected])
    expect(ranked.locator(".question-text")).to_have_text([row.text for row in expected])
    expect(ranked.locator(".dot-count")).to_have_text([str(row.dots) for row in expected])
    expect(projector.locator("#stage")).not_to_contain_text(HIDDEN)
    # The ranking builds up from the last to the first: the top question comes in last.
    delays = ranked.evaluate_all(
        "items => items.map(item => parseFloat(getComputedStyle(item).animationDelay))"
    )
    assert delays == sorted(delays, reverse=True) and delays[0] > delays[-1], delays
    # Ada's phone shows the same list, with her own questions marked.
    ada_ranked = phones[ADA].locator("ol.ranked-list li.ranked-item")
    expect(ada_ranked.locator(".question-text")).to_have_text([row.text for row in expected])
    expect(phones[ADA].locator("ol.ranked-list li.ranked-item.mine .question-text")).to_have_text(
        [row.text for row in expected if AUTHORS[row.text] == ADA]
    )

    # 8. The facilitator spotlights the winner on the projector.
    winner = expected[0].text
    moderated(facilitator, winner).get_by_role("button", name="Spotlight").click()
    expect(projector.locator("blockquote.spotlight")).to_have_text(winner)
    expect(facilitator.locator(".spotlight-note")).to_contain_text(winner)
    check("the reveal with a spotlight")

    # 9. Debrief: each author sees where their questions ranked; the projector shows the prompts.
    next_phase(facilitator, "Debrief")
    expect(projector.locator("ul.prompts > li")).to_have_text(list(DEBRIEF_PROMPTS))
    expect(ranked.locator(".question-text")).to_have_text([row.text for row in expected[:3]])
    for name, phone in phones.items():
        mine = [row for row in expected if AUTHORS[row.text] == name]
        heading = phone.get_by_role("heading", name="Your questions")
        if not mine:
            # Linus's only question was hidden, so it has no rank to show him.
            expect(phone.get_by_role("heading", name="Discuss")).to_be_visible()
            expect(heading).to_have_count(0)
            continue
        expect(heading).to_be_visible()
        expect(phone.locator("ul.mine > li")).to_have_text(
            [
                f"#{row.rank} of {len(expected)} with {row.dots} dot{'' if row.dots == 1 else 's'}:"
                f" {row.text}"
                for row in mine
            ]
        )
    check("the debrief")
