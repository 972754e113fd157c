"""Advocacy debates over the websocket: bad input, late joiners, leavers, votes once, replays and
what only the facilitator may do."""

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from itertools import pairwise

from markupsafe import escape
from starlette.testclient import TestClient

from tests.integration.helpers import Screen, action_id, create_room, join, live
from workshop.exercises import parse_exercise
from workshop.kinds.advocacy_debate import PHASES, AdvocacyDebate
from workshop.settings import DEFAULT_EXERCISES

EXERCISE = "advocacy-debate-customer-advocate"
_FILE = DEFAULT_EXERCISES / f"{EXERCISE}.yaml"
CONTENT, _ = parse_exercise(_FILE.read_text(encoding="utf-8"), _FILE.name)
assert isinstance(CONTENT, AdvocacyDebate)
TITLE = str(escape(CONTENT.title))
MOTION = str(escape(CONTENT.cases[0].motion))
STEPS = tuple(phase.name for phase in PHASES)
TITLES = {phase.name: phase.title for phase in PHASES}
FOUR = ("Ada", "Grace", "Linus", "Barbara")
FIVE = (*FOUR, "Alan")
LABELS = {"for": "For", "against": "Against"}

ONLY_HOST = "Only the facilitator can do that."
EMPTY = "Write something first."
TOO_LONG = "Posts can be at most 280 characters; this one has 500."
OWN_SIDE_REBUTTAL = str(
    escape("A rebuttal answers the other side's argument, not your own side's.")
)
OTHER_SIDE_UPVOTE = str(escape("You can upvote only your own side's posts."))
OWN_UPVOTE = str(escape("You can't upvote your own post."))
CHOOSE_TARGET = str(escape("Choose one of the other side's arguments to answer."))


def key(step: str) -> str:
    return f"r1.0:{step}"


# Reading the screens -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """One post in the console's moderation list."""

    id: str
    side: str
    kind: str
    text: str
    author: str
    score: int
    hidden: bool


_LISTED = re.compile(
    r'<li class="post ?(hidden)?"><span class="badge">(For|Against) · (argument|rebuttal)</span> '
    r'<span class="question-text" hx-disable>([^<]*)</span> '
    r'<small class="authors" hx-disable>by ([^<]*)</small> <span class="score">(\d+) ▲</span>'
    r'.*?name="post" value="([^"]+)"',
    re.S,
)
_TEAM = re.compile(
    r"<li><strong>(For|Against) · team \d+</strong>: <span hx-disable>([^<]*)</span>"
)
_VERDICT_ROW = re.compile(
    r'<tr class="verdict-(\w+)">.*?class="first-count">(\d+)<.*?class="final-count">(\d+)<'
    r'.*?class="shift">([^<]+)<',
    re.S,
)
_PRESSED = re.compile(r'aria-pressed="true">(\w+)</button>')


def listed(stage: str) -> list[Listed]:
    return [
        Listed(post_id, side.lower(), kind, text, author, int(score), bool(hidden))
        for hidden, side, kind, text, author, score, post_id in _LISTED.findall(stage)
    ]


def teams(stage: str) -> dict[str, list[str]]:
    """Side -> the names on it, from the console's team list."""
    sides: dict[str, list[str]] = {"for": [], "against": []}
    for side, names in _TEAM.findall(stage):
        sides[side.lower()] += names.split(", ")
    return {side: sorted(names) for side, names in sides.items()}


def verdict_rows(stage: str) -> dict[str, tuple[int, int, str]]:
    """Choice -> (first count, final count, shift) from a verdict table."""
    return {c: (int(a), int(b), shift) for c, a, b, shift in _VERDICT_ROW.findall(stage)}


def settle(screen: Screen, region: str, check: Callable[[str], bool], limit: int = 40) -> str:
    """Reads frames until `region` passes `check` (not just any frame on the way); returns it."""
    for _ in range(limit):
        html = screen.regions.get(region, "")
        if html and check(html):
            return html
        screen.receive()
    raise AssertionError(f"{region!r} never settled; last: {screen.regions.get(region)!r}")


def wait_posts(host: Screen, count: int) -> list[Listed]:
    return listed(settle(host, "stage", lambda html: len(listed(html)) == count))


def people_ids(host: Screen, *needed: str) -> dict[str, str]:
    """Name -> participant id, from the console's "Remove someone" list."""
    roster = settle(host, "roster", lambda html: all(f"Remove {n}<" in html for n in needed))
    pattern = r'name="participant_id" value="([^"]+)">\s*<button type="submit">Remove ([^<]+)<'
    return {name: pid for pid, name in re.findall(pattern, roster)}


# Driving the debate ------------------------------------------------------------------------------


def open_room(client: TestClient, names: Iterable[str]) -> tuple[str, str, dict[str, str]]:
    code, host_cookie = create_room(client)
    return code, host_cookie, {name: join(client, code, name) for name in names}


def start(host: Screen) -> None:
    host.act(f"Added “{TITLE}”", type="add_exercise", exercise_id=EXERCISE)
    host.act(f"Started “{TITLE}”", type="start_run", run_id="r1")
    assert MOTION in host.until("stage", f'value="{key("case")}"')


def advance(host: Screen, here: str, to: str) -> None:
    """Steps round 1 forward from `here` to `to`, checking each step's notice."""
    steps = STEPS[STEPS.index(here) : STEPS.index(to) + 1]
    for now, following in pairwise(steps):
        host.act(f"Now: round 1, {TITLES[following]}.", type="next_phase", seen_phase=key(now))
    host.until("stage", f'value="{key(to)}"')


def form_teams(host: Screen, people: int) -> dict[str, list[str]]:
    """From the case to the teams, which are drawn on the way in; returns them once listed."""
    advance(host, "case", "first_vote")
    larger, smaller = (people + 1) // 2, people // 2
    host.act(
        f"Now: round 1, Teams. Teams formed: {larger} for, {smaller} against.",
        type="next_phase",
        seen_phase=key("first_vote"),
    )
    stage = settle(host, "stage", lambda html: sum(map(len, teams(html).values())) == people)
    return teams(stage)


@contextmanager
def phones(
    client: TestClient, code: str, cookies: Mapping[str, str]
) -> Iterator[dict[str, Screen]]:
    with ExitStack() as stack:
        yield {
            name: stack.enter_context(live(client, code, "phone", cookie))
            for name, cookie in cookies.items()
        }


def post(phone: Screen, step: str, text: str, answers: str = "", expect: str = "") -> str:
    """Posts and returns the notice."""
    return phone.act(expect, type="post", seen_phase=key(step), text=text, answers=answers)


def upvote(phone: Screen, step: str, post_id: str, expect: str, on: bool = True) -> str:
    return phone.act(expect, type="upvote", seen_phase=key(step), post=post_id, on=str(on).lower())


def by_text(posts: Iterable[Listed], text: str) -> Listed:
    return next(p for p in posts if p.text == text)


def assert_seated(
    client: TestClient, code: str, cookie: str, side: str, teammates: Iterable[str]
) -> None:
    """The phone shows its side's badge and names its teammates."""
    with live(client, code, "phone", cookie) as phone:
        stage = phone.until("stage", "team-badge")
    assert f'<div class="team-badge side-{side}">{LABELS[side]} · team 1</div>' in stage
    assert f"You argue <strong>{side}</strong> the motion" in stage
    assert f"<strong>Motion:</strong> {MOTION}" in stage
    shown = re.search(r"the motion with <span hx-disable>([^<]*)</span>", stage)
    assert shown is not None and sorted(shown.group(1).split(", ")) == sorted(teammates)


# Tests -------------------------------------------------------------------------------------------


def test_bad_posts_and_upvotes_get_clear_messages_and_change_nothing(client: TestClient) -> None:
    code, host_cookie, cookies = open_room(client, FOUR)
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "screen", host_cookie) as screen,
        phones(client, code, cookies) as phone,
    ):
        start(host)
        sides = form_teams(host, len(FOUR))
        (f1, f2), (a1, a2) = sides["for"], sides["against"]
        advance(host, "teams", "arguments")
        post(phone[f1], "arguments", "For: nine years of loyalty", expect="Argument posted ✓")
        post(phone[a1], "arguments", "Against: the margin falls to 27%", expect="Argument posted ✓")
        before = wait_posts(host, 2)
        ours = by_text(before, "For: nine years of loyalty")
        theirs = by_text(before, "Against: the margin falls to 27%")

        # Arguments: each bad input is refused with a message that says why.
        assert EMPTY in post(phone[f2], "arguments", "  \n\t ")
        assert TOO_LONG in post(phone[f2], "arguments", "x" * 500)
        assert OWN_UPVOTE in upvote(phone[f1], "arguments", ours.id, "")
        assert OTHER_SIDE_UPVOTE in upvote(phone[f2], "arguments", theirs.id, "")
        assert OTHER_SIDE_UPVOTE in upvote(phone[a2], "arguments", ours.id, "")
        assert "Rebuttals come in the next phase." in post(
            phone[f2], "arguments", "Too soon", answers=theirs.id
        )
        assert "no longer there" in upvote(phone[f2], "arguments", "nobody.test-00000000", "")
        # Then one good upvote: once the console shows it, it shows whatever came before it too.
        upvote(phone[f2], "arguments", ours.id, "Upvoted ✓")
        after = listed(settle(host, "stage", lambda h: by_text(listed(h), ours.text).score == 1))
        assert [(p.id, p.text, p.score, p.hidden) for p in after] == [
            (ours.id, ours.text, 1, False),
            (theirs.id, theirs.text, 0, False),
        ]
        own_list = phone[f1].until("stage", "1 ▲")
        assert own_list.count('class="post-text"') == 1
        assert "xxxxx" not in own_list
        screen.until("stage", 'For</span> <span class="side-count">1 argument</span>')
        screen.until("stage", 'Against</span> <span class="side-count">1 argument</span>')

        # Rebuttals: one linked to your own side's argument, or to nothing, or empty, or too long.
        advance(host, "arguments", "rebuttals")
        phone[f2].until("stage", "Your rebuttal")
        assert OWN_SIDE_REBUTTAL in post(phone[f2], "rebuttals", "We agree", answers=ours.id)
        assert OWN_SIDE_REBUTTAL in post(phone[a2], "rebuttals", "We agree", answers=theirs.id)
        assert CHOOSE_TARGET in post(phone[f2], "rebuttals", "Answering nothing")
        assert CHOOSE_TARGET in post(
            phone[f2], "rebuttals", "Answering a ghost", answers="nobody.x"
        )
        assert EMPTY in post(phone[f2], "rebuttals", "   ", answers=theirs.id)
        assert TOO_LONG in post(phone[f2], "rebuttals", "y" * 500, answers=theirs.id)
        assert OTHER_SIDE_UPVOTE in upvote(phone[a1], "rebuttals", ours.id, "")
        post(
            phone[f2], "rebuttals", "Margin is not the whole account", theirs.id, "Rebuttal posted"
        )
        final = wait_posts(host, 3)
        rebuttal = by_text(final, "Margin is not the whole account")
        assert (rebuttal.kind, rebuttal.side, rebuttal.author) == ("rebuttal", "for", f2)
        assert [p for p in final if p.id != rebuttal.id] == after
        screen.until("stage", 'For</span> <span class="side-count">1 rebuttal</span>')
        screen.until("stage", 'Against</span> <span class="side-count">0 rebuttals</span>')
        thread = phone[f1].until("stage", "Margin is not the whole account")
        assert thread.count('<li class="post">') == 1  # the one rebuttal, in the thread
        assert "yyyyy" not in thread and "We agree" not in thread


def test_a_participant_who_joins_after_the_teams_are_drawn_goes_to_the_smaller_side(
    client: TestClient,
) -> None:
    code, host_cookie, _ = open_room(client, FIVE)
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "screen", host_cookie) as screen,
    ):
        start(host)
        drawn = form_teams(host, len(FIVE))
        assert sorted(map(len, drawn.values())) == [2, 3]
        smaller = min(drawn, key=lambda side: len(drawn[side]))
        late = join(client, code, "Margaret")
        stage = settle(host, "stage", lambda html: "Margaret" in html)
        now = teams(stage)
        assert now[smaller] == sorted([*drawn[smaller], "Margaret"])
        assert {side: names for side, names in now.items() if side != smaller} == {
            side: names for side, names in drawn.items() if side != smaller
        }
        projected = screen.until("stage", "Margaret")
        label = LABELS[smaller]
        assert re.search(rf'side-{smaller}"><h2>{label} · team 1</h2><p>[^<]*Margaret', projected)
        assert_seated(client, code, late, smaller, drawn[smaller])


def test_a_late_joiner_after_a_leaver_goes_to_the_side_the_leaver_made_smaller(
    client: TestClient,
) -> None:
    code, host_cookie, _ = open_room(client, (*FIVE, "Margaret"))
    with live(client, code, "host", host_cookie) as host:
        start(host)
        ids = people_ids(host, *FIVE, "Margaret")
        drawn = form_teams(host, 6)
        leaver = drawn["against"][0]
        host.act(f"Removed {leaver}.", type="remove_participant", participant_id=ids[leaver])
        stayed = settle(host, "stage", lambda html: leaver not in teams(html)["against"])
        assert [len(names) for names in teams(stayed).values()] == [3, 2]
        late = join(client, code, "Katherine")
        now = teams(settle(host, "stage", lambda html: "Katherine" in html))
        assert now == {"for": drawn["for"], "against": sorted([*drawn["against"][1:], "Katherine"])}
        assert_seated(client, code, late, "against", drawn["against"][1:])


def test_a_leaver_keeps_their_posts_but_drops_out_of_the_vote_counts(client: TestClient) -> None:
    first = {"Ada": "for", "Grace": "for", "Linus": "against", "Barbara": "undecided"}
    final = {"Grace": "against", "Linus": "against", "Barbara": "for"}
    leaver = "Ada"
    code, host_cookie, cookies = open_room(client, FOUR)
    with live(client, code, "host", host_cookie) as host:
        start(host)
        ids = people_ids(host, *FOUR)
        advance(host, "case", "first_vote")
        for name, choice in first.items():
            with live(client, code, "phone", cookies[name]) as phone:
                phone.until("stage", "Your first vote")
                phone.act("Vote saved", type="vote", seen_phase=key("first_vote"), option=choice)
        host.until("stage", "4 of 4 voted")
        advance(host, "first_vote", "arguments")
        side = next(s for s, names in teams(host.regions["stage"]).items() if leaver in names)
        with live(client, code, "phone", cookies[leaver]) as phone:
            phone.until("stage", "Your argument")
            post(phone, "arguments", "Said before leaving", expect="Argument posted ✓")
        (kept,) = wait_posts(host, 1)

        host.act(f"Removed {leaver}.", type="remove_participant", participant_id=ids[leaver])
        stage = settle(host, "stage", lambda html: leaver not in teams(html)[side])
        assert sorted(n for names in teams(stage).values() for n in names) == sorted(final)
        assert listed(stage) == [kept]  # still in the record, still credited
        assert (kept.author, kept.side, kept.hidden) == (leaver, side, False)

        advance(host, "arguments", "rebuttals")
        other = next(name for name in final if name not in teams(host.regions["stage"])[side])
        with live(client, code, "phone", cookies[other]) as phone:
            assert "They argue:</strong> Said before leaving" in phone.until("stage", "They argue")
        advance(host, "rebuttals", "final_vote")
        host.until("stage", "0 of 3 voted")
        for name, choice in final.items():
            with live(client, code, "phone", cookies[name]) as phone:
                phone.until("stage", "Your final vote")
                phone.act("Vote saved", type="vote", seen_phase=key("final_vote"), option=choice)
        host.until("stage", "3 of 3 voted")
        advance(host, "final_vote", "verdict")
        verdict = host.until("stage", "verdict-table")
        # Ada's first vote (for) no longer counts: first 1/1/1 among the three who stayed.
        assert verdict_rows(verdict) == {
            "for": (1, 1, "+0 pts"),
            "against": (1, 2, "+33 pts"),
            "undecided": (1, 0, "-33 pts"),
        }
        assert "Shift counted over the <strong>3</strong> people" in verdict
        assert re.search(r'<h\d class="winner">Against wins', verdict)
        assert listed(verdict) == [kept]


def test_a_changed_vote_counts_once_and_a_replayed_frame_is_already_saved(
    client: TestClient,
) -> None:
    code, host_cookie, cookies = open_room(client, ("Ada", "Grace"))
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "screen", host_cookie) as screen,
        phones(client, code, cookies) as phone,
    ):
        start(host)
        advance(host, "case", "first_vote")
        ada, grace = phone["Ada"], phone["Grace"]
        ada.until("stage", "Your first vote")
        first_id = action_id()
        vote = {"type": "vote", "seen_phase": key("first_vote")}
        ada.act("Vote saved ✓", **vote, option="for", action_id=first_id)
        ada.act("Vote saved ✓", **vote, option="against")
        # The first frame again, as a phone that lost its link would resend it: nothing changes.
        ada.act("Already saved ✓", **vote, option="for", action_id=first_id)
        assert _PRESSED.findall(ada.until("stage", 'aria-pressed="true">Against<')) == ["Against"]
        grace.act("Vote saved ✓", **vote, option="for")
        screen.until("stage", "<strong>2</strong> of 2 voted")
        host.until("stage", "2 of 2 voted")

        advance(host, "first_vote", "arguments")
        ada.until("stage", "Your argument")
        post_id = action_id()
        payload = {"type": "post", "seen_phase": key("arguments"), "text": "Only once"}
        ada.act("Argument posted ✓", **payload, action_id=post_id)
        ada.act("Already saved ✓", **payload, action_id=post_id)
        assert [p.text for p in wait_posts(host, 1)] == ["Only once"]

        advance(host, "arguments", "final_vote")
        # A replay answers "Already saved" even after its phase has closed, and is not a new vote.
        ada.act("Already saved ✓", **vote, option="for", action_id=first_id)
        final = {"type": "vote", "seen_phase": key("final_vote")}
        ada.act("Vote saved ✓", **final, option="against")
        grace.act("Vote saved ✓", **final, option="for")
        host.until("stage", "2 of 2 voted")
        advance(host, "final_vote", "verdict")
        verdict = host.until("stage", "verdict-table")
        assert verdict_rows(verdict) == {
            "for": (1, 1, "+0 pts"),
            "against": (1, 1, "+0 pts"),
            "undecided": (0, 0, "+0 pts"),
        }
        assert "Shift counted over the <strong>2</strong> people" in verdict
        assert "No side moved the room more than the other" in verdict
        assert listed(verdict) == wait_posts(host, 1)


def test_participants_cannot_hide_posts_or_rebalance_teams(client: TestClient) -> None:
    code, host_cookie, cookies = open_room(client, FOUR)
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "screen", host_cookie) as screen,
        phones(client, code, cookies) as phone,
    ):
        start(host)
        drawn = form_teams(host, len(FOUR))
        (f1, f2), (a1, _) = drawn["for"], drawn["against"]
        advance(host, "teams", "arguments")
        post(phone[a1], "arguments", "Not mine to hide", expect="Argument posted ✓")
        (target,) = wait_posts(host, 1)

        for name in (f1, a1):
            hide = {"type": "hide_post", "seen_phase": key("arguments"), "post": target.id}
            assert ONLY_HOST in phone[name].act("", **hide, hidden="true")
            balance = {"type": "balance_teams", "seen_phase": key("arguments")}
            assert ONLY_HOST in phone[name].act("", **balance)
        assert "read-only" in screen.act("", type="balance_teams", seen_phase=key("arguments"))
        assert "for participants" in host.act(
            "", type="post", seen_phase=key("arguments"), text="The host has no side"
        )
        # A good post afterwards: once the console lists it, nothing before it was hidden or moved.
        post(phone[f2], "arguments", "For: a fair hearing", expect="Argument posted ✓")
        stage = settle(host, "stage", lambda html: len(listed(html)) == 2)
        assert [(p.text, p.hidden) for p in listed(stage)] == [
            ("Not mine to hide", False),
            ("For: a fair hearing", False),
        ]
        assert teams(stage) == drawn
        assert "Not mine to hide" in phone[a1].until("stage", "Not mine to hide")


# Regressions for bugs found while these tests were written. ---------------------------------------


def test_someone_who_joins_while_the_facilitator_steps_back_is_seated_on_return(
    client: TestClient,
) -> None:
    code, host_cookie, _ = open_room(client, FOUR)
    with live(client, code, "host", host_cookie) as host:
        start(host)
        form_teams(host, len(FOUR))
        host.act("Now: round 1, First vote.", type="previous_phase", seen_phase=key("teams"))
        late = join(client, code, "Alan")
        host.act("Now: round 1, Teams.", type="next_phase", seen_phase=key("first_vote"))
        with live(client, code, "phone", late) as phone:
            stage = phone.until("stage", "</main>")
            assert "team-badge" in stage, "the newcomer is still waiting for a team"


def test_a_hidden_argument_never_reaches_the_projector_through_a_rebuttal(
    client: TestClient,
) -> None:
    code, host_cookie, cookies = open_room(client, ("Ada", "Grace"))
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "screen", host_cookie) as screen,
        phones(client, code, cookies) as phone,
    ):
        start(host)
        drawn = form_teams(host, 2)
        (f1,), (a1,) = drawn["for"], drawn["against"]
        advance(host, "teams", "arguments")
        post(phone[f1], "arguments", "Offensive remark", expect="Argument posted ✓")
        (argument,) = wait_posts(host, 1)
        advance(host, "arguments", "rebuttals")
        post(phone[a1], "rebuttals", "A fair answer", argument.id, "Rebuttal posted ✓")
        host.act("Post hidden.", type="hide_post", seen_phase=key("rebuttals"), post=argument.id)
        advance(host, "rebuttals", "verdict")
        verdict = screen.until("stage", "shift-picture")
        assert "Offensive remark" not in verdict
