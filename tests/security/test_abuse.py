"""Crafted websocket frames that try to bend an exercise's rules: rating one's pair twice or someone
else's challenger, posting for the other side, upvoting what one may not, and dots where they may
not go.

Each is a frame a browser could send: the JSON the htmx extension sends, edited by hand (a field
added, an id taken from another page, a phase left blank so no stale check applies). A refusal
must reach the sender as a clear message and change nothing in the store; a frame that is
accepted must count once, checked in the store and on the screens that count. The rules are
checked here, not the templates: a rule that only a template enforced would fail these tests.
(What the live tests of each exercise already cover is not repeated: a rebuttal of one's own side,
an upvote on one's own post or across sides, an unknown post id, a dot on one's own question or
beyond the budget, a second dot without stacking.)
"""

import json
import re
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import yaml
from markupsafe import escape
from starlette.testclient import TestClient

from tests.integration import test_advocacy_debate_live as debate_live
from tests.integration import test_best_question_live as question_live
from tests.integration import test_challenge_pairs_live as pairs_live
from tests.integration.helpers import Screen, create_room, join, live
from tests.security.workshop_run import load_room
from workshop.app import create_app
from workshop.kinds import advocacy_debate, best_question, challenge_pairs
from workshop.models import RoomState, run_hash
from workshop.settings import DEFAULT_EXERCISES, Settings

ROUND_ONE = run_hash("r1", "0:")
"""The prefix of the first run's first-round hashes (the only run and round played here)."""
PAIR_NAMES = challenge_pairs.Names.of(ROUND_ONE)
DEBATE_NAMES = advocacy_debate.Names.of(ROUND_ONE)
BOARD_NAMES = best_question.Names.of(ROUND_ONE)

MOVED_ON = "The exercise has moved on; your screen is now up to date."
NOT_UNDERSTOOD = "That request was not understood."


# The store and the refusals ------------------------------------------------------------------------


def stored(client: TestClient, code: str) -> RoomState:
    state = load_room(client, code)
    assert state is not None, f"room {code} is gone"
    return state


def ids_of(client: TestClient, code: str) -> dict[str, str]:
    """Name -> participant id."""
    return {p.name: p.id for p in stored(client, code).participants.values()}


def fingerprint(client: TestClient, code: str) -> object:
    state = stored(client, code)
    return (state.meta, state.rev, state.participants, state.run_data)


def refused(client: TestClient, code: str, screen: Screen, message: str, **frame: Any) -> None:
    """Sends a frame that must be refused with `message`, shown as an error, changing nothing."""
    before = fingerprint(client, code)
    notice = screen.act(str(escape(message)), **frame)
    assert 'class="notice error"' in notice, notice
    assert fingerprint(client, code) == before, f"{frame} changed the room"


def exercise_client(tmp_path: Path, exercise: str, **changes: Any) -> Iterator[TestClient]:
    """The app with a library of one exercise, changed from the shipped one."""
    content = yaml.safe_load((DEFAULT_EXERCISES / f"{exercise}.yaml").read_text(encoding="utf-8"))
    content.update(changes)
    (tmp_path / f"{exercise}.yaml").write_text(yaml.safe_dump(content), encoding="utf-8")
    settings = Settings(secret_key="k", coalesce_seconds=0.0, exercises_dir=tmp_path)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


# Respectful-challenge pairs: ratings ---------------------------------------------------------------


def ratings_of(client: TestClient, code: str) -> dict[tuple[int, str], challenge_pairs.Rating]:
    return challenge_pairs.decode_ratings(stored(client, code).data(PAIR_NAMES.ratings))


def pairs_of(client: TestClient, code: str) -> dict[str, challenge_pairs.Pair]:
    return challenge_pairs.decode_pairs(stored(client, code).data(PAIR_NAMES.pairs))


def scores(n: int) -> dict[str, int]:
    return dict.fromkeys(challenge_pairs.HABITS, n)


def rating_frame(seen_phase: str, n: int, **extra: Any) -> dict[str, Any]:
    return {"type": "rate", "seen_phase": seen_phase, **scores(n), **extra}


def test_a_crafted_rating_rates_only_ones_own_challenger_and_counts_once_a_half(
    client: TestClient,
) -> None:
    names = ("Ada", "Grace", "Linus", "Barbara")
    code, host_cookie, cookies = pairs_live.open_room(client, names)
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "screen", host_cookie) as screen,
        ExitStack() as stack,
    ):
        pairs_live.start(host)
        one, two = sorted(
            pairs_live.wait_board(host, pairs_live.everyone_once(names)), key=lambda g: g.number
        )
        ids = ids_of(client, code)
        # Half 1: x1 and x2 challenge, c1 and c2 are their customers; after the swap, the reverse.
        x1, c1 = one.named("Challenger"), one.named("Customer")
        x2, c2 = two.named("Challenger"), two.named("Customer")
        phone = {n: stack.enter_context(live(client, code, "phone", cookies[n])) for n in names}

        # No rating while the pairs talk, whatever step the frame claims to come from.
        pairs_live.advance(host, "converse")
        for seen in ("", "r1.0:rate", "r1.0:converse"):
            expected = MOVED_ON if seen == "r1.0:rate" else "Ratings are collected after each"
            refused(client, code, phone[c1], expected, **rating_frame(seen, 3))

        pairs_live.advance(host, "rate")
        # Aimed at the other pair's challenger, for the other half, in another role, as someone
        # else: the server takes none of it from the frame.
        crafted = {
            "target": ids[x2],
            "half": 2,
            "rater": ids[c2],
            "rater_role": "observer",
            "participant_id": ids[c2],
            "pair": two.number,
        }
        phone[c1].act("Rating saved ✓", **rating_frame("r1.0:rate", 1, **crafted))
        assert ratings_of(client, code) == {
            (1, ids[c1]): challenge_pairs.Rating(
                target=ids[x1], rater_role="customer", scores=scores(1)
            )
        }
        # Rated again, through another action and with no phase at all: it replaces the first.
        phone[c1].act("Rating saved ✓", **rating_frame("", 2, landed="Second thoughts."))
        phone[x1].act("Self-rating saved ✓", **rating_frame("r1.0:rate", 5, target=ids[c1]))
        phone[c2].act("Rating saved ✓", **rating_frame("r1.0:rate", 3, target=ids[x1]))
        phone[x2].act("Self-rating saved ✓", **rating_frame("r1.0:rate", 4))
        host.until("stage", "4 of 4 ratings in")

        # The swapped conversation takes no rating, and a rating for the first half is closed.
        pairs_live.advance(host, "swap")
        refused(client, code, phone[c1], "Ratings are collected after each", **rating_frame("", 1))
        refused(client, code, phone[c1], MOVED_ON, **rating_frame("r1.0:rate", 1))

        pairs_live.advance(host, "rate_swap")
        refused(client, code, phone[x1], MOVED_ON, **rating_frame("r1.0:rate", 1))
        # c1 now challenges: a rating of x1 for the first half comes out as c1's own for the
        # second, the only one c1 can give now.
        phone[c1].act("Self-rating saved ✓", **rating_frame("", 3, target=ids[x1], half=1))
        phone[x1].act("Rating saved ✓", **rating_frame("r1.0:rate_swap", 1, landed="First go."))
        phone[x1].act("Rating saved ✓", **rating_frame("r1.0:rate_swap", 4, landed="Better."))
        phone[x2].act("Rating saved ✓", **rating_frame("r1.0:rate_swap", 5, target=ids[x1]))
        phone[c2].act("Self-rating saved ✓", **rating_frame("r1.0:rate_swap", 2))

        pairs_live.advance(host, "debrief")
        refused(client, code, phone[c2], "Ratings are collected after each", **rating_frame("", 1))

        # One rating per rater and half, each of the rater's own challenger in that half.
        ratings = ratings_of(client, code)
        pairs = pairs_of(client, code)
        assert sorted(ratings) == sorted((h, ids[n]) for h in (1, 2) for n in names)
        halves: tuple[challenge_pairs.Half, ...] = (1, 2)
        for half in halves:
            for rater in ids.values():
                rating = ratings[(half, rater)]
                seat = challenge_pairs.seat_of(pairs, rater)
                assert seat is not None and rating.target == seat.challenger(half)
                assert rating.rater_role == seat.role_of(rater, half)
        assert {(h, r): g.scores["candid"] for (h, r), g in ratings.items()} == {
            (1, ids[c1]): 2,
            (1, ids[x1]): 5,
            (1, ids[c2]): 3,
            (1, ids[x2]): 4,
            (2, ids[x1]): 4,
            (2, ids[c1]): 3,
            (2, ids[x2]): 5,
            (2, ids[c2]): 2,
        }

        # The projector's summary counts the last rating of each: partner scores 2, 3, 4 and 5.
        summary = pairs_live.summary_rows(screen.until("stage", "habit-summary"))
        assert summary == dict.fromkeys(
            ("Candid", "Collaborative", "Compassionate", "Curious"),
            ([0, 1, 1, 1, 1], "3.5", "3.5", "+0.0"),
        )
        # x1 hears once from c1 (half 1) and rated themself 5.
        feedback = pairs_live.feedback_rows(phone[x1].until("stage", "Your feedback"))
        assert feedback["Candid"] == ("2", 2.0, 5.0, 3.0)
        assert "Second thoughts." in phone[x1].regions["stage"]
        assert "Better." in phone[c1].until("stage", "Your feedback")
        assert "First go." not in phone[c1].regions["stage"]

    # The session summary counts the same eight ratings.
    exported = json.loads(
        client.get(f"/host/{code}/export/json", headers={"cookie": host_cookie}).text
    )
    (pairs_run,) = [run for run in exported["exercises"] if run["kind"] == "challenge_pairs"]
    (round_one,) = pairs_run["rounds"]
    assert len(round_one["ratings"]) == 8
    assert [row["distribution"] for row in round_one["habits"]] == [[0, 1, 1, 1, 1]] * 4


# Advocacy debates: posts ---------------------------------------------------------------------------


def debate_of(client: TestClient, code: str) -> advocacy_debate.Debate:
    return advocacy_debate.Debate.decode(stored(client, code).run_data, DEBATE_NAMES)


def posted_by(debate: advocacy_debate.Debate, author: str, text: str) -> str:
    (found,) = [
        p for p, post in debate.posts.items() if post.author == author and post.text == text
    ]
    return found


def post_frame(seen_phase: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "post", "seen_phase": seen_phase, "text": text, **extra}


def upvote_frame(seen_phase: str, post: str, on: bool = True, **extra: Any) -> dict[str, Any]:
    return {"type": "upvote", "seen_phase": seen_phase, "post": post, "on": on, **extra}


ARGUMENTS, REBUTTALS = debate_live.key("arguments"), debate_live.key("rebuttals")


def test_a_crafted_post_lands_on_the_authors_side_and_team_in_the_step_that_takes_it(
    client: TestClient,
) -> None:
    code, host_cookie, cookies = debate_live.open_room(client, debate_live.FOUR)
    with (
        live(client, code, "host", host_cookie) as host,
        debate_live.phones(client, code, cookies) as phone,
    ):
        debate_live.start(host)
        sides = debate_live.form_teams(host, len(debate_live.FOUR))
        (f1, f2), (a1, a2) = sides["for"], sides["against"]
        ids = ids_of(client, code)
        teams = debate_of(client, code).teams
        # Whatever a frame says about where it goes, a post goes where its author sits.
        elsewhere = {
            "side": "against",
            "team": teams[ids[a1]],
            "kind": "rebuttal",
            "author": ids[a1],
            "participant_id": ids[a1],
            "post_id": "stolen",
        }

        # Teams are formed, but posting has not opened yet.
        for seen in ("", debate_live.key("teams"), ARGUMENTS):
            expected = MOVED_ON if seen == ARGUMENTS else "Posting is closed right now."
            refused(client, code, phone[f1], expected, **post_frame(seen, "Early", **elsewhere))

        debate_live.advance(host, "teams", "arguments")
        phone[f1].act("Argument posted ✓", **post_frame(ARGUMENTS, "For: loyalty", **elsewhere))
        debate = debate_of(client, code)
        (ours,) = debate.posts
        assert ours.startswith(f"{ids[f1]}.")
        assert debate.posts[ours].model_dump(exclude={"at"}) == {
            "author": ids[f1],
            "side": "for",
            "team": teams[ids[f1]],
            "kind": "argument",
            "text": "For: loyalty",
            "answers": "",
        }
        # The against side writes six arguments: the sixth, with no upvote, is not in its top 5.
        for n in range(1, 7):
            phone[a1 if n % 2 else a2].act(
                "Argument posted ✓", **post_frame(ARGUMENTS, f"Against: point {n}")
            )
        debate = debate_of(client, code)
        theirs = [
            posted_by(debate, ids[a1 if n % 2 else a2], f"Against: point {n}") for n in (1, 6)
        ]
        phone[f2].act("Upvoted ✓", **upvote_frame(ARGUMENTS, ours))
        phone[a2].act("Upvoted ✓", **upvote_frame(ARGUMENTS, theirs[0]))

        debate_live.advance(host, "arguments", "rebuttals")
        # An argument sent after the step closed is stale; with no phase, it is not a rebuttal.
        refused(client, code, phone[f2], MOVED_ON, **post_frame(ARGUMENTS, "Late argument"))
        refused(
            client,
            code,
            phone[f2],
            "Choose one of the other side's arguments to answer.",
            **post_frame("", "Late argument", **elsewhere),
        )
        # A rebuttal of an argument outside the top 5 the phones offer to answer.
        top = debate_of(client, code).top_arguments("against")
        assert theirs[0] in top and theirs[1] not in top
        refused(
            client,
            code,
            phone[f2],
            "Choose one of the other side's top arguments to answer.",
            **post_frame(REBUTTALS, "Answering the sixth", answers=theirs[1]),
        )
        phone[f2].act(
            "Rebuttal posted ✓",
            **post_frame(REBUTTALS, "Margin is not all", **{**elsewhere, "answers": theirs[0]}),
        )
        debate = debate_of(client, code)
        rebuttal = posted_by(debate, ids[f2], "Margin is not all")
        assert debate.posts[rebuttal].model_dump(exclude={"at"}) == {
            "author": ids[f2],
            "side": "for",
            "team": teams[ids[f2]],
            "kind": "rebuttal",
            "text": "Margin is not all",
            "answers": theirs[0],
        }

        # Posting closes with the rebuttals, whatever phase the frame names.
        debate_live.advance(host, "rebuttals", "final_vote")
        for seen in ("", debate_live.key("final_vote")):
            refused(
                client, code, phone[a2], "Posting is closed right now.", **post_frame(seen, "Late")
            )
        debate_live.advance(host, "final_vote", "verdict")
        refused(client, code, phone[a2], "Posting is closed right now.", **post_frame("", "Late"))
        assert len(debate_of(client, code).posts) == 8


@pytest.fixture
def choosing_client(tmp_path: Path) -> Iterator[TestClient]:
    """The debate with sides chosen by hand: nobody has a side until they choose one."""
    yield from exercise_client(tmp_path, debate_live.EXERCISE, choose_sides=True)


def test_someone_with_no_side_cannot_post_or_upvote_and_cannot_pick_undecided(
    choosing_client: TestClient,
) -> None:
    client = choosing_client
    names = ("Ada", "Grace", "Linus", "Barbara")
    code, host_cookie, cookies = debate_live.open_room(client, names)
    with (
        live(client, code, "host", host_cookie) as host,
        debate_live.phones(client, code, cookies) as phone,
    ):
        debate_live.start(host)
        debate_live.advance(host, "case", "first_vote")
        phone["Linus"].act("Vote saved ✓", type="vote", seen_phase="", option="undecided")
        debate_live.advance(host, "first_vote", "teams")
        teams = debate_live.key("teams")
        phone["Ada"].act(
            "You are on the for side ✓", type="choose_side", seen_phase=teams, side="for"
        )
        ids = ids_of(client, code)
        assert debate_of(client, code).teams == {ids["Ada"]: "for-1"}
        # Undecided is a vote, not a side; neither is a team's name.
        for side in ("undecided", "for-1", ""):
            refused(
                client,
                code,
                phone["Linus"],
                NOT_UNDERSTOOD,
                type="choose_side",
                seen_phase=teams,
                side=side,
            )
        # Nobody without a side posts, and no upvote is open yet.
        for seen in ("", teams):
            refused(
                client,
                code,
                phone["Linus"],
                "You are not on a team yet.",
                **post_frame(seen, "For, surely", side="for", team="for-1"),
            )
            refused(client, code, phone["Ada"], "Posting is closed", **post_frame(seen, "Early"))
            refused(
                client,
                code,
                phone["Linus"],
                "Upvoting is closed right now.",
                **upvote_frame(seen, f"{ids['Ada']}.x"),
            )

        # Leaving the teams step seats everyone who has not chosen, the undecided voter too.
        host.act("Teams formed: 2 for, 2 against.", type="next_phase", seen_phase=teams)
        seated = debate_of(client, code).teams
        assert sorted(seated) == sorted(ids.values())
        assert seated[ids["Ada"]] == "for-1"
        phone["Linus"].act("Argument posted ✓", **post_frame(ARGUMENTS, "Undecided no more"))
        debate = debate_of(client, code)
        post = debate.posts[posted_by(debate, ids["Linus"], "Undecided no more")]
        assert (post.side, post.team) == (
            advocacy_debate.side_of_team(seated[ids["Linus"]]),
            seated[ids["Linus"]],
        )


# Advocacy debates: upvotes -------------------------------------------------------------------------


def upvote_keys(client: TestClient, code: str) -> set[str]:
    return set(stored(client, code).data(DEBATE_NAMES.upvotes))


def test_upvotes_count_once_and_only_on_what_the_step_puts_on_ones_phone(
    client: TestClient,
) -> None:
    names = ("Ada", "Grace", "Linus", "Barbara", "Alan", "Edsger")
    code, host_cookie, cookies = debate_live.open_room(client, names)
    with (
        live(client, code, "host", host_cookie) as host,
        debate_live.phones(client, code, cookies) as phone,
    ):
        debate_live.start(host)
        sides = debate_live.form_teams(host, len(names))
        (f1, f2, f3), (a1, a2, a3) = sides["for"], sides["against"]
        ids = ids_of(client, code)
        debate_live.advance(host, "teams", "arguments")
        for who, text in ((f1, "For one"), (f2, "For two"), (a1, "Against one")):
            phone[who].act("Argument posted ✓", **post_frame(ARGUMENTS, text))
        debate = debate_of(client, code)
        for_one, for_two, against_one = (
            posted_by(debate, ids[who], text)
            for who, text in ((f1, "For one"), (f2, "For two"), (a1, "Against one"))
        )

        # The same upvote three times, through three actions: it counts once.
        for _ in range(3):
            phone[f2].act("Upvoted ✓", **upvote_frame(ARGUMENTS, for_one))
        assert upvote_keys(client, code) == {f"{ids[f2]}|{for_one}"}
        # An upvote sent in someone else's name is the sender's own.
        phone[f3].act("Upvoted ✓", **upvote_frame(ARGUMENTS, for_one, voter=ids[f2]))
        assert upvote_keys(client, code) == {f"{ids[f2]}|{for_one}", f"{ids[f3]}|{for_one}"}

        # A hidden post takes no upvote, and none can be taken back from it.
        phone[f1].act("Upvoted ✓", **upvote_frame(ARGUMENTS, for_two))
        host.act("Post hidden.", type="hide_post", seen_phase=ARGUMENTS, post=for_two)
        refused(
            client,
            code,
            phone[f3],
            "That post is no longer there.",
            **upvote_frame(ARGUMENTS, for_two),
        )
        refused(
            client,
            code,
            phone[f1],
            "That post is no longer there.",
            **upvote_frame(ARGUMENTS, for_two, on=False),
        )

        debate_live.advance(host, "arguments", "rebuttals")
        phone[f1].act(
            "Rebuttal posted ✓", **post_frame(REBUTTALS, "Rebut one", answers=against_one)
        )
        phone[a1].act("Rebuttal posted ✓", **post_frame(REBUTTALS, "Rebut for", answers=for_one))
        debate = debate_of(client, code)
        for_rebuttal = posted_by(debate, ids[f1], "Rebut one")
        against_rebuttal = posted_by(debate, ids[a1], "Rebut for")

        # The arguments' scores are settled: they decide which arguments the other side answers,
        # and the phones offer upvotes only on rebuttals now.
        closed = "Upvotes for arguments closed with the arguments step."
        refused(client, code, phone[a2], closed, **upvote_frame(REBUTTALS, against_one))
        refused(client, code, phone[f2], closed, **upvote_frame(REBUTTALS, for_one, on=False))
        refused(client, code, phone[a3], closed, **upvote_frame("", against_one))
        # A rebuttal: once on one's own side, never on the other.
        for _ in range(2):
            phone[f2].act("Upvoted ✓", **upvote_frame(REBUTTALS, for_rebuttal))
        refused(
            client,
            code,
            phone[a2],
            "You can upvote only your own side's posts.",
            **upvote_frame(REBUTTALS, for_rebuttal),
        )
        # Once the argument it answers is hidden, a rebuttal is on nobody's phone.
        host.act("Post hidden.", type="hide_post", seen_phase=REBUTTALS, post=for_one)
        refused(
            client,
            code,
            phone[a2],
            "That post is no longer there.",
            **upvote_frame(REBUTTALS, against_rebuttal),
        )

        assert upvote_keys(client, code) == {
            f"{ids[f2]}|{for_one}",
            f"{ids[f3]}|{for_one}",
            f"{ids[f1]}|{for_two}",
            f"{ids[f2]}|{for_rebuttal}",
        }
        # The console counts what the store holds (once it has caught up with the last hiding).
        expected = {
            "For one": (2, True),
            "For two": (1, True),
            "Against one": (0, False),
            "Rebut one": (1, False),
            "Rebut for": (0, False),
        }
        debate_live.settle(
            host,
            "stage",
            lambda html: (
                {p.text: (p.score, p.hidden) for p in debate_live.listed(html)} == expected
            ),
        )


# Best-question rounds: dots ------------------------------------------------------------------------


def board_of(client: TestClient, code: str) -> best_question.Board:
    return best_question.Board.decode(stored(client, code).run_data, BOARD_NAMES)


def dot_frame(question: str, seen_phase: str = "r1.0:vote", **extra: Any) -> dict[str, Any]:
    return {"type": "place_dot", "seen_phase": seen_phase, "question": question, **extra}


def test_no_dot_lands_on_a_hidden_question_or_twice_through_a_merged_one(
    client: TestClient,
) -> None:
    names = ("Ada", "Grace", "Linus", "Barbara", "Alan")
    code, host_cookie = create_room(client)
    cookies = {name: join(client, code, name) for name in names}
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "screen", host_cookie) as screen,
    ):
        question_live.start(host)
        writers = ("Ada", "Grace", "Linus", "Barbara")
        question_live.write_questions(client, code, [cookies[n] for n in writers])
        ids = ids_of(client, code)
        ada, grace, linus, barbara = (best_question.question_id(ids[n], 1) for n in writers)
        host.act("dots went back", type="hide_question", seen_phase="r1.0:write", question=ada)
        host.act(
            "merged", type="merge_questions", seen_phase="r1.0:write", question=grace, into=linus
        )
        host.act("Now: round 1, Vote", type="next_phase", seen_phase="r1.0:write")
        with ExitStack() as stack:
            phone = {n: stack.enter_context(live(client, code, "phone", cookies[n])) for n in names}
            offered = question_live.question_ids(phone["Alan"].until("stage", "of 3 dots left"))
            assert sorted(offered) == sorted([linus, barbara])

            # The hidden question's id still works as a frame; it takes no dot.
            for seen in ("r1.0:vote", ""):
                refused(
                    client,
                    code,
                    phone["Alan"],
                    "That question is no longer on the board.",
                    **dot_frame(ada, seen),
                )
            refused(
                client,
                code,
                phone["Alan"],
                "You have no dot on that question.",
                type="remove_dot",
                seen_phase="r1.0:vote",
                question=ada,
            )
            # A merged question's id takes no dot (the phones offer only the question it went
            # into), so nobody gets a second dot on a question through its other id.
            phone["Alan"].act("Dot placed ✓ (2 left)", **dot_frame(linus))
            for voter in ("Alan", "Barbara"):
                refused(
                    client,
                    code,
                    phone[voter],
                    "That question is no longer on the board.",
                    **dot_frame(grace, voter=ids["Ada"]),
                )
            refused(
                client,
                code,
                phone["Alan"],
                "You already put a dot on this question.",
                **dot_frame(linus, voter=ids["Barbara"]),
            )
            phone["Barbara"].act("Dot placed ✓ (2 left)", **dot_frame(linus))
            # Both authors of the merged question are its authors: Grace's question went into it.
            for author in ("Grace", "Linus"):
                refused(
                    client,
                    code,
                    phone[author],
                    "You can't vote for your own question.",
                    **dot_frame(linus),
                )
            # The hidden question's author cannot use it either.
            refused(
                client,
                code,
                phone["Ada"],
                "That question is no longer on the board.",
                **dot_frame(ada),
            )
            phone["Ada"].act("Dot placed ✓ (2 left)", **dot_frame(barbara))

        board = board_of(client, code)
        assert board.dots == {
            ids["Alan"]: {linus: 1},
            ids["Barbara"]: {linus: 1},
            ids["Ada"]: {barbara: 1},
        }
        assert board.counts() == {linus: 2, barbara: 1}
        host.act("Now: round 1, Reveal", type="next_phase", seen_phase="r1.0:vote")
        ranked = screen.until("stage", "ranked-list")
        assert re.findall(r'class="dot-count">(\d+)<', ranked) == ["2", "1"]


@pytest.fixture
def stacking_client(tmp_path: Path) -> Iterator[TestClient]:
    """The best-question exercise with stacking allowed (three dots, as shipped)."""
    yield from exercise_client(tmp_path, question_live.EXERCISE, stacking=True)


def test_stacked_dots_stay_within_the_budget_and_off_ones_own_question(
    stacking_client: TestClient,
) -> None:
    client = stacking_client
    code, host_cookie = create_room(client)
    cookies = {name: join(client, code, name) for name in ("Ada", "Grace", "Alan")}
    with live(client, code, "host", host_cookie) as host:
        question_live.start(host)
        question_live.write_questions(client, code, [cookies["Ada"], cookies["Grace"]])
        ids = ids_of(client, code)
        ada, grace = (best_question.question_id(ids[n], 1) for n in ("Ada", "Grace"))
        host.act("Now: round 1, Vote", type="next_phase", seen_phase="r1.0:write")
        with (
            live(client, code, "phone", cookies["Alan"]) as alan,
            live(client, code, "phone", cookies["Grace"]) as grace_phone,
        ):
            alan.until("stage", "3</strong> of 3 dots left")
            for left in (2, 1, 0):
                alan.act(f"Dot placed ✓ ({left} left)", **dot_frame(ada))
            for question in (ada, grace):
                refused(
                    client,
                    code,
                    alan,
                    "You have used all 3 dots. Take one back to move it.",
                    **dot_frame(question),
                )
            # Stacking never puts a dot on one's own question, even with dots to spare.
            grace_phone.until("stage", "3</strong> of 3 dots left")
            refused(
                client,
                code,
                grace_phone,
                "You can't vote for your own question.",
                **dot_frame(grace),
            )
            for left in (2, 1, 0):
                grace_phone.act(f"Dot placed ✓ ({left} left)", **dot_frame(ada))
            refused(
                client,
                code,
                grace_phone,
                "You have used all 3 dots.",
                **dot_frame(ada),
            )
        assert board_of(client, code).dots == {ids["Alan"]: {ada: 3}, ids["Grace"]: {ada: 3}}
        assert board_of(client, code).counts() == {ada: 6, grace: 0}
