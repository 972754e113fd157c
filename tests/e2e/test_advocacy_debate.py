"""Acceptance: one advocacy debate across the console, the projector and six phones.

Six people vote (one changes their mind before the vote closes), are split into a For and an
Against team, post and upvote arguments, rebut the other side, and vote again (one does not). The
facilitator hides one rebuttal. The projector's verdict is checked against the votes cast: the first
and final counts, the shift among the people who voted both times, the winner and the strongest
posts of each side; the hidden rebuttal never reaches the projector.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.audit import audit
from tests.e2e.conftest import EXERCISES, NewPhone
from tests.e2e.helpers import add_and_start, join, open_projector, start_workshop
from workshop.exercises import parse_exercise
from workshop.kinds.advocacy_debate import AdvocacyDebate

_FILE = EXERCISES / "advocacy-debate-customer-advocate.yaml"
CONTENT, _ = parse_exercise(_FILE.read_text(encoding="utf-8"), _FILE.name)
assert isinstance(CONTENT, AdvocacyDebate)
EXERCISE = CONTENT.title
CASE = CONTENT.cases[0]

Side = Literal["for", "against"]
Choice = Literal["for", "against", "undecided"]
SIDES: tuple[Side, Side] = ("for", "against")
CHOICES: tuple[Choice, ...] = ("for", "against", "undecided")
LABELS: Mapping[str, str] = {"for": "For", "against": "Against", "undecided": "Undecided"}

ADA, GRACE, LINUS, BARBARA, ALAN, MARGARET = "Ada", "Grace", "Linus", "Barbara", "Alan", "Margaret"
NAMES = (ADA, GRACE, LINUS, BARBARA, ALAN, MARGARET)

# Ada first taps Against, then changes her mind to For before the vote closes.
CHANGED_FIRST = (ADA, "against")
FIRST: Mapping[str, Choice] = {
    ADA: "for",
    GRACE: "against",
    LINUS: "undecided",
    BARBARA: "for",
    ALAN: "undecided",
    MARGARET: "against",
}
# Margaret does not vote again, so the shift counts the other five only.
FINAL: Mapping[str, Choice] = {
    ADA: "for",
    GRACE: "for",
    LINUS: "against",
    BARBARA: "for",
    ALAN: "for",
}


@dataclass(frozen=True)
class Posted:
    author: str
    side: Side
    kind: Literal["argument", "rebuttal"]
    text: str
    answers: str = ""
    """For a rebuttal: the text of the argument it answers."""
    upvoters: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """What each side posts and upvotes, in posting order, for the teams the room drew."""

    arguments: list[Posted]
    rebuttals: list[Posted]
    hidden: str
    """The text of the post the facilitator hides."""
    take_back: tuple[str, str]
    """(voter, argument text): an upvote given and then taken back."""


def argument_text(name: str, side: Side) -> str:
    if side == "for":
        return f"{name} for: nine years and a rival quote make the exception worth asking for"
    return f"{name} against: the margin and the two refused customers have to come first"


def rebuttal_text(name: str, target: str) -> str:
    return f"{name} replies to {target}: that leaves out what the deal desk will ask"


def plan_for(sides: Mapping[Side, Sequence[str]]) -> Plan:
    """Members 1 and 2 of each side upvote member 0's argument on the For side, member 1 alone on
    the Against side. Members 0 and 1 rebut the other side's member 0, member 2 rebuts member 1; a
    teammate upvotes one rebuttal per side, and For member 1's upvoted rebuttal gets hidden."""
    f, a = sides["for"], sides["against"]
    args = {
        name: Posted(name, side, "argument", argument_text(name, side))
        for side in SIDES
        for name in sides[side]
    }
    arg_upvoters = {f[0]: (f[1], f[2]), a[0]: (a[1],)}
    arguments = [
        replace(args[name], upvoters=arg_upvoters.get(name, ()))
        for pair in zip(f, a, strict=True)
        for name in pair
    ]
    answers = {f[0]: a[0], f[1]: a[0], f[2]: a[1], a[0]: f[0], a[1]: f[0], a[2]: f[1]}
    rebuttal_upvoters = {f[1]: (f[2],), a[0]: (a[2],)}
    rebuttals = [
        Posted(
            name,
            args[name].side,
            "rebuttal",
            rebuttal_text(name, answers[name]),
            answers=args[answers[name]].text,
            upvoters=rebuttal_upvoters.get(name, ()),
        )
        for pair in zip(f, a, strict=True)
        for name in pair
    ]
    hidden = next(p.text for p in rebuttals if p.author == f[1])
    return Plan(arguments, rebuttals, hidden, (a[2], args[a[1]].text))


def ranked(posts: Sequence[Posted], hidden: str) -> list[Posted]:
    """Visible posts, most upvoted first, then oldest first."""
    visible = [p for p in posts if p.text != hidden]
    return sorted(visible, key=lambda p: -len(p.upvoters))  # stable: keeps posting order


@dataclass(frozen=True)
class Row:
    first: int
    final: int
    shift: str


@dataclass(frozen=True)
class Verdict:
    rows: dict[str, Row]
    both: int
    winner: str
    headline: str
    """The projector's heading for the verdict."""
    moves: list[str]
    """The projector's plain words: who moved to which vote, and who kept theirs."""


def expected_verdict(first: Mapping[str, Choice], final: Mapping[str, Choice]) -> Verdict:
    """Shift: change in each option's share, in percentage points, among those who voted twice;
    the side whose share grew more wins."""
    both = [name for name in first if name in final]
    rows: dict[str, Row] = {}
    points: dict[str, float] = {}
    for choice in CHOICES:
        before = sum(1 for name in both if first[name] == choice)
        after = sum(1 for name in both if final[name] == choice)
        points[choice] = 100 * (after - before) / len(both)
        rows[choice] = Row(
            first=sum(1 for vote in first.values() if vote == choice),
            final=sum(1 for vote in final.values() if vote == choice),
            shift=f"{round(points[choice]):+d} pts",
        )
    if points["for"] == points["against"]:
        winner = "No side moved the room more than the other"
        headline = "Neither side moved the room more"
    else:
        side = "for" if points["for"] > points["against"] else "against"
        winner = f"{LABELS[side]} wins: that side moved more of the room"
        headline = f"{LABELS[side]} moved the room"
    moves = []
    for choice in ("for", "undecided", "against"):
        moved = sum(1 for name in both if final[name] == choice != first[name])
        if moved:
            moves.append(
                f"{moved} {'person' if moved == 1 else 'people'} moved to {LABELS[choice]}"
            )
    stayed = sum(1 for name in both if final[name] == first[name])
    if stayed:
        moves.append(f"{stayed} {'person' if stayed == 1 else 'people'} kept their vote")
    return Verdict(rows, len(both), winner, headline, moves)


def next_phase(facilitator: Page, title: str) -> None:
    facilitator.get_by_role("button", name=f"Next: {title} →").click()
    expect(facilitator.locator("#stage .phase")).to_contain_text(title)


def expect_columns(projector: Page, noun: str, counts: Mapping[Side, int]) -> None:
    """The projector's two sides, each heading with its count of posts of the step."""
    for side, count in counts.items():
        heading = projector.locator(f".side-column.side-{side} h2")
        expect(heading).to_have_text(f"{LABELS[side]} {count} {noun}{'' if count == 1 else 's'}")


def notice(page: Page) -> Locator:
    return page.locator("#notice")


def vote(phone: Page, choice: Choice) -> None:
    phone.get_by_role("button", name=LABELS[choice], exact=True).click()
    expect(phone.get_by_role("button", name=LABELS[choice], exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    others = [c for c in CHOICES if c != choice]
    for other in others:
        expect(phone.get_by_role("button", name=LABELS[other], exact=True)).to_have_attribute(
            "aria-pressed", "false"
        )


def own_post(phone: Page, text: str) -> Locator:
    """One of the phone's own side's arguments."""
    return phone.locator("ul.posts > li.post").filter(
        has=phone.locator(".post-text", has_text=text)
    )


def target(phone: Page, text: str) -> Locator:
    """One of the other side's arguments, as the phone lists it to rebut."""
    return phone.locator("li.target").filter(
        has=phone.locator("p.post-text", has_text=f"They argue: {text}")
    )


def reply(phone: Page, answers: str, text: str) -> Locator:
    """A rebuttal by the phone's side in the thread under the argument it answers."""
    return (
        target(phone, answers)
        .locator(".thread > li.post")
        .filter(has=phone.locator(".post-text", has_text=text))
    )


def moderated(facilitator: Page, text: str) -> Locator:
    return facilitator.locator("ol.moderation > li").filter(
        has=facilitator.locator(".question-text", has_text=text)
    )


def upvote(phone: Page, post: Locator, score: int) -> None:
    post.get_by_role("button", name="Upvote", exact=True).click()
    expect(notice(phone)).to_have_text("Upvoted ✓")
    expect(post.get_by_role("button", name="Take back upvote")).to_be_visible()
    expect(post.locator(".score")).to_have_text(f"{score} ▲")


@pytest.mark.browser
def test_six_phones_debate_and_the_projector_shows_the_verdict_of_the_votes_cast(
    facilitator: Page, projector: Page, make_phone: NewPhone
) -> None:
    expected = expected_verdict(FIRST, FINAL)
    # The votes make a winner and every kind of shift: up, down and none.
    assert expected.both == len(NAMES) - 1
    assert {row.shift[0] for row in expected.rows.values()} == {"+", "-"}

    # 1. The facilitator starts a workshop; the projector opens; six phones join.
    code = start_workshop(facilitator)
    open_projector(projector, code, facilitator)
    phones = {name: make_phone() for name in NAMES}

    def check(moment: str) -> None:
        audit(moment, console=facilitator, projector=projector, phones=list(phones.values()))

    for name, phone in phones.items():
        join(phone, code, name, code)
    expect(projector.get_by_text(f"{len(NAMES)} joined")).to_be_visible()

    # 2. The facilitator adds the debate from the library and starts it.
    add_and_start(facilitator, EXERCISE)

    check("the debate has started")

    # 3. Case: everyone sees the first case and its motion.
    for page in (projector, *phones.values()):
        expect(page.get_by_role("heading", name=CASE.title)).to_be_visible()
        expect(page.locator("#stage .motion")).to_have_text(f"Motion: {CASE.motion}")

    check("Case")

    # 4. First vote: counted on the projector, results hidden; Ada's changed vote counts once.
    next_phase(facilitator, "First vote")
    progress = projector.locator("#stage .progress")
    expect(progress).to_have_text(f"0 of {len(NAMES)} voted")
    for phone in phones.values():
        expect(phone.get_by_role("heading", name="Your first vote")).to_be_visible()
    changer, first_choice = CHANGED_FIRST
    vote(phones[changer], first_choice)
    expect(notice(phones[changer])).to_have_text("Vote saved ✓")
    vote(phones[changer], FIRST[changer])
    expect(progress).to_have_text(f"1 of {len(NAMES)} voted")
    for voters, (name, choice) in enumerate(FIRST.items(), start=1):
        if name != changer:
            vote(phones[name], choice)
        expect(progress).to_have_text(f"{voters} of {len(NAMES)} voted")
    expect(projector.locator("table.verdict-table")).to_have_count(0)

    check("First vote")

    # 5. Teams: the projector shows a For and an Against team of three; each phone its side.
    next_phase(facilitator, "Teams")
    teams = projector.locator(".teams section.team")
    expect(teams).to_have_count(2)
    sides: dict[Side, list[str]] = {}
    for side in SIDES:
        team = projector.locator(f".teams section.team.side-{side}")
        expect(team.get_by_role("heading")).to_have_text(f"{LABELS[side]} · team 1")
        sides[side] = team.locator("p").inner_text().split(", ")
    assert sorted(sides["for"] + sides["against"]) == sorted(NAMES)
    assert [len(sides["for"]), len(sides["against"])] == [3, 3]
    side_of = {name: side for side in SIDES for name in sides[side]}
    for name, phone in phones.items():
        badge = phone.locator(".team-badge")
        expect(badge).to_have_text(f"{LABELS[side_of[name]]} · team 1")
        expect(badge).to_have_class(re.compile(rf"\bside-{side_of[name]}\b"))
        stance = phone.locator("#stage p").filter(has_text="You argue")
        expect(stance).to_contain_text(f"You argue {side_of[name]} the motion with")
        teammates = stance.locator("span").inner_text().split(", ")
        assert sorted(teammates) == sorted(o for o in sides[side_of[name]] if o != name)
    plan = plan_for(sides)

    check("Teams")

    # 6. Arguments: each phone posts one; teammates see them, upvote them, never their own.
    next_phase(facilitator, "Arguments")
    posted: dict[Side, int] = {"for": 0, "against": 0}
    for post in plan.arguments:
        phone = phones[post.author]
        expect(phone.locator("ul.posts > li.post")).to_have_count(posted[post.side])
        phone.get_by_label("Your argument").fill(post.text)
        phone.get_by_role("button", name="Post argument").click()
        expect(notice(phone)).to_have_text("Argument posted ✓")
        posted[post.side] += 1
        expect(own_post(phone, post.text).get_by_text("yours", exact=True)).to_be_visible()
        expect(own_post(phone, post.text).get_by_role("button")).to_have_count(0)
        expect(phone.get_by_label("Your argument")).to_have_value("")
    expect_columns(projector, "argument", {"for": 3, "against": 3})
    for side in SIDES:
        newest = [p.text for p in reversed(plan.arguments) if p.side == side]
        expect(projector.locator(f".side-column.side-{side} .post-text")).to_have_text(newest)
    for name, phone in phones.items():
        own_side = [p.text for p in plan.arguments if p.side == side_of[name]]
        expect(phone.locator("ul.posts > li.post .post-text")).to_have_text(own_side)
    for post in plan.arguments:
        for count, voter in enumerate(post.upvoters, start=1):
            upvote(phones[voter], own_post(phones[voter], post.text), count)
    voter, text = plan.take_back
    taken = own_post(phones[voter], text)
    upvote(phones[voter], taken, 1)
    taken.get_by_role("button", name="Take back upvote").click()
    expect(notice(phones[voter])).to_have_text("Upvote taken back.")
    expect(taken.get_by_role("button", name="Upvote", exact=True)).to_be_visible()
    expect(taken.locator(".score")).to_have_text("0 ▲")
    for name, phone in phones.items():
        own_side = ranked([p for p in plan.arguments if p.side == side_of[name]], "")
        expect(phone.locator("ul.posts > li.post .post-text")).to_have_text(
            [p.text for p in own_side]
        )
        expect(phone.locator("ul.posts > li.post .score")).to_have_text(
            [f"{len(p.upvoters)} ▲" for p in own_side]
        )

    check("Arguments")

    # 7. Rebuttals: each phone answers one of the other side's top arguments.
    next_phase(facilitator, "Rebuttals")
    for name, phone in phones.items():
        other = [p for p in plan.arguments if p.side != side_of[name]]
        expect(phone.locator("li.target > p.post-text")).to_have_text(
            [f"They argue: {p.text}" for p in ranked(other, "")]
        )
    for post in plan.rebuttals:
        phone = phones[post.author]
        answered = target(phone, post.answers)
        before = [r for r in plan.rebuttals if r.side == post.side and r.answers == post.answers]
        expect(answered.locator(".thread > li.post")).to_have_count(before.index(post))
        answered.get_by_label("Your rebuttal").fill(post.text)
        answered.get_by_role("button", name="Post rebuttal").click()
        expect(notice(phone)).to_have_text("Rebuttal posted ✓")
        expect(reply(phone, post.answers, post.text).get_by_text("yours")).to_be_visible()
    for post in plan.rebuttals:
        for count, voter in enumerate(post.upvoters, start=1):
            upvote(phones[voter], reply(phones[voter], post.answers, post.text), count)
    expect_columns(projector, "rebuttal", {"for": 3, "against": 3})

    check("Rebuttals")

    # 8. The facilitator hides For's upvoted rebuttal from the console; it leaves every count.
    every = plan.arguments + plan.rebuttals
    expect(facilitator.locator("ol.moderation > li")).to_have_count(len(every))
    for post in every:
        expect(moderated(facilitator, post.text).locator(".authors")).to_have_text(
            f"by {post.author}"
        )
    hidden_item = moderated(facilitator, plan.hidden)
    hidden_item.get_by_role("button", name="Hide", exact=True).click()
    expect(notice(facilitator)).to_have_text("Post hidden.")
    expect(hidden_item).to_have_class(re.compile(r"\bhidden\b"))
    expect(hidden_item.get_by_role("button", name="Show", exact=True)).to_be_visible()
    expect_columns(projector, "rebuttal", {"for": 2, "against": 3})
    for name, phone in phones.items():
        if side_of[name] == "for":
            expect(phone.locator("#stage")).not_to_contain_text(plan.hidden)
    expect(projector.locator("#stage")).not_to_contain_text(plan.hidden)

    check("after moderation")

    # 9. Final vote: a fresh ballot; Margaret does not vote again.
    next_phase(facilitator, "Final vote")
    expect(progress).to_have_text(f"0 of {len(NAMES)} voted")
    for voters, (name, choice) in enumerate(FINAL.items(), start=1):
        phone = phones[name]
        expect(phone.get_by_role("heading", name="Your final vote")).to_be_visible()
        expect(phone.locator(".choices button[aria-pressed='true']")).to_have_count(0)
        vote(phone, choice)
        expect(progress).to_have_text(f"{voters} of {len(NAMES)} voted")

    check("Final vote")

    # 10. Verdict: the projector's table, shift, winner and strongest posts match what was cast.
    next_phase(facilitator, "Verdict")
    expect(projector.get_by_role("heading", level=1)).to_have_text(expected.headline)
    for when, votes in (("Before", FIRST), ("After", FINAL)):
        counts = ", ".join(
            f"{LABELS[c]} {sum(1 for v in votes.values() if v == c)}"
            for c in ("for", "undecided", "against")
        )
        expect(projector.get_by_role("img", name=f"{when}: {counts}")).to_be_visible()
    expect(projector.locator(".moves li")).to_have_text(expected.moves)
    expect(projector.locator(".both")).to_have_text(
        f"Counted over the {expected.both} people who voted both times."
    )
    for side in SIDES:
        highlight = projector.locator(f".highlight.side-{side}")
        strongest = ranked([p for p in plan.arguments if p.side == side], plan.hidden)[0]
        expect(highlight.locator(".strongest-argument")).to_have_text(
            f"{strongest.text} {len(strongest.upvoters)} ▲"
        )
        thread = ranked([r for r in plan.rebuttals if r.answers == strongest.text], plan.hidden)
        other = LABELS["against" if side == "for" else "for"]
        expect(highlight.locator(".answered")).to_have_text(
            [f"{other} answered: {r.text}" for r in thread[:1]]
        )
    # The console keeps the full table, with each vote's shift in points.
    table = facilitator.locator("table.verdict-table")
    for choice, row in expected.rows.items():
        cells = table.locator(f"tr.verdict-{choice}")
        expect(cells.locator(".first-count")).to_have_text(str(row.first))
        expect(cells.locator(".final-count")).to_have_text(str(row.final))
        expect(cells.locator(".shift")).to_have_text(row.shift)
    expect(projector.locator("#stage")).not_to_contain_text(plan.hidden)
    for phone in phones.values():
        expect(phone.locator("h2.winner")).to_have_text(expected.winner)
        expect(phone.locator("#stage")).not_to_contain_text(plan.hidden)
    check("Verdict")
