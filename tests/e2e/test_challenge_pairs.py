"""Acceptance: one round of respectful-challenge pairs across the console, the projector and five
phones.

Five people pair up (one pair and one trio), talk, rate the challenger, swap roles, rate again and
debrief. The projector's habit table is checked against every rating entered, and each phone's
feedback card against the ratings and comments its partners entered for it.
"""

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.audit import audit
from tests.e2e.conftest import NewPhone
from tests.e2e.helpers import add_and_start, join, open_projector, start_workshop

EXERCISE = "Respectful challenge in pairs"
CASE = "The oncologist and the subgroup result"
HABITS = ("Candid", "Collaborative", "Compassionate", "Curious")
NAMES = ("Ada", "Grace", "Linus", "Barbara", "Alan")
CHALLENGER, CUSTOMER, OBSERVER = "Challenger", "Customer", "Observer"
SEAT = re.compile(r"· (Challenger|Customer|Observer)\b")
# The heading of each role card a phone shows for its role, in page order.
CARD_HEADINGS: Mapping[str, Sequence[str | re.Pattern[str]]] = {
    CHALLENGER: (re.compile(r"^Challenger: "),),
    CUSTOMER: (re.compile(r"^Customer: "),),
    OBSERVER: ("Observer checklist", re.compile(r"^Customer: "), re.compile(r"^Challenger: ")),
}

Half = int
"""1: the first conversation; 2: the one after the roles swap."""


@dataclass(frozen=True)
class Group:
    """A pair or trio as the console's pair board shows it, seats in order, first-half roles."""

    badge: str
    names: tuple[str, ...]
    roles: tuple[str, ...]

    def role(self, name: str, half: Half) -> str:
        """The first two swap challenger and customer after the swap; an observer stays one."""
        role = self.roles[self.names.index(name)]
        if half == 2 and role != OBSERVER:
            return CUSTOMER if role == CHALLENGER else CHALLENGER
        return role

    def challenger(self, half: Half) -> str:
        return next(name for name in self.names if self.role(name, half) == CHALLENGER)

    def others(self, name: str) -> list[str]:
        return [other for other in self.names if other != name]


@dataclass(frozen=True)
class Rating:
    rater: str
    half: Half
    role: str
    target: str
    scores: tuple[int, ...]
    """One per habit, in HABITS order."""
    landed: str
    try_next: str

    @property
    def comment(self) -> str:
        """How the rated person's phone lists it under "What they said"."""
        text = f"{self.role}: What landed: {self.landed}"
        return f"{text} What to try: {self.try_next}" if self.try_next else text


@dataclass(frozen=True)
class SummaryRow:
    habit: str
    counts: list[str]
    partner_mean: str
    self_mean: str
    gap: str


@dataclass(frozen=True)
class FeedbackRow:
    habit: str
    partner: list[int]
    partner_mean: str
    own: str
    gap: str


def rating_for(group: Group, name: str, half: Half) -> Rating:
    """Distinct, deterministic scores per person and per half (steps of 1 across the habits in the
    first half, of 2 in the second); a comment naming the rater's role."""
    index = NAMES.index(name)
    role = group.role(name, half)
    return Rating(
        rater=name,
        half=half,
        role=role,
        target=group.challenger(half),
        scores=tuple((2 * index + half * (habit + 1)) % 5 + 1 for habit in range(len(HABITS))),
        landed=f"{name} as {role.lower()} in talk {half}: the open question landed",
        try_next=f"{name} in talk {half}: leave a longer pause" if half == 2 else "",
    )


def mean(values: Sequence[int]) -> float:
    return sum(values) / len(values)


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
                partner_mean=f"{mean(partner):.1f}",
                self_mean=f"{mean(own):.1f}",
                gap=f"{mean(own) - mean(partner):+.1f}",
            )
        )
    return rows


def expected_feedback(ratings: Sequence[Rating], name: str) -> list[FeedbackRow]:
    received = [r for r in ratings if r.target == name and r.rater != name]
    own = [r for r in ratings if r.rater == name and r.role == CHALLENGER]
    assert len(own) <= 1, "each person challenges once per round"
    rows = []
    for habit, label in enumerate(HABITS):
        partner = [r.scores[habit] for r in received]
        self_score = own[0].scores[habit] if own else None
        rows.append(
            FeedbackRow(
                habit=label,
                partner=partner,
                partner_mean=f"{mean(partner):.1f}" if partner else "-",
                own=f"{self_score:.1f}" if self_score is not None else "-",
                gap=f"{self_score - mean(partner):+.1f}"
                if partner and self_score is not None
                else "-",
            )
        )
    return rows


def any_order(scores: Sequence[int]) -> re.Pattern[str]:
    """The "From others" cell: the scores joined by ", ", in whichever order they were stored."""
    if not scores:
        return re.compile(r"^-$")
    orders = {", ".join(map(str, order)) for order in itertools.permutations(scores)}
    return re.compile("^(?:" + "|".join(re.escape(order) for order in sorted(orders)) + ")$")


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
            match = SEAT.search(seat.text_content() or "")
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
            expect(seats.nth(position)).to_contain_text(f"{name} · {group.role(name, half)}")


def expect_lead(phone: Page, group: Group, name: str, half: Half) -> None:
    """ "You are the <role> with <the others>." """
    lead = phone.locator("p.lead")
    expect(lead.locator("strong")).to_have_text(group.role(name, half).lower())
    expect(lead).to_have_text(
        f"You are the {group.role(name, half).lower()} with {' and '.join(group.others(name))}."
    )


def expect_own_cards(phone: Page, role: str) -> None:
    expect(role_cards(phone).get_by_role("heading")).to_have_text(list(CARD_HEADINGS[role]))


def read_cards(phone: Page, cards: dict[str, str]) -> None:
    """Collects the text of the customer and challenger cards the phone shows, by kind; every
    phone that shows a kind of card shows the same one."""
    for kind in ("customer", "challenger"):
        card = phone.locator(f"section.{kind}-card")
        if card.count():
            text = card.text_content() or ""
            assert cards.setdefault(kind, text) == text, f"two different {kind} cards"


def submit_rating(phone: Page, rating: Rating) -> None:
    form = phone.locator("form.rating-form")
    heading = (
        "Rate yourself" if rating.role == CHALLENGER else f"Rate {rating.target}, the challenger"
    )
    expect(form.get_by_role("heading", level=2)).to_have_text(heading)
    for habit, score in zip(HABITS, rating.scores, strict=True):
        form.get_by_role("group", name=habit).get_by_label(str(score), exact=True).check()
    form.get_by_label("What landed (one sentence)").fill(rating.landed)
    form.get_by_label("What to try next time (one sentence)").fill(rating.try_next)
    form.get_by_role("button", name="Send rating").click()
    saved = "Self-rating saved ✓" if rating.role == CHALLENGER else "Rating saved ✓"
    expect(notice(phone)).to_have_text(saved)
    # The form comes back from the server with the rating filled in.
    expect(form.get_by_role("button", name="Update rating")).to_be_visible()
    for habit, score in zip(HABITS, rating.scores, strict=True):
        radio = form.get_by_role("group", name=habit).get_by_label(str(score), exact=True)
        expect(radio).to_be_checked()
    expect(form.get_by_label("What landed (one sentence)")).to_have_value(rating.landed)


def rate_everyone(
    facilitator: Page,
    projector: Page,
    phones: Mapping[str, Page],
    groups: Sequence[Group],
    half: Half,
) -> list[Rating]:
    ratings = [rating_for(group, name, half) for group in groups for name in group.names]
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


def expect_feedback(phone: Page, name: str, ratings: Sequence[Rating]) -> None:
    expect(phone.get_by_role("heading", name="Your feedback")).to_be_visible()
    rows = phone.locator("table.feedback tbody tr")
    expected = expected_feedback(ratings, name)
    expect(rows.locator("th")).to_have_text([row.habit for row in expected])
    for number, row in enumerate(expected):
        expect(rows.nth(number).locator("td")).to_have_text(
            [any_order(row.partner), row.partner_mean, row.own, row.gap]
        )
    said = [r for r in ratings if r.target == name and r.rater != name]
    comments = phone.locator("ul.comments > li")
    if said:
        expect(phone.get_by_role("heading", name="What they said")).to_be_visible()
        expect(comments).to_have_count(len(said))
        for rating in said:
            expect(comments.filter(has_text=rating.landed)).to_have_text(rating.comment)
    else:
        expect(phone.get_by_text("No comments for you this round.")).to_be_visible()
        expect(comments).to_have_count(0)
    # Nobody sees a comment meant for someone else, nor anyone's comment on themselves.
    stage = phone.locator("#stage")
    for rating in ratings:
        if rating not in said:
            expect(stage).not_to_contain_text(rating.landed)
            if rating.try_next:
                expect(stage).not_to_contain_text(rating.try_next)


@pytest.mark.browser
def test_challenge_pairs_round_with_ratings_and_debrief(
    facilitator: Page, projector: Page, make_phone: NewPhone
) -> None:
    # 1. The facilitator starts a workshop; the projector opens; five phones join.
    code = start_workshop(facilitator)
    open_projector(projector, code, facilitator)
    phones = {name: make_phone() for name in NAMES}

    def check(moment: str) -> None:
        audit(moment, console=facilitator, projector=projector, phones=list(phones.values()))

    for name, phone in phones.items():
        join(phone, code, name, code)
    expect(projector.get_by_text(f"{len(NAMES)} joined")).to_be_visible()

    library = facilitator.locator("details.library")
    expect(library).to_have_attribute("open", "")
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
    assert len({group.badge for group in groups}) == len(groups)
    for group in groups:
        expected_roles = [CHALLENGER, CUSTOMER, OBSERVER][: len(group.names)]
        assert list(group.roles) == expected_roles, group
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

    # 3. Converse: each phone shows only the card for its role; the projector shows none.
    next_phase(facilitator, "Converse")
    expect(projector.get_by_role("heading", name="Pairs are talking")).to_be_visible()
    expect(role_cards(projector)).to_have_count(0)
    expect_console_roles(facilitator, groups, 1)
    first_cards: dict[str, str] = {}
    for group in groups:
        for name in group.names:
            phone = phones[name]
            expect_lead(phone, group, name, 1)
            expect_own_cards(phone, group.role(name, 1))
            read_cards(phone, first_cards)

    check("Converse")

    # 4. Rate: customers and observers rate the challenger; challengers rate themselves.
    next_phase(facilitator, "Rate")
    ratings = rate_everyone(facilitator, projector, phones, groups, 1)

    check("Rate")

    # 5. Swap roles: challenger and customer trade places, with new cards; observers stay.
    next_phase(facilitator, "Swap roles")
    expect(projector.get_by_role("heading", name="Roles swapped: talk again")).to_be_visible()
    expect(role_cards(projector)).to_have_count(0)
    expect_console_roles(facilitator, groups, 2)
    swapped_cards: dict[str, str] = {}
    for group in groups:
        for name in group.names:
            phone = phones[name]
            role = group.role(name, 2)
            expect_lead(phone, group, name, 2)
            expect(phone.get_by_text("Roles have swapped, and the cards are new.")).to_be_visible()
            expect_own_cards(phone, role)
            read_cards(phone, swapped_cards)
    assert sorted(swapped_cards) == sorted(first_cards) == ["challenger", "customer"]
    for kind, text in first_cards.items():
        assert swapped_cards[kind] != text, f"the {kind} card did not change after the swap"

    # Rate again, with other scores.
    next_phase(facilitator, "Rate again")
    ratings += rate_everyone(facilitator, projector, phones, groups, 2)
    assert len({r.scores for r in ratings}) == len(ratings)

    check("Swap roles")

    # 6. Debrief: the projector's habit table adds up every rating; each phone shows its feedback.
    next_phase(facilitator, "Debrief")
    expect(projector.get_by_role("heading", name="How the room did")).to_be_visible()
    expect_summary(projector, ratings)
    expect_summary(facilitator, ratings)
    for name, phone in phones.items():
        expect_feedback(phone, name, ratings)
        expect(phone.locator("table.habit-summary")).to_have_count(0)
    check("Debrief")
