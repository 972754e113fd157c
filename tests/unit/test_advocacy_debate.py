"""The advocacy-debate rules in `workshop.kinds.advocacy_debate`, and how the engine drives them.

The decisions return `Effects`. `commit` below plays them against a plain dict of hashes, and
`Room` re-decodes the round from that dict after each step, so a sequence of decisions can be
followed the way a room would see it. The exercise is built here, not read from a file. No I/O.
"""

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.unit.memory_store import Store, commit
from tests.unit.touched import Played, shared_html
from workshop import engine
from workshop.actions import Action, action_adapter
from workshop.effects import Effects, Read, Write
from workshop.engine import HOST, Actor
from workshop.errors import Rejected
from workshop.kinds import advocacy_debate as ad
from workshop.kinds import data_of, phases_of, rounds_of
from workshop.kinds.advocacy_debate import (
    CHOICES,
    POST_MAX,
    SIDES,
    TOP_ARGUMENTS,
    AdvocacyDebate,
    Case,
    Debate,
    Names,
    Post,
    Side,
    seat_late,
    side_of_team,
    split_teams,
    verdict,
)
from workshop.kinds.advocacy_debate.content import team_label
from workshop.kinds.advocacy_debate.views import DebateView
from workshop.models import Participant, RoomMeta, RoomState, Run
from workshop.render import Audience, phone_keys, stage_view

NAMES = Names.of("run:r1:0:")
"""The first round's hashes of run r1, named as the engine names them."""


def case(number: int) -> Case:
    return Case(
        id=f"case-{number}",
        title=f"Case {number}",
        case="A customer asks for something that is not on the price list.",
        motion="The rep should go to bat for it internally.",
        for_facts=["The customer has been loyal for nine years."],
        against_facts=["The deal desk has said no before."],
        debrief=["What moved you?"],
    )


def make_exercise(cases: int | list[Case] = 1, **changes: Any) -> AdvocacyDebate:
    fields: dict[str, Any] = {
        "kind": "advocacy_debate",
        "id": "debate",
        "title": "Debate",
        "summary": "Argue a side, rebut the other, vote again.",
        "seeds": ["001"],
        "minutes": 30,
        "team_size": 3,
        "cases": cases if isinstance(cases, list) else [case(n) for n in range(1, cases + 1)],
    }
    fields.update(changes)
    return AdvocacyDebate.model_validate(fields)


FOR_TEAM = ("f1", "f2", "f3")
AGAINST_TEAM = ("a1", "a2", "a3")


def teams_store(teams: Mapping[str, str] | None = None) -> Store:
    if teams is None:
        teams = {p: "for-1" for p in FOR_TEAM} | {p: "against-1" for p in AGAINST_TEAM}
    return {NAMES.teams: dict(teams)}


@dataclass
class Room:
    """One round of one run: the stored hashes, the current phase and a clock for posts."""

    phase: str = "arguments"
    store: Store = field(default_factory=teams_store)
    clock: float = 0.0
    posted: int = 0

    @property
    def debate(self) -> Debate:
        return Debate.decode(self.store, NAMES)

    def do(self, effects: Effects) -> str:
        assert effects.meta is None
        self.store = commit(self.store, effects)
        return effects.notice

    def vote(self, voter: str, choice: str) -> str:
        return self.do(ad.vote(NAMES, self.phase, voter, choice))

    def post(self, author: str, text: str = "", answers: str = "") -> str:
        """Posts and returns the new post's id (as the engine makes it: author and action)."""
        self.clock += 1.0
        self.posted += 1
        post_id = f"{author}.action{self.posted:04d}"
        if not text:
            text = f"Point {self.posted} from {author}."
        self.do(ad.post(NAMES, self.debate, self.phase, author, post_id, text, answers, self.clock))
        return post_id

    def upvote(self, voter: str, post_id: str, on: bool = True) -> str:
        return self.do(ad.upvote(NAMES, self.debate, self.phase, voter, post_id, on))

    def hide(self, post_id: str, hidden: bool = True) -> str:
        return self.do(ad.hide(NAMES, self.debate, post_id, hidden))


def rejection(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(Rejected) as caught:
        call(*args, **kwargs)
    return caught.value.message


def side_sizes(teams: Mapping[str, str]) -> dict[Side, int]:
    counts = Counter(side_of_team(team) for team in teams.values())
    return {side: counts[side] for side in SIDES}


def team_sizes(teams: Mapping[str, str]) -> Counter[str]:
    return Counter(teams.values())


def assert_balanced(teams: Mapping[str, str], team_size: int) -> None:
    sizes = side_sizes(teams)
    assert abs(sizes["for"] - sizes["against"]) <= 1, sizes
    for team, size in team_sizes(teams).items():
        assert size <= team_size, f"{team} has {size} members, more than {team_size}"


# Content model and names


def test_a_round_goes_case_vote_teams_arguments_rebuttals_vote_verdict() -> None:
    names = [phase.name for phase in phases_of(make_exercise())]
    assert names == [
        "case",
        "first_vote",
        "teams",
        "arguments",
        "rebuttals",
        "final_vote",
        "verdict",
    ]


def test_every_case_is_a_round_with_its_own_six_hashes() -> None:
    exercise = make_exercise(cases=2)
    assert rounds_of(exercise) == 2
    assert data_of(exercise) == tuple(
        f"{n}:{name}"
        for n in (0, 1)
        for name in ("first", "final", "teams", "posts", "upvotes", "hidden")
    )
    assert Names.of("run:r1:1:") == Names(
        "run:r1:1:first",
        "run:r1:1:final",
        "run:r1:1:teams",
        "run:r1:1:posts",
        "run:r1:1:upvotes",
        "run:r1:1:hidden",
    )


def test_cases_need_distinct_ids() -> None:
    with pytest.raises(ValueError, match="own id"):
        make_exercise(cases=[case(1), case(1)])


@pytest.mark.parametrize("team_size", [1, 51])
def test_a_team_size_outside_two_to_fifty_is_refused(team_size: int) -> None:
    with pytest.raises(ValueError):
        make_exercise(team_size=team_size)


def test_sides_are_drawn_unless_the_exercise_lets_people_choose() -> None:
    assert make_exercise().choose_sides is False
    assert make_exercise(choose_sides=True).choose_sides is True


def test_a_team_id_names_its_side() -> None:
    assert side_of_team("for-1") == "for"
    assert side_of_team("for-12") == "for"
    assert side_of_team("against-1") == "against"


def test_a_round_decodes_from_its_hashes() -> None:
    argument = Post(author="f1", side="for", team="for-1", kind="argument", text="Yes.", at=1.0)
    store: Store = {
        NAMES.first: {"f1": "for"},
        NAMES.final: {"f1": "against"},
        NAMES.teams: {"f1": "for-1", "f2": "for-1"},
        NAMES.posts: {"f1.x": argument.model_dump_json()},
        NAMES.upvotes: {"f2|f1.x": "1"},
        NAMES.hidden: {"f1.x": "1"},
    }
    debate = Debate.decode(store, NAMES)
    assert debate.first == {"f1": "for"}
    assert debate.final == {"f1": "against"}
    assert debate.side("f1") == "for"
    assert debate.side("nobody") is None
    assert debate.posts == {"f1.x": argument}
    assert debate.upvotes == {"f1.x": {"f2"}}
    assert debate.score("f1.x") == 1
    assert debate.score("missing") == 0
    assert debate.hidden == {"f1.x"}
    assert Debate.decode({}, NAMES) == Debate({}, {}, {}, {}, {}, set())


# Splitting into sides and teams


@st.composite
def splits(draw: st.DrawFn) -> tuple[int, int, int, int, str]:
    """People, team size, how many chose "for", how many chose "against", and a seed."""
    people = draw(st.integers(min_value=2, max_value=2000))
    team_size = draw(st.integers(min_value=2, max_value=20))
    chose_for = draw(st.integers(min_value=0, max_value=people))
    chose_against = draw(st.integers(min_value=0, max_value=people - chose_for))
    seed = draw(st.text(min_size=0, max_size=12))
    return people, team_size, chose_for, chose_against, seed


def people_and_choices(
    n: int, chose_for: int, chose_against: int
) -> tuple[list[str], dict[str, Side]]:
    people = [f"p{i:04d}" for i in range(n)]
    chosen: dict[str, Side] = {p: "for" for p in people[:chose_for]}
    chosen |= {p: "against" for p in people[chose_for : chose_for + chose_against]}
    return people, chosen


SPLIT_SETTINGS = settings(max_examples=150, deadline=None, database=None, derandomize=True)


@SPLIT_SETTINGS
@given(split=splits())
@example(split=(2000, 2, 0, 0, "big"))
@example(split=(2000, 20, 2000, 0, "all-for"))
@example(split=(2, 2, 0, 2, "two-against"))
@example(split=(3, 20, 1, 1, "three"))
def test_split_teams_seats_everyone_once_in_balanced_sides_and_even_teams(
    split: tuple[int, int, int, int, str],
) -> None:
    n, team_size, chose_for, chose_against, seed = split
    people, chosen = people_and_choices(n, chose_for, chose_against)
    teams = split_teams(people, team_size, seed, chosen)
    assert sorted(teams) == people
    assert_balanced(teams, team_size)
    sizes = team_sizes(teams)
    for side in SIDES:
        members = side_sizes(teams)[side]
        own = {team: size for team, size in sizes.items() if side_of_team(team) == side}
        assert len(own) == math.ceil(members / team_size), f"{side} is cut into too many teams"
        assert set(own) == {f"{side}-{k}" for k in range(1, len(own) + 1)}
        if own:
            assert max(own.values()) - min(own.values()) <= 1, own


@SPLIT_SETTINGS
@given(split=splits())
@example(split=(10, 3, 10, 0, "all-for"))
@example(split=(11, 3, 0, 11, "all-against"))
@example(split=(9, 3, 5, 4, "everyone-chose"))
def test_split_teams_keeps_chosen_sides_and_moves_only_the_surplus(
    split: tuple[int, int, int, int, str],
) -> None:
    n, team_size, chose_for, chose_against, seed = split
    people, chosen = people_and_choices(n, chose_for, chose_against)
    teams = split_teams(people, team_size, seed, chosen)
    half = math.ceil(n / 2)
    moved = [p for p, side in chosen.items() if side_of_team(teams[p]) != side]
    surplus = {"for": max(0, chose_for - half), "against": max(0, chose_against - half)}
    assert len(moved) == surplus["for"] + surplus["against"]
    for person in moved:
        assert surplus[chosen[person]] > 0, f"{person} was moved off a side that had room"


@SPLIT_SETTINGS
@given(split=splits())
def test_split_teams_is_the_same_for_the_same_seed_whatever_the_order(
    split: tuple[int, int, int, int, str],
) -> None:
    n, team_size, chose_for, chose_against, seed = split
    people, chosen = people_and_choices(n, chose_for, chose_against)
    teams = split_teams(people, team_size, seed, chosen)
    assert split_teams(list(reversed(people)), team_size, seed, chosen) == teams
    assert split_teams(tuple(people), team_size, seed, dict(chosen)) == teams


def test_different_seeds_give_different_teams() -> None:
    people = [f"p{i}" for i in range(30)]
    drawn = {tuple(sorted(split_teams(people, 5, f"seed-{k}").items())) for k in range(5)}
    assert len(drawn) > 1


def test_split_teams_ignores_choices_of_people_who_are_not_there() -> None:
    teams = split_teams(["p1", "p2"], 8, "s", {"gone": "for", "p1": "against"})
    assert set(teams) == {"p1", "p2"}
    assert side_of_team(teams["p1"]) == "against"
    assert side_of_team(teams["p2"]) == "for"


def test_a_side_above_the_team_size_is_split_into_even_teams() -> None:
    teams = split_teams([f"p{i}" for i in range(18)], 8, "s")
    assert sorted(team_sizes(teams).items()) == [
        ("against-1", 5),
        ("against-2", 4),
        ("for-1", 5),
        ("for-2", 4),
    ]


def test_split_teams_of_nobody_is_empty() -> None:
    assert split_teams([], 8, "s") == {}


# Seating late joiners


@st.composite
def late_joins(draw: st.DrawFn) -> tuple[dict[str, str], int, int]:
    """Teams already formed (possibly by hand, so uneven), the team size, and how many join."""
    team_size = draw(st.integers(min_value=2, max_value=6))
    formed = draw(st.integers(min_value=0, max_value=40))
    teams = split_teams([f"p{i}" for i in range(formed)], team_size, draw(st.text(max_size=6)))
    joiners = draw(st.integers(min_value=1, max_value=30))
    return teams, team_size, joiners


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(case_=late_joins())
def test_late_joiners_go_to_the_smaller_side_into_its_smallest_team(
    case_: tuple[dict[str, str], int, int],
) -> None:
    teams, team_size, joiners = case_
    for k in range(joiners):
        sizes = side_sizes(teams)
        expected: Side = "for" if sizes["for"] <= sizes["against"] else "against"
        own = {t: n for t, n in team_sizes(teams).items() if side_of_team(t) == expected}
        person = f"late{k}"
        team = seat_late(teams, person, team_size)
        assert side_of_team(team) == expected
        if own and min(own.values()) < team_size:
            assert team in own
            assert own[team] == min(own.values()), f"{team} is not the smallest team"
        else:
            assert team not in team_sizes(teams), "a full side opens a new team"
            assert team.startswith(f"{expected}-")
        teams = {**teams, person: team}
        assert_balanced(teams, team_size)


def test_the_first_late_joiner_into_an_empty_room_opens_the_first_for_team() -> None:
    assert seat_late({}, "ada", 8) == "for-1"


def test_a_tie_between_the_sides_goes_to_for() -> None:
    assert seat_late({"a": "for-1", "b": "against-1"}, "c", 8) == "for-1"


def test_a_late_joiner_goes_to_the_smaller_side_even_when_its_team_is_fuller() -> None:
    teams = {"a": "for-1", "b": "for-1", "c": "against-1", "d": "against-2", "e": "against-3"}
    assert seat_late(teams, "z", 4) == "for-1"


def test_a_late_joiner_opens_a_new_team_only_when_every_team_of_the_side_is_full() -> None:
    teams = {"a": "for-1", "b": "for-1", "c": "against-1", "d": "against-1", "e": "against-2"}
    assert seat_late(teams, "z", 2) == "for-2"
    teams = {"a": "for-1", "b": "for-1", "c": "for-2", "d": "against-1", "e": "against-1"}
    assert seat_late(teams, "z", 2) == "against-2"
    teams = {"a": "for-1", "b": "for-2", "c": "for-2", "d": "against-1", "e": "against-1"}
    assert seat_late(teams, "z", 3) == "against-1"


# Voting


@pytest.mark.parametrize("phase", ["case", "teams", "arguments", "rebuttals", "verdict"])
def test_voting_is_open_only_in_the_two_vote_phases(phase: str) -> None:
    room = Room(phase=phase)
    assert rejection(room.vote, "f1", "for") == "Voting is not open right now."
    assert NAMES.first not in room.store
    assert NAMES.final not in room.store


def test_the_first_and_the_final_vote_are_kept_apart() -> None:
    room = Room(phase="first_vote")
    assert room.vote("f1", "for") == "Vote saved ✓"
    room.phase = "final_vote"
    room.vote("f1", "against")
    assert room.debate.first == {"f1": "for"}
    assert room.debate.final == {"f1": "against"}


def test_a_vote_writes_one_field_per_voter() -> None:
    effects = ad.vote(NAMES, "first_vote", "f1", "undecided")
    assert effects.writes == (Write.put("run:r1:0:first", "f1", "undecided"),)


@pytest.mark.parametrize("phase", ["first_vote", "final_vote"])
def test_a_vote_changed_before_the_phase_closes_counts_once(phase: str) -> None:
    room = Room(phase=phase)
    room.vote("f1", "for")
    room.vote("f1", "against")
    room.vote("f1", "undecided")
    room.vote("f1", "against")
    ballot = room.debate.first if phase == "first_vote" else room.debate.final
    assert ballot == {"f1": "against"}
    result = verdict(room.debate, {"f1"})
    tally = result.first if phase == "first_vote" else result.final
    assert tally == {"for": 0, "against": 1, "undecided": 0}


@pytest.mark.parametrize("choice", ["", "yes", "For", "abstain", "for "])
def test_an_unknown_choice_is_rejected(choice: str) -> None:
    room = Room(phase="first_vote")
    assert rejection(room.vote, "f1", choice) == "Choose for, against or undecided."
    assert NAMES.first not in room.store


# Posting arguments and rebuttals


def test_an_argument_is_stored_with_its_author_side_team_and_time() -> None:
    effects = ad.post(
        NAMES, Room().debate, "arguments", "f1", "f1.act1", "  Loyal  for\nyears ", "", 7.0
    )
    (write,) = effects.writes
    assert (write.op, write.hash, write.field) == ("put", "run:r1:0:posts", "f1.act1")
    assert Post.model_validate_json(write.value) == Post(
        author="f1", side="for", team="for-1", kind="argument", text="Loyal for years", at=7.0
    )
    assert effects.notice == "Argument posted ✓"


def test_a_rebuttal_of_the_other_sides_argument_is_stored_with_what_it_answers() -> None:
    room = Room()
    argument = room.post("a1")
    room.phase = "rebuttals"
    rebuttal = room.post("f2", "That was then.", answers=argument)
    stored = room.debate.posts[rebuttal]
    assert (stored.kind, stored.side, stored.answers, stored.text) == (
        "rebuttal",
        "for",
        argument,
        "That was then.",
    )
    assert room.debate.rebuttals_of(argument) == [rebuttal]


def test_a_rebuttal_is_not_accepted_in_the_arguments_phase() -> None:
    room = Room()
    argument = room.post("a1")
    assert (
        rejection(room.post, "f1", "No.", answers=argument) == "Rebuttals come in the next phase."
    )
    assert list(room.debate.posts) == [argument]


def test_a_rebuttal_linked_to_ones_own_side_is_rejected_with_a_clear_message() -> None:
    room = Room()
    argument = room.post("f1")
    room.phase = "rebuttals"
    message = rejection(room.post, "f2", "Agreed.", answers=argument)
    assert message == "A rebuttal answers the other side's argument, not your own side's."
    assert list(room.debate.posts) == [argument]


def test_a_rebuttal_must_answer_an_argument_that_is_there() -> None:
    room = Room()
    argument = room.post("a1")
    room.phase = "rebuttals"
    expected = "Choose one of the other side's arguments to answer."
    assert rejection(room.post, "f1", "No.", answers="") == expected
    assert rejection(room.post, "f1", "No.", answers="a1.never") == expected
    room.hide(argument)
    assert rejection(room.post, "f1", "No.", answers=argument) == expected
    assert list(room.debate.posts) == [argument]


def test_a_rebuttal_cannot_answer_a_rebuttal() -> None:
    room = Room()
    argument = room.post("a1")
    room.phase = "rebuttals"
    rebuttal = room.post("f1", "No.", answers=argument)
    message = rejection(room.post, "a2", "Yes it is.", answers=rebuttal)
    assert message == "Choose one of the other side's arguments to answer."
    assert set(room.debate.posts) == {argument, rebuttal}


@pytest.mark.parametrize("phase", ["arguments", "rebuttals"])
@pytest.mark.parametrize("text", ["", "   ", "\n\t \r\n"])
def test_an_empty_post_is_rejected(phase: str, text: str) -> None:
    room = Room()
    argument = room.post("a1")
    room.phase = phase
    answers = argument if phase == "rebuttals" else ""
    debate = room.debate
    message = rejection(ad.post, NAMES, debate, phase, "f1", "f1.x", text, answers, 1.0)
    assert message == "Write something first."
    assert list(room.debate.posts) == [argument]


def test_a_post_over_the_limit_is_rejected_naming_the_limit_and_its_length() -> None:
    assert POST_MAX == 280
    room = Room()
    message = rejection(room.post, "f1", "x" * 281)
    assert message == "Posts can be at most 280 characters; this one has 281."
    assert "2000" in rejection(room.post, "f1", "x" * 2000)
    assert room.debate.posts == {}


def test_a_post_of_exactly_the_limit_after_folding_white_space_is_accepted() -> None:
    room = Room()
    post_id = room.post("f1", "  " + "y " * 140 + "  ")
    assert len(room.debate.posts[post_id].text) == 279
    post_id = room.post("f2", "z" * 280)
    assert room.debate.posts[post_id].text == "z" * 280


@pytest.mark.parametrize("phase", ["arguments", "rebuttals"])
def test_someone_not_on_a_team_cannot_post(phase: str) -> None:
    room = Room()
    argument = room.post("a1")
    room.phase = phase
    answers = argument if phase == "rebuttals" else ""
    assert rejection(room.post, "late", "Hello.", answers=answers) == "You are not on a team yet."
    assert list(room.debate.posts) == [argument]


@pytest.mark.parametrize("phase", ["case", "first_vote", "teams", "final_vote", "verdict"])
def test_posting_is_closed_outside_arguments_and_rebuttals(phase: str) -> None:
    room = Room(phase=phase)
    assert rejection(room.post, "f1", "Hello.") == "Posting is closed right now."
    assert room.debate.posts == {}


def test_a_post_keeps_the_side_its_author_had_when_writing_it() -> None:
    room = Room()
    post_id = room.post("f1")
    room.store[NAMES.teams]["f1"] = "against-1"
    assert room.debate.posts[post_id].side == "for"
    assert room.debate.posts[post_id].team == "for-1"


# Upvotes


def board() -> tuple[Room, str, str]:
    """An argument from each side, in the arguments phase."""
    room = Room()
    return room, room.post("f1"), room.post("a1")


def test_an_upvote_on_a_teammates_post_counts() -> None:
    room, ours, _ = board()
    assert room.upvote("f2", ours) == "Upvoted ✓"
    assert room.debate.upvotes == {ours: {"f2"}}
    assert room.store[NAMES.upvotes] == {f"f2|{ours}": "1"}


def test_an_upvote_on_the_other_side_is_rejected_and_changes_nothing() -> None:
    room, ours, theirs = board()
    message = rejection(room.upvote, "f2", theirs)
    assert message == "You can upvote only your own side's posts."
    assert rejection(room.upvote, "a2", ours) == message
    assert NAMES.upvotes not in room.store


def test_an_upvote_on_ones_own_post_is_rejected() -> None:
    room, ours, _ = board()
    assert rejection(room.upvote, "f1", ours) == "You can't upvote your own post."
    assert rejection(room.upvote, "f1", ours, on=False) == "You can't upvote your own post."
    assert NAMES.upvotes not in room.store


def test_someone_not_on_a_team_cannot_upvote() -> None:
    room, ours, _ = board()
    assert rejection(room.upvote, "late", ours) == "You are not on a team yet."
    assert rejection(room.upvote, "late", ours, on=False) == "You are not on a team yet."
    assert NAMES.upvotes not in room.store


def test_upvotes_work_across_teams_of_the_same_side() -> None:
    room = Room(store=teams_store({"f1": "for-1", "f2": "for-2", "a1": "against-1"}))
    post_id = room.post("f1")
    room.upvote("f2", post_id)
    assert room.debate.score(post_id) == 1


@pytest.mark.parametrize("phase", ["case", "first_vote", "teams", "final_vote", "verdict"])
def test_upvoting_is_closed_outside_arguments_and_rebuttals(phase: str) -> None:
    room, ours, _ = board()
    room.upvote("f2", ours)
    room.phase = phase
    assert rejection(room.upvote, "f3", ours) == "Upvoting is closed right now."
    assert rejection(room.upvote, "f2", ours, on=False) == "Upvoting is closed right now."
    assert room.debate.upvotes == {ours: {"f2"}}


def test_in_the_rebuttals_phase_rebuttals_take_upvotes_and_arguments_keep_theirs() -> None:
    room, ours, theirs = board()
    room.upvote("f2", ours)
    room.phase = "rebuttals"
    rebuttal = room.post("f1", "No.", answers=theirs)
    room.upvote("f3", rebuttal)
    # The arguments' upvotes picked the top arguments the other side is answering: they stay.
    closed = "Upvotes for arguments closed with the arguments step."
    assert rejection(room.upvote, "f3", ours) == closed
    assert rejection(room.upvote, "f2", ours, on=False) == closed
    assert (room.debate.score(ours), room.debate.score(rebuttal)) == (1, 1)


def test_rebuttals_take_no_upvote_in_the_arguments_phase() -> None:
    room, _, theirs = board()
    room.phase = "rebuttals"
    rebuttal = room.post("f1", "No.", answers=theirs)
    room.phase = "arguments"  # the facilitator stepped back
    message = rejection(room.upvote, "f2", rebuttal)
    assert message == "Rebuttals are upvoted in the rebuttals step."
    assert NAMES.upvotes not in room.store


def test_a_rebuttal_of_a_hidden_argument_or_one_out_of_the_top_takes_no_upvote() -> None:
    room, _, theirs = board()
    room.phase = "rebuttals"
    rebuttal = room.post("f1", "No.", answers=theirs)
    room.hide(theirs)
    assert rejection(room.upvote, "f2", rebuttal) == "That post is no longer there."
    room.hide(theirs, hidden=False)
    room.phase = "arguments"  # the facilitator stepped back: five new arguments, upvoted, pass it
    for _ in range(ad.TOP_ARGUMENTS):
        newer = room.post("a2")
        room.upvote("a3", newer)
    room.phase = "rebuttals"
    assert theirs not in room.debate.top_arguments("against")
    assert rejection(room.upvote, "f2", rebuttal) == "That post is no longer there."
    assert room.debate.score(rebuttal) == 0


def test_a_rebuttal_answers_one_of_the_other_sides_top_arguments() -> None:
    room = Room()
    arguments = [room.post("a1") for _ in range(ad.TOP_ARGUMENTS + 1)]
    room.upvote("a2", arguments[-1])  # the newest goes first; the one before it drops out
    room.phase = "rebuttals"
    assert room.debate.top_arguments("against") == [arguments[-1], *arguments[:-2]]
    message = rejection(room.post, "f1", "No.", answers=arguments[-2])
    assert message == "Choose one of the other side's top arguments to answer."
    assert set(room.debate.posts) == set(arguments)
    room.post("f1", "No.", answers=arguments[0])


def test_an_upvote_on_a_missing_or_hidden_post_is_rejected() -> None:
    room, ours, _ = board()
    assert rejection(room.upvote, "f2", "f1.never") == "That post is no longer there."
    room.hide(ours)
    assert rejection(room.upvote, "f2", ours) == "That post is no longer there."
    assert NAMES.upvotes not in room.store


def test_an_upvote_counts_once_however_often_it_is_sent_and_can_be_taken_back() -> None:
    room, ours, _ = board()
    room.upvote("f2", ours)
    room.upvote("f2", ours)
    room.upvote("f3", ours)
    assert room.debate.score(ours) == 2
    assert room.upvote("f2", ours, on=False) == "Upvote taken back."
    assert room.debate.score(ours) == 1
    room.upvote("f2", ours, on=False)
    assert room.debate.score(ours) == 1
    assert room.debate.upvotes == {ours: {"f3"}}


def test_upvote_on_and_off_touch_the_same_field() -> None:
    room, ours, _ = board()
    on = ad.upvote(NAMES, room.debate, "arguments", "f2", ours, True)
    off = ad.upvote(NAMES, room.debate, "arguments", "f2", ours, False)
    assert on.writes == (Write.put("run:r1:0:upvotes", f"f2|{ours}", "1"),)
    assert off.writes == (Write.remove("run:r1:0:upvotes", f"f2|{ours}"),)


# Ordering and moderation


def test_shown_lists_one_kind_of_one_side_most_upvoted_first_then_oldest() -> None:
    room = Room()
    first, second, third = room.post("f1"), room.post("f2"), room.post("f3")
    room.post("a1")
    room.upvote("f1", third)
    room.upvote("f2", third)
    room.upvote("f1", second)
    assert room.debate.shown("argument", "for") == [third, second, first]
    assert room.debate.shown("rebuttal", "for") == []


def test_top_arguments_are_the_five_most_upvoted_visible_arguments() -> None:
    assert TOP_ARGUMENTS == 5
    room = Room()
    posts = [room.post(author) for author in ("a1", "a2", "a3", "a1", "a2", "a3", "a1")]
    room.upvote("a2", posts[6])
    assert room.debate.top_arguments("against") == [posts[6], *posts[:4]]
    room.hide(posts[6])
    assert room.debate.top_arguments("against") == posts[:5]
    assert room.debate.top_arguments("for") == []


def test_a_hidden_post_drops_out_of_every_list_and_comes_back_when_shown_again() -> None:
    room, ours, theirs = board()
    room.phase = "rebuttals"
    rebuttal = room.post("f2", "No.", answers=theirs)
    other = room.post("f3", "Also no.", answers=theirs)
    room.upvote("f3", rebuttal)
    assert room.hide(rebuttal) == "Post hidden."
    assert room.hide(ours) == "Post hidden."
    debate = room.debate
    assert debate.shown("argument", "for") == []
    assert debate.shown("rebuttal", "for") == [other]
    assert debate.rebuttals_of(theirs) == [other]
    assert ours not in debate.top_arguments("for")
    assert room.hide(rebuttal, hidden=False) == "Post shown again."
    room.hide(ours, hidden=False)
    debate = room.debate
    assert debate.shown("argument", "for") == [ours]
    assert debate.rebuttals_of(theirs) == [rebuttal, other]
    assert debate.top_arguments("for") == [ours]


def test_upvotes_on_a_hidden_post_stay_in_the_record() -> None:
    room, ours, _ = board()
    room.upvote("f2", ours)
    room.upvote("f3", ours)
    room.hide(ours)
    assert room.store[NAMES.upvotes] == {f"f2|{ours}": "1", f"f3|{ours}": "1"}
    assert room.debate.score(ours) == 2
    assert ours not in room.debate.shown("argument", "for")
    room.hide(ours, hidden=False)
    assert room.debate.shown("argument", "for") == [ours]
    assert room.debate.score(ours) == 2


def test_hiding_a_missing_post_is_rejected() -> None:
    room = Room()
    assert rejection(room.hide, "f1.never") == "That post is no longer there."
    assert rejection(room.hide, "f1.never", hidden=False) == "That post is no longer there."
    assert room.store == teams_store()


def test_hiding_writes_one_field_and_showing_deletes_it() -> None:
    room, ours, _ = board()
    assert ad.hide(NAMES, room.debate, ours, True).writes == (
        Write.put("run:r1:0:hidden", ours, "1"),
    )
    assert ad.hide(NAMES, room.debate, ours, False).writes == (
        Write.remove("run:r1:0:hidden", ours),
    )


# The verdict


def voted(first: Mapping[str, str], final: Mapping[str, str]) -> Debate:
    return Debate(dict(first), dict(final), {}, {}, {}, set())


def test_the_verdict_counts_each_choice_of_the_people_present() -> None:
    debate = voted(
        {"a": "for", "b": "for", "c": "against", "gone": "for"},
        {"a": "against", "b": "for", "d": "undecided", "gone": "against"},
    )
    result = verdict(debate, {"a", "b", "c", "d"})
    assert result.first == {"for": 2, "against": 1, "undecided": 0}
    assert result.final == {"for": 1, "against": 1, "undecided": 1}


def test_the_shift_counts_only_people_present_who_voted_both_times() -> None:
    debate = voted(
        {"a": "for", "b": "for", "c": "against", "d": "undecided", "e": "for", "gone": "for"},
        {"a": "for", "b": "against", "c": "against", "d": "against", "f": "for", "gone": "against"},
    )
    result = verdict(debate, {"a", "b", "c", "d", "e", "f"})
    assert result.both == 4
    assert result.shift == {"for": -25.0, "against": 50.0, "undecided": -25.0}
    assert result.winner == "against"


def test_the_side_whose_share_grew_more_wins_even_if_it_ended_smaller() -> None:
    first = {f"p{i}": "for" for i in range(8)} | {"q1": "undecided", "q2": "undecided"}
    final = {f"p{i}": "for" for i in range(7)} | {"p7": "against", "q1": "against", "q2": "for"}
    result = verdict(voted(first, final), set(first))
    assert result.final["for"] > result.final["against"]
    assert result.shift["against"] == pytest.approx(20.0)
    assert result.shift["for"] == pytest.approx(0.0)
    assert result.winner == "against"


def test_a_tie_in_the_shift_has_no_winner() -> None:
    debate = voted({"a": "undecided", "b": "undecided"}, {"a": "for", "b": "against"})
    result = verdict(debate, {"a", "b"})
    assert result.shift == {"for": 50.0, "against": 50.0, "undecided": -100.0}
    assert result.winner is None
    unchanged = verdict(voted({"a": "for"}, {"a": "for"}), {"a"})
    assert unchanged.winner is None


def test_nobody_who_voted_twice_means_no_shift_and_no_winner() -> None:
    debate = voted({"a": "for", "gone": "for"}, {"b": "against", "gone": "against"})
    result = verdict(debate, {"a", "b"})
    assert result.both == 0
    assert result.shift == {"for": 0.0, "against": 0.0, "undecided": 0.0}
    assert result.winner is None
    empty = verdict(voted({}, {}), set())
    assert (empty.both, empty.winner) == (0, None)


def test_someone_who_left_is_not_counted_but_their_posts_stay() -> None:
    room = Room()
    argument = room.post("f1")
    room.upvote("f2", argument)
    room.phase = "rebuttals"
    rebuttal = room.post("a1", "No.", answers=argument)
    room.phase = "first_vote"
    room.vote("f1", "for")
    room.vote("a1", "against")
    room.phase = "final_vote"
    room.vote("f1", "against")
    room.vote("a1", "against")
    present = {"f2", "f3", "a1", "a2", "a3"}
    result = verdict(room.debate, present)
    assert result.first == {"for": 0, "against": 1, "undecided": 0}
    assert result.final == {"for": 0, "against": 1, "undecided": 0}
    assert result.both == 1
    debate = room.debate
    assert debate.posts[argument].author == "f1"
    assert debate.shown("argument", "for") == [argument]
    assert debate.rebuttals_of(argument) == [rebuttal]
    assert debate.score(argument) == 1


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(
    first=st.dictionaries(st.sampled_from("abcdefgh"), st.sampled_from(CHOICES)),
    final=st.dictionaries(st.sampled_from("abcdefgh"), st.sampled_from(CHOICES)),
    present=st.sets(st.sampled_from("abcdefgh")),
)
def test_the_shifts_add_up_to_nothing_and_the_winner_follows_them(
    first: dict[str, str], final: dict[str, str], present: set[str]
) -> None:
    result = verdict(voted(first, final), present)
    both = {p for p in first if p in final and p in present}
    assert result.both == len(both)
    assert sum(result.first.values()) == sum(1 for p in first if p in present)
    assert sum(result.final.values()) == sum(1 for p in final if p in present)
    assert sum(result.shift.values()) == pytest.approx(0.0, abs=1e-9)
    for choice in CHOICES:
        before = sum(1 for p in both if first[p] == choice)
        after = sum(1 for p in both if final[p] == choice)
        expected = 100 * (after - before) / len(both) if both else 0.0
        assert result.shift[choice] == pytest.approx(expected)
    if not both or result.shift["for"] == result.shift["against"]:
        assert result.winner is None
    else:
        assert result.winner == max(SIDES, key=lambda side: result.shift[side])


# Random sequences of decisions keep the board consistent

PEOPLE = ("f1", "f2", "f3", "a1", "a2", "a3", "late")
"""Three a side, each side in two teams, and one person who never got a team."""
SEQUENCE_TEAMS = {"f1": "for-1", "f2": "for-2", "f3": "for-2", "a1": "against-1"} | {
    "a2": "against-1",
    "a3": "against-2",
}
TEXTS = ("A point.", "y" * POST_MAX, "  two   words ", "", "   ", "x" * (POST_MAX + 1))
PHASES = ("first_vote", "arguments", "arguments", "rebuttals", "rebuttals", "final_vote")


@dataclass(frozen=True)
class Step:
    """One decision. `post` picks among the posts written so far (by position, so most steps hit
    a real post; an odd number picks among the arguments only, so rebuttals often find one), or
    names a post that does not exist while there are none."""

    kind: str
    who: str = ""
    post: int = 0
    text: int = 0
    choice: str = ""
    on: bool = True
    phase: str = ""


people = st.sampled_from(PEOPLE)
picks = st.integers(min_value=0, max_value=30)
steps = st.one_of(
    st.builds(Step, kind=st.just("vote"), who=people, choice=st.sampled_from((*CHOICES, "x"))),
    st.builds(Step, kind=st.just("post"), who=people, text=st.integers(0, len(TEXTS) - 1)),
    st.builds(Step, kind=st.just("post"), who=people, text=st.integers(0, 2)),
    st.builds(
        Step,
        kind=st.just("rebut"),
        who=people,
        post=picks,
        text=st.integers(0, len(TEXTS) - 1),
    ),
    st.builds(Step, kind=st.just("rebut"), who=people, post=picks, text=st.integers(0, 2)),
    st.builds(Step, kind=st.just("upvote"), who=people, post=picks, on=st.booleans()),
    st.builds(Step, kind=st.just("upvote"), who=people, post=picks, on=st.just(True)),
    st.builds(Step, kind=st.just("hide"), post=picks, on=st.booleans()),
    st.builds(Step, kind=st.just("hide"), post=picks, on=st.just(False)),
    st.builds(Step, kind=st.just("phase"), phase=st.sampled_from(PHASES)),
    st.builds(Step, kind=st.just("phase"), phase=st.sampled_from(PHASES)),
)


def pick(debate: Debate, index: int) -> str:
    written = sorted(debate.posts)
    if index % 2:
        written = [p for p in written if debate.posts[p].kind == "argument"]
    return written[index // 2 % len(written)] if written else f"f1.none{index}"


def take(room: Room, step: Step) -> None:
    debate = room.debate
    target = pick(debate, step.post)
    match step.kind:
        case "vote":
            room.vote(step.who, step.choice)
        case "post":
            room.post(step.who, TEXTS[step.text] or " ")
        case "rebut":
            room.post(step.who, TEXTS[step.text] or " ", answers=target)
        case "upvote":
            before = debate.upvotes.get(target, set())
            room.upvote(step.who, target, on=step.on)
            after = room.debate.upvotes.get(target, set())
            if step.on:
                assert after == before | {step.who}, "an upvote counts exactly once"
            else:
                assert after == before - {step.who}
        case "hide":
            room.hide(target, hidden=step.on)
        case "phase":
            room.phase = step.phase
        case _:
            raise AssertionError(step.kind)


def assert_consistent(room: Room) -> None:
    debate = room.debate
    keys = list(room.store.get(NAMES.upvotes, {}))
    assert len(keys) == len(set(keys))
    assert sum(debate.score(p) for p in debate.upvotes) == len(keys), "one key per upvote"
    for post_id, voters in debate.upvotes.items():
        post = debate.posts[post_id]
        for voter in voters:
            assert voter != post.author, f"{voter} upvoted their own {post_id}"
            assert debate.side(voter) == post.side, f"{voter} upvoted across sides on {post_id}"
    for post_id, post in debate.posts.items():
        assert post_id.startswith(f"{post.author}.")
        assert post.side == side_of_team(post.team) == debate.side(post.author)
        assert 0 < len(post.text) <= POST_MAX
        if post.kind == "rebuttal":
            answered = debate.posts[post.answers]
            assert answered.kind == "argument", f"{post_id} answers a {answered.kind}"
            assert answered.side != post.side, f"{post_id} answers its own side"
        else:
            assert post.answers == ""
    for ballot in (debate.first, debate.final):
        assert set(ballot.values()) <= set(CHOICES)
    assert debate.hidden <= set(debate.posts)


def played(phase: str, sequence: list[Step]) -> Iterator[Room]:
    """Starts from an argument by each of four people, then takes each step in turn, skipping the
    ones the rules reject; yields the room after each."""
    room = Room(phase="arguments", store=teams_store(SEQUENCE_TEAMS))
    for author in ("f1", "a1", "f2", "a3"):
        room.post(author)
    room.phase = phase
    for step in sequence:
        try:
            take(room, step)
        except Rejected:
            continue
        yield room


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(
    phase=st.sampled_from(("arguments", "rebuttals")),
    sequence=st.lists(steps, min_size=5, max_size=40),
)
def test_any_sequence_of_decisions_keeps_upvotes_and_rebuttals_consistent(
    phase: str, sequence: list[Step]
) -> None:
    for room in played(phase, sequence):
        assert_consistent(room)


# Through the engine

EXERCISE = make_exercise(cases=2, team_size=3)
CHOOSING = make_exercise(cases=2, team_size=3, choose_sides=True, id="debate-choose")
LIBRARY = {EXERCISE.id: EXERCISE, CHOOSING.id: CHOOSING}

_ids = itertools.count(1)


def act(kind: str, **fields: Any) -> Action:
    fields.setdefault("action_id", f"ad-unit-{next(_ids):08d}")
    return action_adapter.validate_python({**fields, "type": kind})


def person(number: int, removed: bool = False) -> Participant:
    return Participant(
        id=f"p{number:02d}", name=f"P{number}", joined_at=float(number), removed=removed
    )


def crowd(count: int) -> list[Participant]:
    return [person(n) for n in range(1, count + 1)]


def meta_at(exercise: AdvocacyDebate, phase: str, round_number: int = 0) -> RoomMeta:
    index = [spec.name for spec in ad.PHASES].index(phase)
    run = Run(id="r1", exercise=exercise, phase=index, round=round_number, started=True)
    return RoomMeta(
        code="ABC234",
        created_at=0.0,
        host_key_hash="hash",
        agenda=(run,),
        current="r1",
        runs_created=1,
    )


def state_of(
    meta: RoomMeta, participants: list[Participant], store: Store | None = None
) -> RoomState:
    return RoomState(
        meta=meta,
        rev=7,
        version=7,
        participants={p.id: p for p in participants},
        run_data=store or {},
    )


def key_of(meta: RoomMeta) -> str:
    assert meta.current_run is not None
    return meta.current_run.phase_key


def host(state: RoomState, action: Action) -> Effects:
    return engine.apply(state, HOST, action, LIBRARY, 5.0)


def by(state: RoomState, who: Participant, action: Action) -> Effects:
    return engine.apply(state, Actor("participant", who.id), action, LIBRARY, 9.0)


def teams_in(store: Store, hash_name: str = NAMES.teams) -> dict[str, str]:
    return dict(store.get(hash_name, {}))


def test_the_engine_reads_every_hash_of_the_run_for_debate_actions() -> None:
    meta = meta_at(EXERCISE, "arguments")
    expected = tuple(Read(f"run:r1:{name}") for name in data_of(EXERCISE))
    for action in (
        act("next_phase"),
        act("reseat"),
        act("post", text="Hi."),
        act("upvote", post="p01.x"),
        act("choose_side", side="for"),
        act("hide_post", post="p01.x"),
        act("balance_teams"),
    ):
        assert engine.reads(meta, HOST, action) == expected
    assert engine.reads(meta, HOST, act("vote", option="for")) == ()


def test_a_debate_added_from_the_library_starts_at_the_case() -> None:
    meta = engine.new_room("ABC234", "hash", now=0.0)
    added = host(state_of(meta, []), act("add_exercise", exercise_id=EXERCISE.id)).meta
    assert added is not None
    started = host(state_of(added, []), act("start_run", run_id="r1")).meta
    assert started is not None
    assert key_of(started) == "r1.0:case"


def test_next_into_teams_draws_balanced_teams_for_everyone_present() -> None:
    meta = meta_at(EXERCISE, "first_vote")
    people = [*crowd(7), person(8, removed=True)]
    effects = host(state_of(meta, people), act("next_phase", seen_phase="r1.0:first_vote"))
    assert effects.meta is not None
    assert key_of(effects.meta) == "r1.0:teams"
    assert {w.hash for w in effects.writes} == {"run:r1:0:teams"}
    assert {w.op for w in effects.writes} == {"put"}
    teams = teams_in(commit({}, effects))
    assert set(teams) == {p.id for p in crowd(7)}
    assert_balanced(teams, EXERCISE.team_size)
    assert side_sizes(teams) == {"for": 4, "against": 3}
    assert effects.notice == "Now: round 1, Teams. Teams formed: 4 for, 3 against."


def test_teams_already_drawn_are_not_drawn_again_on_the_way_back_in() -> None:
    meta = meta_at(EXERCISE, "first_vote")
    drawn = {"p01": "for-1", "p02": "against-1"}
    effects = host(
        state_of(meta, crowd(4), teams_store(drawn)),
        act("next_phase", seen_phase="r1.0:first_vote"),
    )
    teams = teams_in(commit(teams_store(drawn), effects))
    # The two already seated keep their teams; the two who joined meanwhile get seats.
    assert {p: teams[p] for p in drawn} == drawn
    assert set(teams) == {p.id for p in crowd(4)}
    assert side_sizes(teams) == {"for": 2, "against": 2}


def test_each_round_draws_its_own_teams() -> None:
    meta = meta_at(EXERCISE, "first_vote", round_number=1)
    effects = host(state_of(meta, crowd(4), teams_store()), act("next_phase"))
    assert {w.hash for w in effects.writes} == {"run:r1:1:teams"}
    assert set(teams_in(commit({}, effects), "run:r1:1:teams")) == {p.id for p in crowd(4)}


def test_a_late_joiner_is_put_on_the_smaller_side() -> None:
    meta = meta_at(EXERCISE, "arguments")
    formed = {"p01": "for-1", "p02": "against-1", "p03": "for-1"}
    effects = host(state_of(meta, crowd(4), teams_store(formed)), act("reseat"))
    assert effects.writes == (Write.put("run:r1:0:teams", "p04", "against-1"),)
    assert effects.notice == "Seated the newcomers."
    effects = host(state_of(meta, crowd(3), teams_store(formed)), act("reseat"))
    assert effects.writes == ()


def test_several_late_joiners_keep_the_sides_even() -> None:
    meta = meta_at(EXERCISE, "rebuttals")
    formed = {"p01": "for-1", "p02": "against-1"}
    store = commit(
        teams_store(formed), host(state_of(meta, crowd(9), teams_store(formed)), act("reseat"))
    )
    teams = teams_in(store)
    assert set(teams) == {p.id for p in crowd(9)}
    assert teams["p01"] == "for-1"
    assert teams["p02"] == "against-1"
    assert_balanced(teams, EXERCISE.team_size)


def test_a_late_joiner_goes_to_the_side_that_is_smaller_among_those_still_present() -> None:
    """Two of the against side left; the newcomer should join them, not the full for side."""
    meta = meta_at(EXERCISE, "arguments")
    formed = {"p01": "for-1", "p02": "against-1", "p03": "for-1", "p04": "against-1"}
    people = [person(1), person(2, removed=True), person(3), person(4, removed=True), person(5)]
    effects = host(state_of(meta, people, teams_store(formed)), act("reseat"))
    assert effects.writes == (Write.put("run:r1:0:teams", "p05", "against-1"),)


def test_a_post_through_the_engine_is_named_after_its_author_and_action() -> None:
    meta = meta_at(EXERCISE, "arguments")
    store = teams_store({"p01": "for-1", "p02": "against-1"})
    action = act(
        "post", text="  Nine  years. ", action_id="abcdefgh01", seen_phase="r1.0:arguments"
    )
    effects = by(state_of(meta, crowd(2), store), person(1), action)
    (write,) = effects.writes
    assert (write.op, write.hash, write.field) == ("put", "run:r1:0:posts", "p01.abcdefgh01")
    assert Post.model_validate_json(write.value) == Post(
        author="p01", side="for", team="for-1", kind="argument", text="Nine years.", at=9.0
    )


def test_a_post_in_the_second_round_lands_in_that_round() -> None:
    meta = meta_at(EXERCISE, "arguments", round_number=1)
    store = {"run:r1:1:teams": {"p01": "for-1"}}
    effects = by(
        state_of(meta, crowd(1), store), person(1), act("post", text="Hi.", action_id="zzzzzzzz")
    )
    assert [(w.hash, w.field) for w in effects.writes] == [("run:r1:1:posts", "p01.zzzzzzzz")]


def test_rebuttals_and_upvotes_go_through_the_engine() -> None:
    meta = meta_at(EXERCISE, "rebuttals")
    room = Room(store=teams_store({"p01": "for-1", "p02": "against-1", "p03": "against-1"}))
    argument = room.post("p01")
    state = state_of(meta, crowd(3), room.store)
    effects = by(state, person(2), act("post", text="No.", answers=argument, action_id="rebut0001"))
    assert effects.notice == "Rebuttal posted ✓"
    store = commit(room.store, effects)
    state = state_of(meta, crowd(3), store)
    effects = by(state, person(3), act("upvote", post="p02.rebut0001"))
    assert effects.writes == (Write.put("run:r1:0:upvotes", "p03|p02.rebut0001", "1"),)
    message = rejection(by, state, person(3), act("upvote", post=argument))
    assert message == "You can upvote only your own side's posts."


def test_a_vote_through_the_engine_is_saved_in_the_current_ballot() -> None:
    meta = meta_at(EXERCISE, "final_vote")
    effects = by(state_of(meta, crowd(1)), person(1), act("vote", option="against"))
    assert effects.writes == (Write.put("run:r1:0:final", "p01", "against"),)
    meta = meta_at(EXERCISE, "arguments")
    message = rejection(by, state_of(meta, crowd(1)), person(1), act("vote", option="for"))
    assert message == "Voting is not open right now."


def test_a_post_sent_for_an_earlier_phase_is_rejected() -> None:
    meta = meta_at(EXERCISE, "rebuttals")
    state = state_of(meta, crowd(1), teams_store({"p01": "for-1"}))
    action = act("post", text="Hi.", seen_phase="r1.0:arguments")
    assert "moved on" in rejection(by, state, person(1), action)


def test_someone_who_left_cannot_post() -> None:
    meta = meta_at(EXERCISE, "arguments")
    state = state_of(meta, [person(1, removed=True)], teams_store({"p01": "for-1"}))
    assert "no longer in this workshop" in rejection(by, state, person(1), act("post", text="Hi."))


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("hide_post", {"post": "p01.x"}),
        ("balance_teams", {}),
        ("reseat", {}),
        ("next_phase", {}),
    ],
)
def test_participants_cannot_moderate_or_balance(kind: str, fields: dict[str, Any]) -> None:
    meta = meta_at(EXERCISE, "arguments")
    state = state_of(meta, crowd(2), teams_store({"p01": "for-1", "p02": "against-1"}))
    message = rejection(by, state, person(1), act(kind, **fields))
    assert message == "Only the facilitator can do that."


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("vote", {"option": "for"}),
        ("post", {"text": "Hi."}),
        ("upvote", {"post": "p01.x"}),
        ("choose_side", {"side": "for"}),
    ],
)
def test_the_facilitator_cannot_vote_post_upvote_or_choose(
    kind: str, fields: dict[str, Any]
) -> None:
    meta = meta_at(CHOOSING, "teams")
    message = rejection(host, state_of(meta, crowd(2)), act(kind, **fields))
    assert message == "That is for participants."


def test_the_facilitator_hides_and_shows_a_post_through_the_engine() -> None:
    meta = meta_at(EXERCISE, "arguments")
    room = Room(store=teams_store({"p01": "for-1"}))
    argument = room.post("p01")
    state = state_of(meta, crowd(1), room.store)
    effects = host(state, act("hide_post", post=argument, seen_phase="r1.0:arguments"))
    assert effects == ad.hide(NAMES, room.debate, argument, True)
    effects = host(state, act("hide_post", post=argument, hidden=False))
    assert effects.writes == (Write.remove("run:r1:0:hidden", argument),)
    assert (
        rejection(host, state, act("hide_post", post="p01.never"))
        == "That post is no longer there."
    )


def sides_of(teams: Mapping[str, str]) -> dict[str, Side]:
    return {p: side_of_team(t) for p, t in teams.items()}


@pytest.mark.parametrize("exercise", [EXERCISE, CHOOSING], ids=["drawn", "chosen"])
def test_balancing_keeps_peoples_sides_where_balance_allows(exercise: AdvocacyDebate) -> None:
    """14 for and 6 against: four of the for side move, nobody else changes side."""
    people = crowd(20)
    before = {p.id: ("for-1" if n < 14 else "against-1") for n, p in enumerate(people)}
    meta = meta_at(exercise, "arguments")
    effects = host(state_of(meta, people, teams_store(before)), act("balance_teams"))
    after = teams_in(commit(teams_store(before), effects))
    assert set(after) == set(before)
    assert_balanced(after, exercise.team_size)
    moved = {p for p in before if sides_of(before)[p] != sides_of(after)[p]}
    assert len(moved) == 4
    assert all(sides_of(before)[p] == "for" for p in moved)
    assert effects.notice == "Teams formed: 10 for, 10 against."


def test_balancing_balanced_sides_moves_nobody_to_the_other_side() -> None:
    people = crowd(6)
    before = {p.id: ("for-1" if n % 2 else "against-1") for n, p in enumerate(people)}
    meta = meta_at(EXERCISE, "rebuttals")
    effects = host(state_of(meta, people, teams_store(before)), act("balance_teams"))
    after = teams_in(commit(teams_store(before), effects))
    assert sides_of(after) == sides_of(before)


def test_balancing_a_run_that_is_not_a_debate_is_rejected() -> None:
    meta = engine.new_room("ABC234", "hash", now=0.0)
    assert (
        rejection(host, state_of(meta, []), act("balance_teams")) == "Nothing is running right now."
    )


# Choosing sides


def test_choosing_a_side_in_the_teams_phase_puts_you_on_its_first_team() -> None:
    meta = meta_at(CHOOSING, "teams")
    state = state_of(meta, crowd(2))
    effects = by(state, person(1), act("choose_side", side="against", seen_phase="r1.0:teams"))
    assert effects.writes == (Write.put("run:r1:0:teams", "p01", "against-1"),)
    assert effects.notice == "You are on the against side ✓"
    store = commit({}, effects)
    again = by(state_of(meta, crowd(2), store), person(1), act("choose_side", side="against"))
    assert (again.writes, again.notice) == ((), "You are already on that side.")
    switched = by(state_of(meta, crowd(2), store), person(1), act("choose_side", side="for"))
    assert switched.writes == (Write.put("run:r1:0:teams", "p01", "for-1"),)


@pytest.mark.parametrize("phase", ["case", "first_vote", "arguments", "rebuttals", "verdict"])
def test_sides_can_be_chosen_only_in_the_teams_phase(phase: str) -> None:
    state = state_of(meta_at(CHOOSING, phase), crowd(2))
    message = rejection(by, state, person(1), act("choose_side", side="for"))
    assert message == "Sides are not chosen by hand in this debate."


def test_sides_cannot_be_chosen_when_the_exercise_draws_them() -> None:
    state = state_of(meta_at(EXERCISE, "teams"), crowd(2))
    message = rejection(by, state, person(1), act("choose_side", side="for"))
    assert message == "Sides are not chosen by hand in this debate."


def test_with_chosen_sides_nobody_is_drawn_on_reaching_teams() -> None:
    meta = meta_at(CHOOSING, "first_vote")
    effects = host(state_of(meta, crowd(5)), act("next_phase"))
    assert effects.meta is not None
    assert key_of(effects.meta) == "r1.0:teams"
    assert effects.writes == ()


def test_leaving_teams_places_whoever_did_not_choose_and_keeps_the_choosers() -> None:
    meta = meta_at(CHOOSING, "teams")
    chosen = {"p01": "for-1", "p02": "for-1", "p03": "for-1"}
    effects = host(state_of(meta, crowd(5), teams_store(chosen)), act("next_phase"))
    assert effects.meta is not None
    assert key_of(effects.meta) == "r1.0:arguments"
    teams = teams_in(commit(teams_store(chosen), effects))
    assert set(teams) == {p.id for p in crowd(5)}
    assert sides_of(teams) == {
        "p01": "for",
        "p02": "for",
        "p03": "for",
        "p04": "against",
        "p05": "against",
    }
    assert_balanced(teams, CHOOSING.team_size)


def test_leaving_teams_evens_out_a_side_everyone_chose() -> None:
    meta = meta_at(CHOOSING, "teams")
    chosen = {p.id: "for-1" for p in crowd(7)}
    effects = host(state_of(meta, crowd(8), teams_store(chosen)), act("next_phase"))
    teams = teams_in(commit(teams_store(chosen), effects))
    assert side_sizes(teams) == {"for": 4, "against": 4}
    assert sides_of(teams)["p08"] == "against"
    assert_balanced(teams, CHOOSING.team_size)


def test_while_people_are_choosing_a_newcomer_does_not_seat_everyone_who_has_not_chosen() -> None:
    """With chosen sides the teams are formed on leaving "teams"; a join during it must leave the
    people who have not chosen yet free to choose (and to be placed when the phase closes)."""
    meta = meta_at(CHOOSING, "teams")
    chosen = {"p01": "for-1"}
    effects = host(state_of(meta, crowd(5), teams_store(chosen)), act("reseat"))
    assert effects.writes == ()


# The projector


def test_the_projector_says_how_many_voted_both_times() -> None:
    room = Room(phase="first_vote", store={})
    for voter, choice in (("p01", "for"), ("p02", "for"), ("p03", "against"), ("p04", "for")):
        room.vote(voter, choice)
    room.phase = "final_vote"
    for voter, choice in (("p01", "against"), ("p02", "for"), ("p04", "against"), ("p05", "for")):
        room.vote(voter, choice)
    people = [*crowd(3), person(4, removed=True), person(5)]
    view = stage_view(
        state_of(meta_at(EXERCISE, "verdict"), people, room.store), Audience("screen")
    )
    assert view is not None and isinstance(view.view, DebateView)
    assert view.view.both == 2
    assert view.view.winner == "Against"


# Whose phone a change concerns: random plays, checked write by write (see `tests/unit/touched.py`)


@dataclass(frozen=True)
class Turn:
    """One decision of a random play. `who` and `post` pick by position (modulo what there is),
    so most turns name someone present or a post that is there."""

    kind: str
    """A decision, or "act": what the step asks of participants (a vote, a side, a post; an
    upvote when `on` is false while posts are written)."""
    who: int = 0
    post: int = 0
    choice: str = "for"
    on: bool = True

    def at(self, phase: str) -> "Turn":
        """The turn as taken at `phase`."""
        if self.kind != "act":
            return self
        asked = {
            "first_vote": "vote",
            "final_vote": "vote",
            "teams": "side",
            "arguments": "post" if self.on else "upvote",
            "rebuttals": "rebut" if self.on else "upvote",
        }
        side = self.choice if self.choice in SIDES else "against"
        choice = side if phase == "teams" else self.choice
        return replace(self, kind=asked.get(phase, "next"), choice=choice, on=True)


positions = st.integers(0, 30)
turns = st.one_of(
    st.builds(Turn, kind=st.sampled_from(("next", "next", "back"))),
    st.builds(
        Turn,
        kind=st.just("act"),
        who=positions,
        post=positions,
        choice=st.sampled_from(CHOICES),
        on=st.booleans(),
    ),
    st.builds(Turn, kind=st.just("act"), who=positions, post=positions, on=st.booleans()),
    st.builds(Turn, kind=st.just("vote"), who=positions, choice=st.sampled_from(CHOICES)),
    st.builds(Turn, kind=st.just("post"), who=positions),
    st.builds(Turn, kind=st.just("rebut"), who=positions, post=positions),
    st.builds(Turn, kind=st.just("upvote"), who=positions, post=positions, on=st.booleans()),
    st.builds(Turn, kind=st.just("upvote"), who=positions, post=positions),
    st.builds(Turn, kind=st.just("hide"), post=positions, on=st.booleans()),
    st.builds(Turn, kind=st.just("side"), who=positions, choice=st.sampled_from(SIDES)),
    st.builds(Turn, kind=st.sampled_from(("balance", "reseat", "join", "remove")), who=positions),
)
STARTS = ("case", "first_vote", "teams", "arguments", "rebuttals", "final_vote")
"""Where a play starts: teams stand from "teams" on (but while people choose their side)."""


def posts_now(state: RoomState, arguments: bool = False) -> list[str]:
    run = state.current_run
    assert run is not None
    debate = Debate.decode(state.run_data, Names.of(run.hash(f"{run.round}:")))
    return sorted(p for p, post in debate.posts.items() if not arguments or post.kind == "argument")


def decision(asked: Turn, number: int) -> Callable[[RoomState], Effects]:
    """What a turn does to the room it is taken in (the `number`th turn of the play)."""

    def decide(state: RoomState) -> Effects:
        seen = key_of(state.meta)
        assert state.current_run is not None
        turn = asked.at(state.current_run.current_phase.name)
        present = state.present
        if not present and turn.kind not in ("next", "back", "join", "balance", "reseat"):
            raise Rejected("Nobody is left.")
        who = present[turn.who % len(present)] if present else None
        posts = posts_now(state, arguments=turn.kind == "rebut") or ["nobody.none"]
        post = posts[turn.post % len(posts)]
        match turn.kind:
            case "next" | "back":
                kind = "next_phase" if turn.kind == "next" else "previous_phase"
                return host(state, act(kind, seen_phase=seen))
            case "join":
                return engine.join(state, f"new{number:03d}", f"Newcomer {number}", float(number))
            case "balance":
                return host(state, act("balance_teams"))
            case "reseat":
                return host(state, act("reseat"))
            case "hide":
                return host(state, act("hide_post", post=post, hidden=turn.on))
        assert who is not None
        match turn.kind:
            case "vote":
                return by(state, who, act("vote", seen_phase=seen, option=turn.choice))
            case "post":
                return by(state, who, act("post", seen_phase=seen, text=f"Point {number}."))
            case "rebut":
                text = f"Answer {number}."
                return by(state, who, act("post", seen_phase=seen, text=text, answers=post))
            case "upvote":
                return by(state, who, act("upvote", seen_phase=seen, post=post, on=turn.on))
            case "side":
                return by(state, who, act("choose_side", seen_phase=seen, side=turn.choice))
            case "remove":
                return host(state, act("remove_participant", participant_id=who.id))
        raise AssertionError(turn.kind)

    return decide


def play_debate(exercise: AdvocacyDebate, start: str, sequence: Sequence[Turn]) -> Played:
    """Plays the turns from `start` in the first round, with seven people in the room (on teams
    drawn for them once teams stand, with a few arguments once they are written), every write
    checked."""
    people = crowd(7)
    store: Store = {}
    if ad.teams_stand(exercise.choose_sides, start):
        store = teams_store(split_teams([p.id for p in people], exercise.team_size, "seed"))
    if start in ("arguments", "rebuttals"):
        # An argument from each of the first five, so upvotes and rebuttals find some.
        room = Room(phase="arguments", store=store)
        for author in people[:5]:
            room.post(author.id)
        store = room.store
    played = Played.of(state_of(meta_at(exercise, start), people, store))
    for _ in played.play(decision(turn, n) for n, turn in enumerate(sequence)):
        pass
    return played


@settings(max_examples=150, deadline=None, database=None, derandomize=True)
@given(
    exercise=st.sampled_from((EXERCISE, CHOOSING)),
    start=st.sampled_from(STARTS),
    sequence=st.lists(turns, min_size=20, max_size=80),
)
def test_every_phone_whose_key_a_write_changes_is_one_it_touches(
    exercise: AdvocacyDebate, start: str, sequence: list[Turn]
) -> None:
    """The hub draws, of the phones that show the same, only one unless a change touched the
    others: any write the rules make must name whoever's key it changes, and phones with equal
    keys must be shown the same stage."""
    play_debate(exercise, start, sequence)


def assert_each_phone_shows_its_own(state: RoomState) -> None:
    """Each phone present shows what is its own, worked out here from the round itself: its vote,
    its team, its teammates, which of its side's arguments it wrote and which it upvoted (a
    stage drawn from a key that left any of these out would be shown to the wrong phone)."""
    run = state.current_run
    assert run is not None
    phase = run.current_phase.name
    debate = Debate.decode(state.run_data, Names.of(run.hash(f"{run.round}:")))
    for person in state.present:
        pid = person.id
        html = shared_html(state, pid)["stage"]
        if phase in ("first_vote", "final_vote"):
            chosen = (debate.first if phase == "first_vote" else debate.final).get(pid)
            assert html.count('aria-pressed="true"') == (chosen is not None), pid
            if chosen is not None:
                assert (
                    f'value="{chosen}">\n<button type="submit" class="choice-button chosen"' in html
                )
            continue
        if phase not in ("teams", "arguments", "rebuttals"):
            continue
        team = debate.teams.get(pid)
        if team is None:
            assert "Choose your side" in html or "Finding you a team" in html, pid
            continue
        assert f">{team_label(team)}</div>" in html, pid
        mates = sorted(
            p.name for p in state.present if debate.teams.get(p.id) == team and p.id != pid
        )
        assert (f"<span hx-disable>{', '.join(mates)}</span>" in html) == bool(mates), pid
        if phase == "arguments":
            listed = debate.shown("argument", side_of_team(team))
            mine = sum(debate.posts[p].author == pid for p in listed)
            upvoted = sum(
                pid in debate.upvotes.get(p, set()) and debate.posts[p].author != pid
                for p in listed
            )
            assert html.count('<span class="badge">yours</span>') == mine, pid
            assert html.count(">Take back upvote</button>") == upvoted, pid


@settings(max_examples=40, deadline=None, database=None, derandomize=True)
@given(
    exercise=st.sampled_from((EXERCISE, CHOOSING)),
    start=st.sampled_from(STARTS),
    sequence=st.lists(turns, min_size=20, max_size=80),
)
def test_each_phone_drawn_from_its_key_shows_its_own_vote_team_and_posts(
    exercise: AdvocacyDebate, start: str, sequence: list[Turn]
) -> None:
    """A key that names too little would draw phones alike that are not: this checks each
    phone's stage against what the round says is its own."""
    played = play_debate(exercise, start, [])
    for state in played.play(decision(turn, n) for n, turn in enumerate(sequence)):
        assert_each_phone_shows_its_own(state)


ARGUED = [Turn("act", who=n, choice="for", on=True) for n in range(7)] + [
    Turn("act", who=n, post=n + 3, on=False) for n in range(7)
]
"""At the arguments: everyone posts, then everyone tries an upvote."""


def test_a_play_through_votes_teams_and_posts_checks_writes_and_shared_stages() -> None:
    voted = [Turn("next")] + [Turn("act", who=n, choice=CHOICES[n % 3]) for n in range(7)]
    played = play_debate(EXERCISE, "case", [*voted, Turn("next"), Turn("next"), *ARGUED])
    state = played.state
    assert state.current_run is not None and state.current_run.current_phase.name == "arguments"
    assert len(state.data(NAMES.first)) == 7 and len(state.data(NAMES.posts)) == 7
    assert state.data(NAMES.upvotes)
    # Every vote and every post was checked; the voters of each choice shared a stage, and so
    # did the seven phones at the case.
    assert played.writes_checked >= 7 + 7
    assert played.groups_compared >= 4


def test_voters_share_a_stage_by_choice_and_phones_with_a_team_are_drawn_alone() -> None:
    people = [*crowd(6), person(7, removed=True)]
    store = teams_store({"p01": "for-1", "p02": "for-1", "p03": "against-1"})
    store[NAMES.first] = {"p01": "for", "p02": "for", "p03": "against", "p07": "for"}

    def stages(phase: str) -> dict[str, Any]:
        keys = phone_keys(state_of(meta_at(EXERCISE, phase), people, store))
        return {p.id: keys(p.id)[1][0] for p in people}

    voting = stages("first_vote")
    assert voting["p01"] == voting["p02"] != voting["p03"]
    assert voting["p04"] == voting["p05"] == voting["p06"] not in (voting["p01"], voting["p03"])
    for phase in ("case", "verdict"):
        assert len(set(stages(phase).values()) - {stages(phase)["p07"]}) == 1, phase
    for phase in ("teams", "arguments", "rebuttals"):
        seated = stages(phase)
        assert len({seated["p01"], seated["p02"], seated["p03"]}) == 3, phase
        assert seated["p04"] == seated["p05"] == seated["p06"] != seated["p01"], phase


def test_a_phone_with_a_team_shows_its_team_mates_own_posts_and_upvotes() -> None:
    room = Room(phase="arguments")
    ours = room.post("f1", "Loyalty pays.")
    theirs = room.post("f2", "The margin holds.")
    room.upvote("f1", theirs)
    people = [Participant(id=p, name=p.upper(), joined_at=1.0) for p in (*FOR_TEAM, *AGAINST_TEAM)]
    state = state_of(meta_at(EXERCISE, "arguments"), people, room.store)
    view = stage_view(state, Audience("phone", "f1"))
    assert view is not None and isinstance(view.view, DebateView)
    assert view.view.teammates == ["F2", "F3"] and view.view.my_team == "For · team 1"
    assert [(p.id, p.mine, p.upvoted) for p in view.view.own_posts] == [
        (theirs, False, True),
        (ours, True, False),
    ]
    html = shared_html(state, "f1")["stage"]
    assert "with <span hx-disable>F2, F3</span>" in html
    assert html.count("yours") == 1 and html.count("Take back upvote") == 1
    against = shared_html(state, "a1")["stage"]
    assert "Loyalty pays." not in against and "with <span hx-disable>A2, A3</span>" in against


def test_the_round_is_worked_out_once_for_every_screen_drawn_from_a_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    room = Room(phase="arguments")
    for author in (*FOR_TEAM, *AGAINST_TEAM):
        room.post(author)
    people = [Participant(id=p, name=p.upper(), joined_at=1.0) for p in (*FOR_TEAM, *AGAINST_TEAM)]
    state = state_of(meta_at(EXERCISE, "arguments"), people, room.store)
    decoded = []
    decode = Debate.decode.__func__  # type: ignore[attr-defined]

    def counted(cls: type[Debate], *args: Any) -> Debate:
        decoded.append(args)
        return decode(cls, *args)  # type: ignore[no-any-return]

    monkeypatch.setattr(Debate, "decode", classmethod(counted))
    for audience in [Audience("host"), Audience("screen")] + [
        Audience("phone", p.id) for p in people
    ]:
        assert stage_view(state, audience) is not None
    assert len(decoded) == 1


def test_votes_and_seats_touch_one_phone_and_posts_none() -> None:
    def touched(phase: str, write: Write) -> object:
        run = meta_at(EXERCISE, phase).current_run
        assert run is not None
        return ad.KIND.phones_touched(run, write)

    assert touched("first_vote", Write.put(NAMES.first, "p01", "for")) == ("p01",)
    assert touched("final_vote", Write.put(NAMES.final, "p01", "for")) == ("p01",)
    assert touched("final_vote", Write.put(NAMES.first, "p01", "for")) == ()
    assert touched("teams", Write.put(NAMES.teams, "p02", "for-1")) == ("p02",)
    assert touched("first_vote", Write.put(NAMES.teams, "p02", "for-1")) == ()
    for phase in ("arguments", "rebuttals"):
        for name in (NAMES.posts, NAMES.upvotes, NAMES.hidden):
            assert touched(phase, Write.put(name, "p01.x", "1")) == ()
    for phase in ("case", "verdict"):
        assert touched(phase, Write.put(NAMES.teams, "p02", "for-1")) == ()


def test_a_phones_touched_that_misses_a_vote_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check can fail: a kind that says a vote touches nobody is caught at once."""
    monkeypatch.setattr(type(ad.KIND), "phones_touched", lambda self, run, write: ())
    with pytest.raises(AssertionError, match="not touched"):
        play_debate(EXERCISE, "first_vote", [Turn("act", who=1, choice="for")])
