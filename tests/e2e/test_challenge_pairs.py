"""Acceptance: rounds of respectful-challenge pairs across the console, the projector and five
phones.

Five people pair up (one pair and one trio), read their cards, talk, rate the challenger on the
anchored rubric and tick what they saw, read new cards, swap (the trio rotates), rate again; the
trio plays its own turn, in which its third member challenges; then the debrief. The projector's
habit and checklist tables are checked against every rating entered, each phone's feedback against
the ratings and ticks its partners entered for it, the pair's own summary and the CSV export
against the ticks, and every personal card against what it must hold.

Screenshots of the cards, the rubric and the debrief are taken at a phone's 360x740 and at
1920x1080 and 1280x720 for the projector and the console; they go to the folder named by
WORKSHOP_E2E_SCREENSHOTS, or else to the test's temporary folder.
"""

import csv
import io
import itertools
import os
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.decimals import one_decimal
from tests.e2e.audit import audit, check_page
from tests.e2e.conftest import EXERCISES, NewPhone
from tests.e2e.helpers import add_and_start, join, open_projector, show_tab, start_workshop
from workshop.exercises import load_library
from workshop.kinds.challenge_pairs import RUBRIC, ChallengePairs
from workshop.markdown import md_cell

EXERCISE = "Respectful challenge in pairs"
CASE = "The oncologist and the subgroup result"
FIELD_EXERCISE = "Challenge pairs: field conversations"
FIELD_CASE = "The dentist after the remake"
HABITS = ("Candid", "Collaborative", "Compassionate", "Curious")
NAMES = ("Ada", "Grace", "Linus", "Barbara", "Alan")
CHALLENGER, CUSTOMER, OBSERVER = "Challenger", "Customer", "Observer"
SEAT = re.compile(r"^(Challenger|Customer|Observer)\b")
# The heading of each role card a phone shows for its role, in page order.
CARD_HEADINGS: Mapping[str, Sequence[str | re.Pattern[str]]] = {
    CHALLENGER: (re.compile(r"^Challenger: "),),
    CUSTOMER: (re.compile(r"^Customer: "),),
    OBSERVER: ("Observer checklist", re.compile(r"^Customer: "), re.compile(r"^Challenger: ")),
}
LIBRARY = load_library(EXERCISES).exercises
_pairs = LIBRARY["challenge-pairs-respectful-challenge"]
assert isinstance(_pairs, ChallengePairs)
CHECKLIST = _pairs.cases[0].observer_checklist
DEBRIEF = _pairs.cases[0].debrief
PHONE = {"width": 360, "height": 740}
WIDE = ({"width": 1920, "height": 1080}, {"width": 1280, "height": 720})

Half = int
"""1: the first conversation; 2: the one after the roles swap; 3: a trio's own turn."""
AFTER_SWAP = {
    2: {CHALLENGER: CUSTOMER, CUSTOMER: CHALLENGER},
    3: {CHALLENGER: OBSERVER, CUSTOMER: CHALLENGER, OBSERVER: CUSTOMER},
}
TRIO_TURN = {CHALLENGER: CUSTOMER, CUSTOMER: OBSERVER, OBSERVER: CHALLENGER}


def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("WORKSHOP_E2E_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shoot(page: Page, path: Path, size: Mapping[str, int], projector: bool = False) -> None:
    """A whole-page screenshot at `size`, once the page passes the audit's checks at that size
    (nothing scrolls sideways, axe finds nothing); the page keeps its own size afterwards."""
    before = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": size["height"]})
    problems = check_page(page, projector=projector, phone=size == PHONE)
    assert not problems, f"{path.name}: {problems}"
    page.screenshot(path=path, full_page=True)
    if before is not None:
        page.set_viewport_size(before)


@dataclass(frozen=True)
class Group:
    """A pair or trio as the console's pair board shows it, seats in order, first-talk roles."""

    badge: str
    names: tuple[str, ...]
    roles: tuple[str, ...]

    def role(self, name: str, half: Half) -> str | None:
        """A pair swaps after the first talk and sits out the trio's turn; a trio rotates, so each
        of its three challenges once."""
        role = self.roles[self.names.index(name)]
        if half == 1:
            return role
        if half == 2:
            return AFTER_SWAP[len(self.names)][role]
        return TRIO_TURN[role] if len(self.names) == 3 else None

    def challenger(self, half: Half) -> str:
        return next(name for name in self.names if self.role(name, half) == CHALLENGER)

    def others(self, name: str) -> list[str]:
        return [other for other in self.names if other != name]

    def talks(self, half: Half) -> bool:
        return any(self.role(name, half) for name in self.names)


@dataclass(frozen=True)
class Rating:
    rater: str
    half: Half
    role: str
    target: str
    group: str
    scores: tuple[int, ...]
    """One per habit, in HABITS order."""
    ticks: tuple[int, ...]
    """Checklist items ticked, numbered from 1."""
    landed: str
    try_next: str

    @property
    def quotes(self) -> list[tuple[str, str, str]]:
        """How the rated person's phone quotes it under "What they said": each part on its own,
        with which part it is and who said it (their role)."""
        who = f"Your {self.role.lower()}"
        parts = [("What landed", self.landed, who)]
        if self.try_next:
            parts.append(("What to try next", self.try_next, who))
        return parts


def rating_for(group: Group, name: str, half: Half) -> Rating:
    """Distinct, deterministic scores per person and per talk; one or two ticks that differ from
    rater to rater; a comment naming the rater's role."""
    index = NAMES.index(name)
    role = group.role(name, half)
    assert role is not None
    items = len(CHECKLIST)
    ticks = {(index + half) % items + 1}
    if role != CHALLENGER:
        ticks.add((2 * index + 3 * half) % items + 1)
    return Rating(
        rater=name,
        half=half,
        role=role,
        target=group.challenger(half),
        group=group.badge,
        scores=tuple((2 * index + half * (habit + 1)) % 5 + 1 for habit in range(len(HABITS))),
        ticks=tuple(sorted(ticks)),
        landed=f"{name} as {role.lower()} in talk {half}: the open question landed",
        try_next=f"{name} in talk {half}: leave a longer pause" if half > 1 else "",
    )


def mean(values: Sequence[int]) -> float:
    return sum(values) / len(values)


@dataclass(frozen=True)
class SummaryRow:
    habit: str
    counts: list[str]
    partner_mean: str
    self_mean: str
    gap: str


def expected_summary(ratings: Sequence[Rating]) -> list[SummaryRow]:
    """Partners are customers and observers; challengers rate themselves."""
    rows = []
    for habit, label in enumerate(HABITS):
        partner = [r.scores[habit] for r in ratings if r.role != CHALLENGER]
        own = [r.scores[habit] for r in ratings if r.role == CHALLENGER]
        rows.append(
            SummaryRow(
                habit=label,
                counts=[str(partner.count(score)) for score in range(1, 6)],
                partner_mean=one_decimal(mean(partner)),
                self_mean=one_decimal(mean(own)),
                gap=one_decimal(mean(own) - mean(partner), signed=True),
            )
        )
    return rows


def expected_ticks(ratings: Sequence[Rating]) -> list[tuple[str, str]]:
    """Per checklist item: "n of m" for partner ratings and for self-ratings."""
    partners = [r for r in ratings if r.role != CHALLENGER]
    own = [r for r in ratings if r.role == CHALLENGER]
    return [
        (
            f"{sum(number in r.ticks for r in partners)} of {len(partners)}",
            f"{sum(number in r.ticks for r in own)} of {len(own)}",
        )
        for number in range(1, len(CHECKLIST) + 1)
    ]


def item_words(item: str) -> str:
    """A checklist item as a rater's tick shows it: its habit, if any, apart from its words."""
    return item.split(") ", 1)[-1]


def any_order(scores: Sequence[int]) -> str:
    """The scores as a habit's note lists them ("3 and 4"), in whichever order they were stored."""
    orders = set()
    for order in itertools.permutations(scores):
        words = [str(score) for score in order]
        orders.add(words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}")
    return "(?:" + "|".join(re.escape(order) for order in sorted(orders)) + ")"


def scale_choice(group: Locator, score: int) -> Locator:
    """A habit's score, by its accessible name: the number, then the rubric's words for it."""
    return group.get_by_role("radio", name=re.compile(rf"^{score}(, |$)"))


def next_phase(facilitator: Page, title: str) -> None:
    facilitator.get_by_role("button", name=f"Next: {title} →").click()
    expect(facilitator.locator("#stage .phase")).to_have_text(re.compile(rf": {re.escape(title)}$"))


def notice(page: Page) -> Locator:
    return page.locator("#notice")


def role_cards(page: Page) -> Locator:
    return page.locator("section.role-card")


def read_pair_board(facilitator: Page, people: int) -> list[Group]:
    """The pairing as the console shows it, once everyone is seated."""
    board = facilitator.locator("ol.pair-board")
    seats = board.locator("ul.seats > li")
    expect(seats).to_have_count(people)
    groups = []
    for row in board.locator("li.pair-row").all():
        badge = " ".join((row.locator(".pair-badge").text_content() or "").split())
        names: list[str] = []
        roles: list[str] = []
        for seat in row.locator("ul.seats > li").all():
            names.append((seat.locator("span[hx-disable]").text_content() or "").strip())
            match = SEAT.search(seat.locator(".seat-role").text_content() or "")
            assert match is not None, f"no role in seat {seat.text_content()!r}"
            roles.append(match.group(1))
        groups.append(Group(badge, tuple(names), tuple(roles)))
    return groups


def expect_console_roles(facilitator: Page, groups: Sequence[Group], half: Half) -> None:
    rows = facilitator.locator("ol.pair-board li.pair-row")
    expect(rows).to_have_count(len(groups))
    for number, group in enumerate(groups):
        seats = rows.nth(number).locator("ul.seats > li")
        expect(seats).to_have_count(len(group.names))
        for position, name in enumerate(group.names):
            role = group.role(name, half) or "Sitting this turn out"
            expect(seats.nth(position).locator(".seat-name")).to_have_text(name)
            expect(seats.nth(position).locator(".seat-role")).to_contain_text(role)


def expect_lead(phone: Page, group: Group, name: str, half: Half) -> None:
    """ "You are the <role> with <the others>." """
    role = group.role(name, half)
    assert role is not None
    lead = phone.locator("p.lead")
    expect(lead.locator("strong")).to_have_text(role.lower())
    expect(lead).to_have_text(
        f"You are the {role.lower()} with {' and '.join(group.others(name))}."
    )


def expect_own_cards(phone: Page, role: str) -> None:
    expect(role_cards(phone).get_by_role("heading")).to_have_text(list(CARD_HEADINGS[role]))
    if role != OBSERVER:
        card = role_cards(phone)
        expect(card).to_contain_text("What you do not know:")
        expect(card).to_contain_text(
            "What would honestly move you:"
            if role == CUSTOMER
            else "What would honestly change your mind:"
        )
        expect(card.locator(".resistance")).to_contain_text(
            re.compile(r"(Gentle|Firm|Stubborn)\. ")
        )
        expect(card.locator(".if-then")).to_have_text(re.compile(r"^If "))


def read_cards(phone: Page, cards: dict[str, str]) -> None:
    """Collects the text of the customer and challenger cards the phone shows, by kind; every
    phone that shows a kind of card shows the same one."""
    for kind in ("customer", "challenger"):
        card = phone.locator(f"section.{kind}-card")
        if card.count():
            text = card.text_content() or ""
            assert cards.setdefault(kind, text) == text, f"two different {kind} cards"


def show_cards(
    phones: Mapping[str, Page], groups: Sequence[Group], half: Half, reading: str
) -> dict[str, str]:
    """Every phone whose group talks shows its own card(s) for its role in this talk, and the
    reading line; a pair sitting out the trio's turn shows none. Returns the cards shown."""
    cards: dict[str, str] = {}
    for group in groups:
        for name in group.names:
            phone = phones[name]
            if not group.talks(half):
                expect(phone.get_by_text("Your pair has played both its talks.")).to_be_visible()
                expect(role_cards(phone)).to_have_count(0)
                continue
            role = group.role(name, half)
            assert role is not None
            expect_lead(phone, group, name, half)
            expect(phone.locator(".reading, .hint").filter(has_text=reading)).to_be_visible()
            expect_own_cards(phone, role)
            read_cards(phone, cards)
    return cards


def submit_rating(phone: Page, rating: Rating) -> None:
    form = phone.locator("form.rating-form")
    heading = (
        "Rate yourself" if rating.role == CHALLENGER else f"Rate {rating.target}, the challenger"
    )
    expect(form.get_by_role("heading", level=2)).to_have_text(heading)
    for habit, score in zip(HABITS, rating.scores, strict=True):
        group = form.get_by_role("group", name=habit)
        # The rubric's words for 1, 3 and 5 are shown under the scale, and each is part of its
        # score's name.
        (rubric,) = [h for h in RUBRIC if h.label == habit]
        expect(group.locator(".anchors .anchor-words")).to_have_text(list(rubric.anchors.values()))
        for anchored, words in rubric.anchors.items():
            expect(
                group.get_by_role("radio", name=f"{anchored}, {words}", exact=True)
            ).to_be_visible()
        expect(group.get_by_role("radio")).to_have_count(5)
        scale_choice(group, score).check()
    ticks = form.get_by_role("group", name=re.compile(r"^(I saw them|What I did)"))
    expect(ticks.get_by_role("checkbox")).to_have_count(len(CHECKLIST))
    for number in rating.ticks:
        ticks.get_by_role("checkbox", name=item_words(CHECKLIST[number - 1])).check()
    form.get_by_label("What landed (one sentence)").fill(rating.landed)
    form.get_by_label("What to try next time (one sentence)").fill(rating.try_next)
    form.get_by_role("button", name="Send rating").click()
    saved = "Self-rating saved ✓" if rating.role == CHALLENGER else "Rating saved ✓"
    expect(notice(phone)).to_have_text(saved)
    # The form comes back from the server with the rating filled in, ticks included.
    expect(form.get_by_role("button", name="Update rating")).to_be_visible()
    for habit, score in zip(HABITS, rating.scores, strict=True):
        expect(scale_choice(form.get_by_role("group", name=habit), score)).to_be_checked()
    for number, item in enumerate(CHECKLIST, start=1):
        box = ticks.get_by_role("checkbox", name=item_words(item))
        if number in rating.ticks:
            expect(box).to_be_checked()
        else:
            expect(box).not_to_be_checked()
    expect(form.get_by_label("What landed (one sentence)")).to_have_value(rating.landed)


def rate_everyone(
    facilitator: Page,
    projector: Page,
    phones: Mapping[str, Page],
    groups: Sequence[Group],
    half: Half,
) -> list[Rating]:
    ratings = [
        rating_for(group, name, half)
        for group in groups
        if group.talks(half)
        for name in group.names
    ]
    progress = projector.locator("#stage .progress")
    expect(progress).to_have_text(f"0 of {len(ratings)} ratings in")
    for submitted, rating in enumerate(ratings, start=1):
        submit_rating(phones[rating.rater], rating)
        expect(progress).to_have_text(f"{submitted} of {len(ratings)} ratings in")
    expect(facilitator.locator("#stage")).to_contain_text(
        f"{len(groups)} groups · {len(ratings)} of {len(ratings)} ratings in"
    )
    expect(
        facilitator.locator("ol.pair-board ul.seats > li").filter(has_text="rated ✓")
    ).to_have_count(len(ratings))
    for group in groups:
        if not group.talks(half):
            for name in group.names:
                expect(
                    phones[name].get_by_text("Your pair has played both its talks.")
                ).to_be_visible()
                expect(phones[name].locator("form.rating-form")).to_have_count(0)
    return ratings


def expect_summary(page: Page, ratings: Sequence[Rating]) -> None:
    rows = page.locator("table.habit-summary tbody tr")
    expected = expected_summary(ratings)
    expect(rows.locator("th")).to_have_text([row.habit for row in expected])
    for number, row in enumerate(expected):
        shown = rows.nth(number)
        expect(shown.locator(".score-count")).to_have_text(row.counts)
        expect(shown.locator(".partner-mean")).to_have_text(row.partner_mean)
        expect(shown.locator(".self-mean")).to_have_text(row.self_mean)
        expect(shown.locator(".gap")).to_have_text(row.gap)
    ticks = page.locator("table.tick-summary tbody tr")
    expect(ticks.locator("th")).to_have_text(
        [re.compile(re.escape(item_words(item)) + "$") for item in CHECKLIST]
    )
    for number, (partners, own) in enumerate(expected_ticks(ratings)):
        expect(ticks.nth(number).locator("td")).to_have_text([partners, own])
    prompts = page.locator("section.debrief-prompts li")
    expect(prompts).to_have_text(list(DEBRIEF))


def expect_feedback(phone: Page, name: str, ratings: Sequence[Rating]) -> None:
    expect(phone.get_by_role("heading", name="Your feedback")).to_be_visible()
    charts = phone.locator("ul.habit-charts > li")
    received = [r for r in ratings if r.target == name and r.rater != name]
    own = [r for r in ratings if r.rater == name and r.role == CHALLENGER]
    assert received and len(own) == 1, f"{name} challenged {len(own)} times"
    expect(charts.get_by_role("heading")).to_have_text(list(HABITS))
    for habit in range(len(HABITS)):
        partner = [r.scores[habit] for r in received]
        self_score = own[0].scores[habit]
        chart = charts.nth(habit)
        expect(chart.locator(".you")).to_have_text(f"You {one_decimal(self_score)}")
        expect(chart.locator(".partners")).to_have_text(f"Partners {one_decimal(mean(partner))}")
        gap = self_score - mean(partner)
        said = (
            "You see it as they do."
            if abs(gap) < 0.05
            else f"You rated yourself {one_decimal(abs(gap))} {'higher' if gap > 0 else 'lower'}."
        )
        expect(chart.locator(".habit-note")).to_have_text(
            re.compile(rf"^Partners gave {any_order(partner)}\. {re.escape(said)}$")
        )
    seen = phone.locator("ul.seen > li")
    counted = [
        (item, sum(number in r.ticks for r in received))
        for number, item in enumerate(CHECKLIST, start=1)
    ]
    expect(seen).to_have_text(
        [
            re.compile(re.escape(f"{item_words(item)} ({count} of {len(received)})") + "$")
            for item, count in counted
            if count
        ]
    )
    quotes = phone.locator("ul.quotes > li")
    expect(phone.get_by_role("heading", name="What they said")).to_be_visible()
    expect(quotes).to_have_count(sum(len(rating.quotes) for rating in received))
    for rating in received:
        for part, text, who in rating.quotes:
            quote = quotes.filter(has=phone.locator("blockquote", has_text=text))
            expect(quote.locator(".quote-part")).to_have_text(part)
            expect(quote.locator(".quote-who")).to_have_text(who)
    # Nobody sees a comment meant for someone else, nor anyone's comment on themselves.
    stage = phone.locator("#stage")
    for rating in ratings:
        if rating not in received:
            expect(stage).not_to_contain_text(rating.landed)


def download(page: Page, link: Locator) -> bytes:
    with page.expect_download() as info:
        link.click()
    item = info.value
    assert item.failure() is None, f"{item.suggested_filename}: {item.failure()}"
    return Path(item.path()).read_bytes()


def expect_personal_cards(code: str, phones: Mapping[str, Page]) -> None:
    """Every person's own feedback card holds feedback from partners, the trio's three too."""
    for name, phone in phones.items():
        response = phone.request.get(f"/r/{code}/card")
        assert response.ok, (name, response.status)
        card = response.text()
        assert "Feedback from your partners" in card, name
        assert "No partner feedback this time." not in card, name
        assert card.count('class="feedback-round"') == 1, name


@pytest.mark.browser
def test_challenge_pairs_round_with_rubric_ticks_trio_turn_and_debrief(
    facilitator: Page, projector: Page, make_phone: NewPhone, tmp_path: Path
) -> None:
    shots = screenshots(tmp_path)
    # 1. The facilitator starts a workshop; the projector opens; five phones join.
    code = start_workshop(facilitator)
    open_projector(projector, code, facilitator)
    phones = {name: make_phone() for name in NAMES}

    def check(moment: str) -> None:
        audit(moment, console=facilitator, projector=projector, phones=list(phones.values()))

    for name, phone in phones.items():
        join(phone, code, name, code)
    expect(projector.get_by_text(f"{len(NAMES)} joined")).to_be_visible()

    add_and_start(facilitator, EXERCISE)

    # Brief: everyone sees the case; nobody is seated yet.
    for page in (projector, *phones.values()):
        expect(page.get_by_role("heading", name=CASE)).to_be_visible()
    expect(facilitator.locator("ol.pair-board")).to_have_count(0)
    check("Brief")

    # 2. Pair up: one pair and one trio, the same on the console, the projector and the phones.
    next_phase(facilitator, "Pair up")
    expect(facilitator.locator("#stage")).to_contain_text("2 groups")
    groups = read_pair_board(facilitator, len(NAMES))
    assert sorted(len(group.names) for group in groups) == [2, 3]
    assert sorted(name for group in groups for name in group.names) == sorted(NAMES)
    for group in groups:
        assert list(group.roles) == [CHALLENGER, CUSTOMER, OBSERVER][: len(group.names)], group
    (trio,) = [group for group in groups if len(group.names) == 3]
    (pair,) = [group for group in groups if len(group.names) == 2]
    expect(facilitator.locator("ul.trio-plan")).to_have_text(
        f"{trio.badge} challenges: {trio.names[0]} in the first talk, {trio.names[1]} after the "
        f"swap, {trio.names[2]} in the trio's turn."
    )
    pair_list = projector.locator("ol.pair-list > li")
    expect(pair_list).to_have_text([f"{g.badge} {' · '.join(g.names)}" for g in groups])
    for group in groups:
        for name in group.names:
            phone = phones[name]
            expect(phone.locator(".pair-badge")).to_have_text(group.badge)
            expect_lead(phone, group, name, 1)
            expect(phone.get_by_text(f"Find your partner: look for {group.badge}.")).to_be_visible()
            expect(role_cards(phone)).to_have_count(0)
    check("Pair up")

    # 3. Read your card: each phone shows only the card for its role, before anyone talks; the
    # console suggests two minutes and starts that timer.
    next_phase(facilitator, "Read your card")
    expect(projector.get_by_role("heading", name="Read your card")).to_be_visible()
    expect(role_cards(projector)).to_have_count(0)
    stage = facilitator.locator("#stage")
    expect(stage.locator(".step-time")).to_contain_text("Suggested: 2 min")
    stage.get_by_role("button", name="Start a 2-minute timer").click()
    expect(facilitator.locator("#timer .countdown")).to_have_text(re.compile(r"^(2:00|1:5\d)$"))
    # (A running timer's box on the phones and the projector sits outside any landmark, which axe
    # reports; that is the shared page layout's, not this exercise's, so the audits below run
    # without a timer.)
    facilitator.locator("#timer-controls").get_by_role("button", name="Clear").click()
    expect(facilitator.locator("#timer .countdown")).to_have_count(0)
    first_cards = show_cards(phones, groups, 1, "Read your card: 2 minutes, no talking yet.")
    customer, challenger = pair.names[1], pair.names[0]
    shoot(phones[customer], shots / "phone-customer-card-360.png", PHONE)
    shoot(phones[challenger], shots / "phone-challenger-card-360.png", PHONE)
    check("Read your card")

    # 4. Converse: the same cards, now talked over.
    next_phase(facilitator, "Converse")
    expect(projector.get_by_role("heading", name="Pairs are talking")).to_be_visible()
    expect(role_cards(projector)).to_have_count(0)
    expect_console_roles(facilitator, groups, 1)
    for group in groups:
        for name in group.names:
            expect(phones[name].locator(".reading")).to_have_count(0)
            expect_own_cards(phones[name], group.role(name, 1) or "")
    check("Converse")

    # 5. Rate: every rater scores with the rubric beside the scale, and ticks what they saw.
    next_phase(facilitator, "Rate")
    ratings = rate_everyone(facilitator, projector, phones, groups, 1)
    shoot(phones[customer], shots / "phone-rubric-360.png", PHONE)
    check("Rate")

    # 6. Read the new card and swap: a pair swaps roles, the trio rotates; every card is new.
    next_phase(facilitator, "Read your new card")
    expect(
        projector.get_by_role("heading", name="Roles swapped: read your new card")
    ).to_be_visible()
    swapped_cards = show_cards(phones, groups, 2, "Roles have swapped, and the cards are new.")
    assert sorted(swapped_cards) == sorted(first_cards) == ["challenger", "customer"]
    for kind, text in first_cards.items():
        assert swapped_cards[kind] != text, f"the {kind} card did not change after the swap"
    next_phase(facilitator, "Swap roles")
    expect(projector.get_by_role("heading", name="Roles swapped: talk again")).to_be_visible()
    expect_console_roles(facilitator, groups, 2)
    next_phase(facilitator, "Rate again")
    ratings += rate_everyone(facilitator, projector, phones, groups, 2)
    check("Rate again")

    # 7. The trio's turn: whoever in the trio has not challenged does, with the first cards;
    # the pair sits it out and compares notes.
    next_phase(facilitator, "Trio's turn")
    expect(projector.get_by_role("heading", name="The trio's turn")).to_be_visible()
    expect_console_roles(facilitator, groups, 3)
    trio_cards = show_cards(phones, groups, 3, "The trio's turn")
    assert trio_cards == first_cards
    check("Trio's turn")
    next_phase(facilitator, "Trio rates")
    ratings += rate_everyone(facilitator, projector, phones, groups, 3)
    assert len({r.scores for r in ratings}) == len(ratings)
    assert sorted(r.rater for r in ratings if r.role == CHALLENGER) == sorted(NAMES)

    # 8. Debrief: the projector's and console's tables add up every rating and every tick, with
    # the case's questions; each phone shows its own feedback and what its partners saw.
    next_phase(facilitator, "Debrief")
    expect(projector.get_by_role("heading", name="How the room did")).to_be_visible()
    expect_summary(projector, ratings)
    expect_summary(facilitator, ratings)
    # More than one screen of results: the stage shows a page at a time; the arrow keys turn it.
    pages = projector.locator(".stage-pages")
    expect(pages).to_have_text(re.compile(r"^1 / [2-9]$"))
    projector.keyboard.press("ArrowRight")
    expect(pages).to_have_text(re.compile(r"^2 / [2-9]$"))
    expect(projector.locator("section.debrief-prompts")).to_be_visible()
    projector.keyboard.press("ArrowLeft")
    expect(pages).to_have_text(re.compile(r"^1 / [2-9]$"))
    for name, phone in phones.items():
        expect_feedback(phone, name, ratings)
        expect(phone.locator("table.habit-summary")).to_have_count(0)
        expect(phone.locator("table.tick-summary")).to_have_count(0)
    for size in WIDE:
        label = f"{size['width']}x{size['height']}"
        shoot(projector, shots / f"projector-debrief-{label}.png", size, projector=True)
        shoot(facilitator, shots / f"console-debrief-{label}.png", size)
    shoot(phones[trio.names[2]], shots / "phone-feedback-360.png", PHONE)
    check("Debrief")

    # 9. The pair's own summary (the console's link) and the CSV export show the ticks.
    badge = facilitator.locator(".pair-badge").filter(has_text=pair.badge)
    row = facilitator.locator("ol.pair-board li.pair-row").filter(has=badge)
    summary = download(facilitator, row.get_by_role("link", name="This pair's summary")).decode()
    in_pair = [r for r in ratings if r.group == pair.badge]
    for number, (partners, own) in enumerate(expected_ticks(in_pair), start=1):
        assert f"| {md_cell(CHECKLIST[number - 1])} | {partners} | {own} |" in summary
    for name in trio.names:
        assert name not in summary
    show_tab(facilitator, "Room")
    body = download(facilitator, facilitator.get_by_role("link", name="CSV (zip)", exact=True))
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("ratings.csv").decode("utf-8"))))
    ticked = {(int(r["half"]), r["rater"]): r["checklist_ticked"] for r in rows}
    assert ticked == {
        (r.half, r.rater): " | ".join(CHECKLIST[n - 1] for n in r.ticks) for r in ratings
    }

    # 10. Everyone, the trio's three included, has a personal card with partners' feedback.
    expect_personal_cards(code, phones)


@pytest.mark.browser
def test_a_field_case_gives_everyone_a_turn_and_a_feedback_card(
    facilitator: Page, projector: Page, make_phone: NewPhone, tmp_path: Path
) -> None:
    shots = screenshots(tmp_path)
    code = start_workshop(facilitator)
    open_projector(projector, code, facilitator)
    phones = {name: make_phone() for name in NAMES}
    for name, phone in phones.items():
        join(phone, code, name, code)
    add_and_start(facilitator, FIELD_EXERCISE)
    expect(projector.get_by_role("heading", name=FIELD_CASE)).to_be_visible()
    next_phase(facilitator, "Pair up")
    groups = read_pair_board(facilitator, len(NAMES))
    next_phase(facilitator, "Read your card")
    show_cards(phones, groups, 1, "Read your card: 2 minutes, no talking yet.")
    observer = next(group for group in groups if len(group.names) == 3).names[2]
    dentist = next(group for group in groups if len(group.names) == 2).names[1]
    shoot(phones[observer], shots / "phone-field-observer-360.png", PHONE)
    shoot(phones[dentist], shots / "phone-field-customer-360.png", PHONE)
    audit("Read your card (field)", projector=projector, phones=list(phones.values()))

    def rate_quickly(half: Half) -> None:
        for group in groups:
            if not group.talks(half):
                continue
            for name in group.names:
                form = phones[name].locator("form.rating-form")
                for habit in HABITS:
                    scale_choice(form.get_by_role("group", name=habit), 4).check()
                form.get_by_role("checkbox").first.check()
                form.get_by_role("button", name="Send rating").click()
                expect(notice(phones[name])).to_have_text(re.compile("saved ✓$"))

    for talk, (read, converse, rate) in enumerate(
        (
            ("Read your card", "Converse", "Rate"),
            ("Read your new card", "Swap roles", "Rate again"),
            (None, "Trio's turn", "Trio rates"),
        ),
        start=1,
    ):
        if read and talk > 1:
            next_phase(facilitator, read)
        next_phase(facilitator, converse)
        next_phase(facilitator, rate)
        rate_quickly(talk)
    next_phase(facilitator, "Debrief")
    expect(projector.get_by_role("heading", name="How the room did")).to_be_visible()
    expect(projector.locator("section.debrief-prompts li")).to_have_count(4)
    for size in WIDE:
        label = f"{size['width']}x{size['height']}"
        shoot(projector, shots / f"projector-field-debrief-{label}.png", size, projector=True)
    for phone in phones.values():
        expect(phone.locator(".habit-chart .partners .value").first).to_have_text("4.0")
    audit("Debrief (field)", console=facilitator, projector=projector, phones=list(phones.values()))
    expect_personal_cards(code, phones)
