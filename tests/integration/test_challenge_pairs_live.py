"""Respectful-challenge pairs over the websocket: private cards (read, then talked over), reloads,
ratings with the rubric and the checklist's ticks, a trio's rotation, re-seating, moves."""

import json
import re
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass

from markupsafe import escape
from starlette.testclient import TestClient

from tests.integration.helpers import Screen, action_id, create_room, join, live
from workshop.exercises import parse_exercise
from workshop.kinds.challenge_pairs import RUBRIC, ChallengePairs
from workshop.markdown import md_cell
from workshop.settings import DEFAULT_EXERCISES

EXERCISE = "challenge-pairs-respectful-challenge"
PHASES = (
    "brief",
    "pair",
    "read",
    "converse",
    "rate",
    "read_swap",
    "swap",
    "rate_swap",
    "trio",
    "rate_trio",
    "debrief",
)
_FILE = DEFAULT_EXERCISES / f"{EXERCISE}.yaml"
_CONTENT, _ = parse_exercise(_FILE.read_text(encoding="utf-8"), _FILE.name)
assert isinstance(_CONTENT, ChallengePairs)
CASE = _CONTENT.cases[0]


def shown(text: str) -> str:
    """How a line of the exercise appears in the HTML."""
    return str(escape(text))


# Lines that each appear on one card only.
FIRST_CUSTOMER = shown(CASE.first.customer.conclusion)
FIRST_CHALLENGER = shown(CASE.first.challenger.hint)
SWAPPED_CUSTOMER = shown(CASE.swapped.customer.conclusion)
SWAPPED_CHALLENGER = shown(CASE.swapped.challenger.hint)
CHECKLIST = shown(CASE.observer_checklist[0].split(") ", 1)[-1])
CARD_LINES = (FIRST_CUSTOMER, FIRST_CHALLENGER, SWAPPED_CUSTOMER, SWAPPED_CHALLENGER, CHECKLIST)
FIVE = ("Ada", "Grace", "Linus", "Barbara", "Alan")


# Reading the screens -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """One row of the facilitator's pair board."""

    number: int
    colour: str
    flagged: bool
    seats: dict[str, str]
    """Name -> role as the board shows it (Challenger, Customer, Observer, Waiting for a partner)."""

    def named(self, role: str) -> str:
        return next(name for name, seat in self.seats.items() if seat == role)


_ROW = re.compile(r'<li class="pair-row( flagged)?">(.*?)</ul>\s*</li>', re.S)
_BADGE = re.compile(r'pair-colour-name">(\w+)</span> <span class="pair-number">(\d+)<')
_SEAT = re.compile(
    r'<span hx-disable>([^<]+)</span></span>\s*<span class="seat-role">'
    r"(Challenger|Customer|Observer|Waiting for a partner)"
)
_ROLE = re.compile(r"You are the <strong>(\w+)</strong>")


def board(stage: str) -> list[Group]:
    groups = []
    for flagged, row in _ROW.findall(stage):
        colour, number = _BADGE.findall(row)[0]
        groups.append(Group(int(number), colour, bool(flagged), dict(_SEAT.findall(row))))
    return groups


def seated(groups: Iterable[Group]) -> list[str]:
    return [name for group in groups for name in group.seats]


def group_of(groups: Iterable[Group], name: str) -> Group:
    return next(group for group in groups if name in group.seats)


def wait_board(host: Screen, check: Callable[[list[Group]], bool], limit: int = 40) -> list[Group]:
    """Reads the console until its pair board passes `check`; returns that board."""
    for _ in range(limit):
        groups = board(host.regions.get("stage", ""))
        if groups and check(groups):
            return groups
        host.receive()
    raise AssertionError(f"the pair board never settled: {board(host.regions.get('stage', ''))}")


def everyone_once(names: Iterable[str]) -> Callable[[list[Group]], bool]:
    """Everyone present sits in exactly one group, and nobody else does."""
    expected = sorted(names)
    return lambda groups: sorted(seated(groups)) == expected


def people_ids(host: Screen, *needed: str) -> dict[str, str]:
    """Name -> participant id, from the console's "Remove someone" list, once it lists `needed`."""
    roster = host.until("roster", "Remove ")
    for name in needed:
        roster = host.until("roster", f"Remove {name}<")
    pattern = r'name="participant_id" value="([^"]+)">\s*<button type="submit">Remove ([^<]+)<'
    return {name: pid for pid, name in re.findall(pattern, roster)}


def badge(group: Group) -> str:
    return (
        f'<span class="pair-colour-name">{group.colour}</span> '
        f'<span class="pair-number">{group.number}</span>'
    )


def until_clean(screen: Screen, region: str, text: str, forbidden: Iterable[str]) -> str:
    """Like `Screen.until`, but checks every frame on the way that none of `forbidden` shows."""
    for _ in range(30):
        html = screen.regions.get(region, "")
        leaked = [secret for secret in forbidden if secret in html]
        assert not leaked, f"{region!r} showed {leaked!r}"
        if text in html:
            return html
        screen.receive()
    raise AssertionError(f"{region!r} never showed {text!r}")


def until_gone(screen: Screen, region: str, text: str) -> str:
    """Reads frames until `region` is shown and no longer contains `text`."""
    for _ in range(30):
        html = screen.regions.get(region, "")
        if html and text not in html:
            return html
        screen.receive()
    raise AssertionError(f"{region!r} still shows {text!r}")


def until_any(screen: Screen, region: str, texts: Iterable[str]) -> str:
    """Reads frames until `region` contains one of `texts`."""
    for _ in range(30):
        html = screen.regions.get(region, "")
        if any(text in html for text in texts):
            return html
        screen.receive()
    raise AssertionError(f"{region!r} never showed any of {texts!r}")


# Driving the exercise ----------------------------------------------------------------------------


def open_room(client: TestClient, names: Iterable[str]) -> tuple[str, str, dict[str, str]]:
    code, host_cookie = create_room(client)
    return code, host_cookie, {name: join(client, code, name) for name in names}


def start(host: Screen) -> None:
    """Adds the exercise, starts it and moves to "Pair up", which seats everyone."""
    host.act("Added", type="add_exercise", exercise_id=EXERCISE)
    host.act("Started", type="start_run", run_id="r1")
    host.act("Now: round 1, Pair up.", type="next_phase", seen_phase="r1.0:brief")
    host.until("stage", 'value="r1.0:pair"')


def advance(host: Screen, to: str) -> None:
    """Steps round 1 forward from wherever the console is to phase `to`."""
    current = re.findall(r'name="seen_phase" value="r1\.0:(\w+)"', host.until("stage", "r1.0:"))
    for phase in PHASES[PHASES.index(current[0]) : PHASES.index(to)]:
        following = PHASES[PHASES.index(phase) + 1]
        host.act("Now: round 1", type="next_phase", seen_phase=f"r1.0:{phase}")
        host.until("stage", f'value="r1.0:{following}"')


def rate(
    phone: Screen, phase: str, expect: str, scores: tuple[int, int, int, int], **extra: object
) -> str:
    candid, collaborative, compassionate, curious = scores
    return phone.act(
        expect,
        type="rate",
        seen_phase=f"r1.0:{phase}",
        candid=candid,
        collaborative=collaborative,
        compassionate=compassionate,
        curious=curious,
        **extra,
    )


def feedback_rows(stage: str) -> dict[str, tuple[str, float, float, float]]:
    """Habit -> (scores from others, their average, own score, gap) from "Your feedback": each
    habit's chart gives the two numbers, and its note the scores and the gap in words."""
    charts = re.findall(
        r'<h\d class="habit-name">(\w+)</h\d>\s*'
        r'<p class="bar-row you">.*?<strong class="value">([^<]*)</strong></p>\s*'
        r'<p class="bar-row partners">.*?<strong class="value">([^<]*)</strong></p>\s*'
        r'<p class="habit-note">([^<]*)</p>',
        stage,
        re.S,
    )
    result = {}
    for habit, own, average, note in charts:
        gave = re.search(r"Partners gave ([\d, and]+)\.", note)
        others = ", ".join(re.findall(r"\d", gave.group(1))) if gave else "-"
        gap = re.search(r"You rated yourself (\d\.\d) (higher|lower)\.", note)
        if gap is None:
            assert "You see it as they do." in note, note
            difference = 0.0
        else:
            difference = float(gap.group(1)) * (1 if gap.group(2) == "higher" else -1)
        result[habit] = (others, float(average), float(own), difference)
    return result


def summary_rows(stage: str) -> dict[str, tuple[list[int], str, str, str]]:
    """Habit -> (counts for scores 1-5, partner mean, self mean, gap) from the habit summary."""
    table = stage[stage.index('class="habit-summary"') :]
    result = {}
    for habit, row in re.findall(r'<th scope="row">(\w+)</th>(.*?)</tr>', table, re.S):
        counts = [int(n) for n in re.findall(r'class="score-count">(\d+)<', row)]
        means = re.findall(r'class="(?:partner-mean|self-mean|gap)">([^<]*)<', row)
        result[habit] = (counts, *means)
    return result


# Tests -------------------------------------------------------------------------------------------


ROTATED = {
    2: {"challenger": "customer", "customer": "challenger"},
    3: {"challenger": "observer", "customer": "challenger", "observer": "customer"},
}
"""A role in the first talk -> the role after the swap, by the size of the group: a pair swaps, a
trio rotates."""
TRIO_TURN = {"challenger": "customer", "customer": "observer", "observer": "challenger"}
"""In a trio, a role in the first talk -> the role in the trio's turn."""


def check_cards(stage: str, role: str, customer: str, challenger: str, others: list[str]) -> None:
    """A phone shows the card of its own role (the observer both, and the checklist), none of
    `others` (lines of the other talks' cards)."""
    assert not [line for line in others if line in stage]
    if role == "challenger":
        assert "<h2>Challenger: " in stage and challenger in stage
        assert customer not in stage and "Customer: " not in stage
        assert CHECKLIST not in stage
    elif role == "customer":
        assert "<h2>Customer: " in stage and customer in stage
        assert challenger not in stage and "Challenger: " not in stage
        assert CHECKLIST not in stage
    else:
        assert "Observer checklist" in stage and CHECKLIST in stage
        assert customer in stage and challenger in stage


def test_each_phone_sees_only_its_own_card_and_the_projector_none(client: TestClient) -> None:
    code, host_cookie, cookies = open_room(client, FIVE)
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "screen", host_cookie) as screen,
        ExitStack() as stack,
    ):
        start(host)
        groups = wait_board(host, everyone_once(FIVE))
        assert sorted(len(group.seats) for group in groups) == [2, 3]  # one trio for five people
        until_clean(screen, "stage", "pair-list", CARD_LINES)
        advance(host, "read")
        until_clean(screen, "stage", "Read your card", [*CARD_LINES, "role-card"])
        phones = {
            name: stack.enter_context(live(client, code, "phone", cookies[name])) for name in FIVE
        }
        first_others = [SWAPPED_CUSTOMER, SWAPPED_CHALLENGER]

        # Reading: each phone shows its own card already, before anyone talks.
        roles: dict[str, str] = {}
        for name, phone in phones.items():
            stage = phone.until("stage", "role-card")
            assert "Read your card: 2 minutes, no talking yet." in stage
            group = group_of(groups, name)
            assert badge(group) in stage
            roles[name] = _ROLE.findall(stage)[0]
            assert roles[name] == group.seats[name].lower()
            check_cards(stage, roles[name], FIRST_CUSTOMER, FIRST_CHALLENGER, first_others)
            assert "What would honestly" in stage and "How hard to" in stage
        assert sorted(roles.values()) == ["challenger"] * 2 + ["customer"] * 2 + ["observer"]

        advance(host, "converse")
        until_clean(screen, "stage", "Pairs are talking", [*CARD_LINES, "role-card"])
        for name, phone in phones.items():
            stage = until_gone(phone, "stage", "no talking yet")
            check_cards(stage, roles[name], FIRST_CUSTOMER, FIRST_CHALLENGER, first_others)

        advance(host, "rate")
        until_clean(screen, "stage", "Rate the challenger", [*CARD_LINES, "role-card"])
        advance(host, "read_swap")
        until_clean(screen, "stage", "read your new card", [*CARD_LINES, "role-card"])
        swapped = {name: ROTATED[len(group_of(groups, name).seats)][roles[name]] for name in FIVE}
        for name, phone in phones.items():
            stage = phone.until("stage", "Roles have swapped")
            assert _ROLE.findall(stage) == [swapped[name]]
            assert badge(group_of(groups, name)) in stage
            check_cards(
                stage, swapped[name], SWAPPED_CUSTOMER, SWAPPED_CHALLENGER, [FIRST_CUSTOMER]
            )
        advance(host, "swap")
        until_clean(screen, "stage", "Roles swapped", [*CARD_LINES, "role-card"])
        for name, phone in phones.items():
            stage = phone.until("stage", "Roles have swapped, and the cards are new.</p>")
            check_cards(
                stage, swapped[name], SWAPPED_CUSTOMER, SWAPPED_CHALLENGER, [FIRST_CUSTOMER]
            )

        # The trio's turn: its three play the first cards again, the one who has not challenged
        # yet challenging; the pair sits it out and sees no card.
        advance(host, "trio")
        until_clean(screen, "stage", "The trio's turn", [*CARD_LINES, "role-card"])
        for name, phone in phones.items():
            if len(group_of(groups, name).seats) == 3:
                stage = phone.until("stage", "The trio's turn")
                role = TRIO_TURN[roles[name]]
                assert _ROLE.findall(stage) == [role]
                check_cards(stage, role, FIRST_CUSTOMER, FIRST_CHALLENGER, first_others)
            else:
                stage = phone.until("stage", "Your pair has played both its talks.")
                assert "role-card" not in stage and "rating-form" not in stage
        advance(host, "rate_trio")
        until_clean(screen, "stage", "The trio rates its challenger", [*CARD_LINES, "role-card"])
        assert "<strong>0</strong> of 3 ratings in" in screen.regions["stage"]
        advance(host, "debrief")
        debrief = screen.until("stage", 'class="contrast"')
        for line in (FIRST_CUSTOMER, FIRST_CHALLENGER, SWAPPED_CUSTOMER, SWAPPED_CHALLENGER):
            assert line in debrief


def test_a_phone_that_reloads_returns_to_its_pair_role_and_card(client: TestClient) -> None:
    names = ("Ada", "Grace", "Linus", "Barbara")
    code, host_cookie, cookies = open_room(client, names)
    with live(client, code, "host", host_cookie) as host:
        start(host)
        groups = wait_board(host, everyone_once(names))
        advance(host, "converse")
        group = max(groups, key=lambda g: g.number)
        name = group.named("Customer")
        with live(client, code, "phone", cookies[name]) as phone:
            before = phone.until("stage", "role-card")
            assert badge(group) in before and FIRST_CUSTOMER in before
            assert _ROLE.findall(before) == ["customer"]
        page = client.get(f"/r/{code}", headers={"cookie": cookies[name]})
        assert page.status_code == 200
        assert badge(group) in page.text
        assert "You are the <strong>customer</strong>" in page.text
        assert FIRST_CUSTOMER in page.text and FIRST_CHALLENGER not in page.text
        with live(client, code, "phone", cookies[name]) as phone:
            after = phone.until("stage", "role-card")
            assert after == before
        assert group_of(board(host.regions["stage"]), name).seats == group.seats


def test_a_rating_sent_twice_counts_once(client: TestClient) -> None:
    names = ("Ada", "Grace")
    code, host_cookie, cookies = open_room(client, names)
    with live(client, code, "host", host_cookie) as host:
        start(host)
        (group,) = wait_board(host, everyone_once(names))
        challenger, customer = group.named("Challenger"), group.named("Customer")
        advance(host, "rate")
        with (
            live(client, code, "phone", cookies[customer]) as rater,
            live(client, code, "phone", cookies[challenger]) as rated,
        ):
            rater.until("stage", "the challenger</h2>")
            first = action_id()
            rate(rater, "rate", "Rating saved ✓", (2, 2, 2, 2), landed="First go.", action_id=first)
            host.until("stage", "1 of 2 ratings in")
            rate(rater, "rate", "Rating saved ✓", (4, 5, 3, 4), landed="Second thoughts.")
            rate(rater, "rate", "Already saved", (1, 1, 1, 1), landed="Replayed.", action_id=first)
            form = rater.until("stage", 'name="candid" value="4" checked')
            assert 'name="collaborative" value="5" checked' in form
            assert 'value="Second thoughts."' in form and "Update rating" in form
            rated.until("stage", "Rate yourself")
            rate(rated, "rate", "Self-rating saved ✓", (3, 3, 3, 3))
            stage = host.until("stage", "2 of 2 ratings in")
            assert stage.count("rated ✓") == 2 and "not rated yet" not in stage
            advance(host, "debrief")
            feedback = feedback_rows(rated.until("stage", "Your feedback"))
            assert feedback == {
                "Candid": ("4", 4.0, 3.0, -1.0),
                "Collaborative": ("5", 5.0, 3.0, -2.0),
                "Compassionate": ("3", 3.0, 3.0, 0.0),
                "Curious": ("4", 4.0, 3.0, -1.0),
            }
            comments = rated.regions["stage"]
            assert "Second thoughts." in comments
            assert "First go." not in comments and "Replayed." not in comments


def test_feedback_is_private_and_the_projector_shows_only_aggregates(client: TestClient) -> None:
    names = ("Ada", "Grace", "Linus", "Barbara")
    code, host_cookie, cookies = open_room(client, names)
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "screen", host_cookie) as screen,
        ExitStack() as stack,
    ):
        start(host)
        one, two = sorted(wait_board(host, everyone_once(names)), key=lambda g: g.number)
        advance(host, "rate")
        phones = {
            name: stack.enter_context(live(client, code, "phone", cookies[name])) for name in names
        }
        comments = {
            one.named("Challenger"): ("Asked how she read the plot.", "Pause before the data."),
            two.named("Challenger"): ("Named the frailty worry aloud.", "Offer to look together."),
        }
        partner_scores = {one.number: (4, 3, 5, 2), two.number: (2, 3, 4, 2)}
        self_scores = {one.number: (5, 5, 5, 5), two.number: (3, 3, 3, 3)}
        for group in (one, two):
            customer, challenger = group.named("Customer"), group.named("Challenger")
            landed, try_next = comments[challenger]
            phones[customer].until("stage", "the challenger</h2>")
            rate(
                phones[customer],
                "rate",
                "Rating saved ✓",
                partner_scores[group.number],
                landed=landed,
                try_next=try_next,
            )
            phones[challenger].until("stage", "Rate yourself")
            rate(phones[challenger], "rate", "Self-rating saved ✓", self_scores[group.number])
        host.until("stage", "4 of 4 ratings in")
        advance(host, "debrief")

        for group in (one, two):
            challenger, customer = group.named("Challenger"), group.named("Customer")
            stage = phones[challenger].until("stage", "Your feedback")
            partner, own = partner_scores[group.number], self_scores[group.number]
            assert feedback_rows(stage) == {
                habit: (str(p), p, s, s - p)
                for habit, p, s in zip(
                    ("Candid", "Collaborative", "Compassionate", "Curious"),
                    partner,
                    own,
                    strict=True,
                )
            }
            for text in comments[challenger]:
                assert text in stage
            others = [
                text for name, pair in comments.items() if name != challenger for text in pair
            ]
            assert not [text for text in others if text in stage]
            assert customer not in stage  # feedback names the rater's role, never the rater
            stage = phones[customer].until("stage", "Your feedback")
            assert "No comments for you this round." in stage
            assert not [text for pair in comments.values() for text in pair if text in stage]

        stage = screen.until("stage", "habit-summary")
        assert summary_rows(stage) == {
            "Candid": ([0, 1, 0, 1, 0], "3.0", "4.0", "+1.0"),
            "Collaborative": ([0, 0, 2, 0, 0], "3.0", "4.0", "+1.0"),
            "Compassionate": ([0, 0, 0, 1, 1], "4.5", "4.0", "-0.5"),
            "Curious": ([0, 2, 0, 0, 0], "2.0", "4.0", "+2.0"),
        }
        assert not [text for pair in comments.values() for text in pair if text in stage]
        assert not [name for name in names if name in stage]
        assert "Your feedback" not in stage


def test_bad_ratings_and_moves_get_clear_messages(client: TestClient) -> None:
    names = ("Ada", "Grace")
    code, host_cookie, cookies = open_room(client, names)
    with live(client, code, "host", host_cookie) as host:
        start(host)
        (group,) = wait_board(host, everyone_once(names))
        customer = group.named("Customer")
        ids = people_ids(host)
        advance(host, "converse")
        with live(client, code, "phone", cookies[customer]) as phone:
            phone.until("stage", "role-card")
            rate(phone, "converse", "Ratings are collected after each conversation.", (3, 3, 3, 3))
            advance(host, "rate")
            phone.until("stage", "the challenger</h2>")
            rate(phone, "converse", "moved on", (3, 3, 3, 3))
            phone.act(
                "Please rate every habit: Curious is missing.",
                type="rate",
                seen_phase="r1.0:rate",
                candid=3,
                collaborative=3,
                compassionate=3,
            )
            rate(phone, "rate", "not understood", (3, 6, 3, 3))
            rate(phone, "rate", "not understood", (0, 3, 3, 3))
            rate(phone, "rate", "at most 200 characters", (3, 3, 3, 3), landed="x" * 201)
            rate(phone, "rate", "at most 200 characters", (3, 3, 3, 3), try_next="y" * 201)
            rate(phone, "rate", "Rating saved ✓", (3, 3, 3, 3), landed="z" * 200)
            assert f'value="{"z" * 200}"' in phone.until("stage", "Update rating")
            host.until("stage", "1 of 2 ratings in")
            phone.act("Only the facilitator", type="repair_pairs", seen_phase="r1.0:rate")
            phone.act(
                "Only the facilitator",
                type="move_participant",
                seen_phase="r1.0:rate",
                participant_id=ids[customer],
                to_pair="new",
            )
            rate(host, "rate", "That is for participants.", (3, 3, 3, 3))
        assert [g.seats for g in board(host.regions["stage"])] == [group.seats]


def phone_seat(stage: str) -> tuple[str, str]:
    """The pair badge and the role (or "waiting") a phone shows."""
    (colour, number), *_ = _BADGE.findall(stage)
    role = "waiting" if "Waiting for a partner." in stage else _ROLE.findall(stage)[0]
    return f"{colour} {number}", role


def board_seat(groups: list[Group], name: str) -> tuple[str, str]:
    """The pair badge and the role (or "waiting") the console shows for `name`."""
    group = group_of(groups, name)
    role = group.seats[name].lower()
    return f"{group.colour} {group.number}", "waiting" if role.startswith("waiting") else role


def well_seated(names: Iterable[str]) -> Callable[[list[Group]], bool]:
    """Everyone present sits in exactly one group, nobody waits alone and there is at most one trio."""
    everyone = everyone_once(names)
    return lambda groups: (
        everyone(groups)
        and all(len(group.seats) >= 2 for group in groups)
        and sum(len(group.seats) == 3 for group in groups) <= 1
    )


def talking(groups: Iterable[Group]) -> dict[str, tuple[int, str]]:
    """Challenger and customer -> (group number, role): who is in a conversation."""
    return {
        name: (group.number, role)
        for group in groups
        for name, role in group.seats.items()
        if role in ("Challenger", "Customer")
    }


def test_late_joiners_and_leavers_are_reseated_in_exactly_one_group(client: TestClient) -> None:
    code, host_cookie, cookies = open_room(client, FIVE)
    with live(client, code, "host", host_cookie) as host:
        start(host)
        groups = wait_board(host, everyone_once(FIVE))
        advance(host, "converse")
        present = [*FIVE]
        for late in ("Frances", "Gina"):
            before = talking(groups)
            cookies[late] = join(client, code, late)
            present.append(late)
            groups = wait_board(host, everyone_once(present))
            assert well_seated(present)(groups), groups
            assert talking(groups).items() >= before.items()  # conversations are not broken up
            with live(client, code, "phone", cookies[late]) as phone:
                stage = phone.until("stage", "role-card")
                assert phone_seat(stage) == board_seat(groups, late)

        # A leaver: whoever they were talking to is re-seated, not left alone.
        leaver = next(name for group in groups if len(group.seats) == 2 for name in group.seats)
        partner = next(name for name in group_of(groups, leaver).seats if name != leaver)
        ids = people_ids(host, leaver)
        host.act(f"Removed {leaver}.", type="remove_participant", participant_id=ids[leaver])
        present.remove(leaver)
        groups = wait_board(host, everyone_once(present))
        assert well_seated(present)(groups), groups
        with live(client, code, "phone", cookies[partner]) as phone:
            stage = phone.until("stage", "role-card")
            assert phone_seat(stage) == board_seat(groups, partner)


def test_the_partner_left_behind_is_reseated_and_disconnects_are_flagged(
    client: TestClient,
) -> None:
    names = ("Ada", "Grace", "Linus", "Barbara")
    code, host_cookie, cookies = open_room(client, names)
    with live(client, code, "host", host_cookie) as host, ExitStack() as stack:
        start(host)
        one, two = sorted(wait_board(host, everyone_once(names)), key=lambda g: g.number)
        advance(host, "converse")
        connections = {name: stack.enter_context(ExitStack()) for name in names}
        phones = {
            name: connections[name].enter_context(live(client, code, "phone", cookies[name]))
            for name in names
        }
        for phone in phones.values():
            phone.until("stage", "role-card")
        wait_board(host, lambda groups: not any(group.flagged for group in groups))

        leaver, left_behind = one.named("Challenger"), one.named("Customer")
        host.act(
            f"Removed {leaver}.", type="remove_participant", participant_id=people_ids(host)[leaver]
        )
        present = [name for name in names if name != leaver]
        groups = wait_board(host, everyone_once(present))
        assert len(groups) == 1 and group_of(groups, left_behind).number == two.number
        assert group_of(groups, left_behind).seats == {**two.seats, left_behind: "Observer"}
        stage = phones[left_behind].until("stage", badge(two))
        assert phone_seat(stage) == (f"{two.colour} {two.number}", "observer")
        assert CHECKLIST in stage and FIRST_CUSTOMER in stage and FIRST_CHALLENGER in stage

        quitter = two.named("Customer")
        connections[quitter].close()
        groups = wait_board(host, lambda groups: groups[0].flagged)
        assert "someone is disconnected" in host.regions["stage"]
        with live(client, code, "phone", cookies[quitter]) as phone:
            phone.until("stage", "role-card")
            wait_board(host, lambda groups: not groups[0].flagged)
            assert "someone is disconnected" not in host.regions["stage"]


def test_the_partner_left_behind_is_not_left_alone_next_to_a_trio(client: TestClient) -> None:
    code, host_cookie, cookies = open_room(client, FIVE)
    with live(client, code, "host", host_cookie) as host:
        start(host)
        before = wait_board(host, everyone_once(FIVE))
        advance(host, "converse")
        trio = next(group for group in before if len(group.seats) == 3)
        pair = next(group for group in before if len(group.seats) == 2)
        leaver, partner = pair.named("Challenger"), pair.named("Customer")
        ids = people_ids(host, leaver)
        host.act(f"Removed {leaver}.", type="remove_participant", participant_id=ids[leaver])
        present = [name for name in FIVE if name != leaver]
        groups = wait_board(host, everyone_once(present))
        assert well_seated(present)(groups), groups
        assert sorted(len(group.seats) for group in groups) == [2, 2]
        # The trio's conversation goes on; its observer partners the one left behind.
        still = {name: seat for name, seat in talking(before).items() if name in trio.seats}
        assert talking(groups).items() >= still.items()
        assert partner in group_of(groups, trio.named("Observer")).seats
        with live(client, code, "phone", cookies[partner]) as phone:
            stage = phone.until("stage", "role-card")
            assert phone_seat(stage) == board_seat(groups, partner)


def test_the_facilitator_moves_people_by_hand_and_re_pairs_everyone(client: TestClient) -> None:
    names = ("Ada", "Grace", "Linus", "Barbara")
    code, host_cookie, cookies = open_room(client, names)
    with live(client, code, "host", host_cookie) as host:
        start(host)
        one, two = sorted(wait_board(host, everyone_once(names)), key=lambda g: g.number)
        advance(host, "converse")
        ids = people_ids(host)
        mover, left = one.named("Challenger"), one.named("Customer")

        def move(name: str, to_pair: str, expect: str = "") -> None:
            host.act(
                expect or f"Moved {name}.",
                type="move_participant",
                seen_phase="r1.0:converse",
                participant_id=ids[name],
                to_pair=to_pair,
            )

        move(mover, "new")
        groups = wait_board(host, lambda groups: len(groups) == 3)
        assert everyone_once(names)(groups)
        new = group_of(groups, mover)
        assert new.number == 3 and new.seats == {mover: "Waiting for a partner"}
        assert group_of(groups, left).seats == {left: "Waiting for a partner"}
        with live(client, code, "phone", cookies[mover]) as phone:
            stage = phone.until("stage", "Waiting for a partner.")
            assert phone_seat(stage) == (f"{new.colour} {new.number}", "waiting")
            assert "role-card" not in stage

        move(left, f"p{new.number}")
        groups = wait_board(host, lambda groups: len(groups) == 2)
        assert group_of(groups, left).seats == {mover: "Challenger", left: "Customer"}
        assert everyone_once(names)(groups)
        with live(client, code, "phone", cookies[left]) as phone:
            stage = phone.until("stage", "role-card")
            assert phone_seat(stage) == (f"{new.colour} {new.number}", "customer")

        third = two.named("Challenger")
        move(third, f"p{new.number}")
        groups = wait_board(host, lambda groups: len(group_of(groups, mover).seats) == 3)
        assert group_of(groups, third).seats[third] == "Observer"
        move(two.named("Customer"), f"p{new.number}", "That group already has three people.")
        move(third, f"p{one.number}", "That pair no longer exists.")
        host.act(
            "moved on",
            type="move_participant",
            seen_phase="r1.0:pair",
            participant_id=ids[third],
            to_pair="new",
        )
        host.act(
            "not in the room",
            type="move_participant",
            seen_phase="r1.0:converse",
            participant_id="nobody-at-all",
            to_pair="new",
        )

        host.act("2 groups.", type="repair_pairs", seen_phase="r1.0:converse")
        groups = wait_board(
            host, lambda groups: sorted(len(group.seats) for group in groups) == [2, 2]
        )
        assert everyone_once(names)(groups)
        assert sorted(group.number for group in groups) == [1, 2]
        host.act("moved on", type="repair_pairs", seen_phase="r1.0:pair")
        for name in names:
            with live(client, code, "phone", cookies[name]) as phone:
                stage = phone.until("stage", "role-card")
                assert phone_seat(stage) == board_seat(groups, name)


def test_ratings_in_counts_only_ratings_of_the_current_pairs(client: TestClient) -> None:
    names = ("Ada", "Grace", "Linus", "Barbara")
    code, host_cookie, cookies = open_room(client, names)
    with live(client, code, "host", host_cookie) as host:
        start(host)
        one, _ = sorted(wait_board(host, everyone_once(names)), key=lambda g: g.number)
        advance(host, "rate")
        for name in names:
            with live(client, code, "phone", cookies[name]) as phone:
                phone.until("stage", "rating-form")
                rate(phone, "rate", "saved ✓", (3, 3, 3, 3))
        host.until("stage", "4 of 4 ratings in")
        leaver, partner = one.named("Challenger"), one.named("Customer")
        ids = people_ids(host, leaver)
        host.act(f"Removed {leaver}.", type="remove_participant", participant_id=ids[leaver])
        present = [name for name in names if name != leaver]
        groups = wait_board(host, everyone_once(present))
        assert well_seated(present)(groups), groups
        in_, expected = map(int, re.findall(r"(\d+) of (\d+) ratings in", host.regions["stage"])[0])
        assert in_ <= expected == 3
        with live(client, code, "phone", cookies[partner]) as phone:
            stage = phone.until("stage", "rating-form")
            assert "Your rating is in" not in stage  # it was for the challenger who left


# Reading, the rubric, the checklist's ticks and the trio's rotation -------------------------------

ITEMS = [shown(item) for item in CASE.observer_checklist]


def test_the_console_suggests_minutes_for_each_step_and_starts_that_timer(
    client: TestClient,
) -> None:
    code, host_cookie, _ = open_room(client, ("Ada", "Grace"))
    with live(client, code, "host", host_cookie) as host:
        start(host)
        advance(host, "read")
        stage = host.until("stage", "Suggested: <strong>2 min</strong>")
        assert "Start a 2-minute timer" in stage
        assert "How this round is timed" in stage
        assert '<li aria-current="step">Read your card: 2 min</li>' in stage
        host.act("", type="timer_start", minutes=2)
        assert "2:00" in host.until("timer", "countdown") or "1:59" in host.regions["timer"]
        advance(host, "converse")
        assert "Start a 7-minute timer" in host.until("stage", "Suggested: <strong>7 min</strong>")


def test_every_rater_reads_the_rubric_and_ticks_what_they_saw(client: TestClient) -> None:
    names = ("Ada", "Grace")
    code, host_cookie, cookies = open_room(client, names)
    with live(client, code, "host", host_cookie) as host:
        start(host)
        (group,) = wait_board(host, everyone_once(names))
        advance(host, "rate")
        customer, challenger = group.named("Customer"), group.named("Challenger")
        with (
            live(client, code, "phone", cookies[customer]) as rater,
            live(client, code, "phone", cookies[challenger]) as own,
        ):
            form = rater.until("stage", "rating-form")
            assert "I saw them… (tick each one)" in form
            for habit in ("candid", "collaborative", "compassionate", "curious"):
                (anchors,) = [a for a in RUBRIC if a.habit == habit]
                for text in anchors.anchors.values():
                    assert shown(text) in form
            for number, item in enumerate(CASE.observer_checklist, start=1):
                assert f'name="ticks" value="{number}"' in form
                assert shown(item.split(") ", 1)[-1]) in form
            rate(rater, "rate", "Rating saved ✓", (4, 4, 4, 4), ticks=["1", "3"])
            form = rater.until("stage", "Update rating")
            assert 'value="1" checked' in form and 'value="3" checked' in form
            assert 'value="2" checked' not in form
            # A form with a single box ticked sends it as one value.
            rate(rater, "rate", "Rating saved ✓", (4, 4, 4, 4), ticks="2")
            form = rater.until("stage", 'value="2" checked')
            assert 'value="1" checked' not in form
            assert "What I did (tick each one)" in own.until("stage", "rating-form")
            rate(own, "rate", "Self-rating saved ✓", (5, 5, 5, 5), ticks=["2", "4"])
            advance(host, "debrief")
            stage = own.until("stage", "What your partners saw you do")
            assert "(1 of 1)" in stage and ITEMS[1].split(") ", 1)[-1] in stage
            assert ITEMS[3].split(") ", 1)[-1] not in stage.split("What your partners saw")[1]
        console = host.until("stage", "tick-summary")
        rows = dict(
            re.findall(
                r'<th scope="row">(?:<span class="item-habit">\w+:</span> )?([^<]+)</th>'
                r'<td class="tick-partners">(\d+ of \d+)',
                console,
            )
        )
        second = shown(CASE.observer_checklist[1].split(") ", 1)[-1])
        first = shown(CASE.observer_checklist[0].split(") ", 1)[-1])
        assert rows[second] == "1 of 1" and rows[first] == "0 of 1"
        assert "Questions for the room" in console
        assert shown(CASE.debrief[0]) in console

    # Every export carries the ticks: per rating and counted per item.
    def export(fmt: str) -> str:
        response = client.get(f"/host/{code}/export/{fmt}", headers={"cookie": host_cookie})
        assert response.status_code == 200
        return response.text

    (pairs_run,) = [
        e for e in json.loads(export("json"))["exercises"] if e["kind"] == "challenge_pairs"
    ]
    (round_one,) = pairs_run["rounds"]
    assert {r["rater_role"]: r["ticks"] for r in round_one["ratings"]} == {
        "customer": [CASE.observer_checklist[1]],
        "challenger": [CASE.observer_checklist[1], CASE.observer_checklist[3]],
    }
    assert [
        (c["partners"], c["partner_ratings"], c["own"], c["self_ratings"])
        for c in round_one["checklist"]
    ][:4] == [
        (0, 1, 0, 1),
        (1, 1, 1, 1),
        (0, 1, 0, 1),
        (0, 1, 1, 1),
    ]
    assert md_cell(CASE.observer_checklist[1]) + " | 1 of 1 | 1 of 1 |" in export("md")
    page = export("html")
    assert "<h4>What raters saw</h4>" in page
    assert (
        f'<td class="text">{shown(CASE.observer_checklist[1])}</td><td class="n">1 of 1</td>'
        in page
    )


def test_crafted_ticks_and_ratings_are_refused_with_clear_messages(client: TestClient) -> None:
    code, host_cookie, cookies = open_room(client, FIVE)
    with live(client, code, "host", host_cookie) as host, ExitStack() as stack:
        start(host)
        groups = wait_board(host, everyone_once(FIVE))
        pair = next(group for group in groups if len(group.seats) == 2)
        trio = next(group for group in groups if len(group.seats) == 3)
        advance(host, "rate")
        customer = stack.enter_context(live(client, code, "phone", cookies[pair.named("Customer")]))
        customer.until("stage", "rating-form")
        items = len(CASE.observer_checklist)
        for tick in (str(items + 1), "0", "made-up"):
            rate(customer, "rate", "is not on this case", (3, 3, 3, 3), ticks=[tick])
        rate(customer, "rate", "not understood", (3, 3, 3, 3), ticks=[{"id": 1}])
        rate(customer, "rate", "not understood", (3, 3, 3, 3), ticks=["1"] * 13)
        host.until("stage", "0 of 5 ratings in")
        advance(host, "rate_trio")
        rate(customer, "rate_trio", "Only a trio plays this turn", (3, 3, 3, 3))
        observer = stack.enter_context(live(client, code, "phone", cookies[trio.named("Customer")]))
        observer.until("stage", "rating-form")
        rate(observer, "rate_trio", "Rating saved ✓", (3, 3, 3, 3), ticks=["1"])
        assert "1 of 3 ratings in" in host.until("stage", "1 of 3 ratings in")


def test_in_a_trio_everyone_challenges_once_and_gets_feedback(client: TestClient) -> None:
    code, host_cookie, cookies = open_room(client, FIVE)
    with live(client, code, "host", host_cookie) as host, ExitStack() as stack:
        start(host)
        groups = wait_board(host, everyone_once(FIVE))
        trio = next(group for group in groups if len(group.seats) == 3)
        a, b, c = (trio.named(role) for role in ("Challenger", "Customer", "Observer"))
        plan = host.until("stage", "trio-plan")
        assert (
            shown(
                f"{trio.colour} {trio.number} challenges: {a} in the first talk, {b} after the "
                f"swap, {c} in the trio's turn."
            )
            in plan
        )
        phones = {
            name: stack.enter_context(live(client, code, "phone", cookies[name])) for name in FIVE
        }
        for phase in ("rate", "rate_swap", "rate_trio"):
            advance(host, phase)
            for name, phone in phones.items():
                stage = until_any(
                    phone, "stage", (f'value="r1.0:{phase}"', "played both its talks")
                )
                if "rating-form" in stage:
                    rate(phone, phase, "saved ✓", (4, 3, 4, 3), landed=f"{name} in {phase}.")
                else:
                    assert phase == "rate_trio" and name not in trio.seats
        stage = host.until("stage", "3 of 3 ratings in")
        (now,) = [group for group in board(stage) if group.number == trio.number]
        assert now.seats == {a: "Customer", b: "Observer", c: "Challenger"}
        for name in FIVE:
            if name not in trio.seats:
                assert re.search(
                    rf'{name}</span></span>\s*<span class="seat-role">Sitting this turn out', stage
                )
        advance(host, "debrief")
        for name, phone in phones.items():
            rows = feedback_rows(phone.until("stage", "Your feedback"))
            assert all(others != "-" for others, *_ in rows.values()), (name, rows)
        md = client.get(f"/host/{code}/export/md", headers={"cookie": host_cookie}).text
        assert "observer, then observer" not in md
        assert f" | {md_cell(a)} | challenger | observer | customer |" in md
        assert f" | {md_cell(b)} | customer | challenger | observer |" in md
        assert f" | {md_cell(c)} | observer | customer | challenger |" in md
        page = client.get(f"/host/{code}/export/html", headers={"cookie": host_cookie}).text
        assert '<th scope="col">Trio\'s turn</th>' in page
        assert (
            f'<td class="name">{c}</td><td>observer</td><td>customer</td><td>challenger</td>'
            in page
        )
        for name in FIVE:
            card = client.get(f"/r/{code}/card", headers={"cookie": cookies[name]}).text
            assert "Feedback from your partners" in card
            assert "No partner feedback this time." not in card, name
            assert "feedback-round" in card
