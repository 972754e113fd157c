"""The respectful-challenge pairs rules in `workshop.kinds.challenge_pairs`, and how the engine
drives them: pairing, re-seating, moves by hand, roles, ratings and the debrief summary.

The decisions return `Effects` or plain pair maps. `commit` below plays Effects against a plain dict
of hashes (checking every compare-and-set guard first), so a sequence of engine decisions can be
followed the way a room would see it. The exercise is the real one from the library. No other I/O.
"""

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.unit.memory_store import Store, commit
from tests.unit.touched import Played
from workshop import engine, render
from workshop.actions import Action, action_adapter
from workshop.effects import Effects, Read, Write
from workshop.engine import HOST, Actor
from workshop.errors import Rejected
from workshop.exercises import load_library
from workshop.feedback import feedback_view
from workshop.kinds import challenge_pairs as cp
from workshop.kinds.challenge_pairs import (
    HABITS,
    ChallengePairs,
    HabitSummary,
    Half,
    Names,
    Pair,
    Rating,
    Role,
    decode_pairs,
    decode_ratings,
    make_pairs,
    move,
    pair_writes,
    pairs_from_groups,
    partners_so_far,
    rate,
    rebalance,
    summarise,
)
from workshop.kinds.challenge_pairs.content import RUBRIC
from workshop.kinds.challenge_pairs.views import RubricHabit, pairs_view
from workshop.models import Participant, RoomMeta, RoomState, Run
from workshop.render import Audience
from workshop.settings import DEFAULT_EXERCISES

Groups = list[list[str]]

LIBRARY = load_library(DEFAULT_EXERCISES).exercises
_loaded = LIBRARY["challenge-pairs-respectful-challenge"]
assert isinstance(_loaded, ChallengePairs)
EXERCISE: ChallengePairs = _loaded
"""The real exercise from the library, loaded once."""
PHASE_NAMES = [
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
]

NAMES = Names.of("run:r1:0:")
"""The first round's hashes of run r1, named as the engine names them."""

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, database=None, derandomize=True)


def people(count: int, prefix: str = "u") -> list[str]:
    return [f"{prefix}{number:04d}" for number in range(count)]


def rejection(call: Any, *args: Any) -> str:
    with pytest.raises(Rejected) as caught:
        call(*args)
    return caught.value.message


def repeats(
    groups: Sequence[Sequence[str]], history: Mapping[str, set[str]]
) -> list[tuple[str, str]]:
    """Every two people sharing a group who have already been together in an earlier round."""
    return [
        (a, b)
        for group in groups
        for a, b in itertools.combinations(group, 2)
        if b in history.get(a, set())
    ]


def assert_everyone_once(groups: Sequence[Sequence[str]], present: Sequence[str]) -> None:
    seated = [member for group in groups for member in group]
    assert sorted(seated) == sorted(present), "someone is missing, seated twice or not present"


def groups_of(pairs: Mapping[str, Pair]) -> Groups:
    return [list(pair.members) for pair in pairs.values()]


# Content model and small helpers


def test_every_round_is_one_case_with_its_pairs_and_ratings() -> None:
    exercise = EXERCISE
    assert cp.rounds(exercise) == len(exercise.cases) == 3
    assert cp.data_names(exercise) == (
        "0:pairs",
        "0:ratings",
        "1:pairs",
        "1:ratings",
        "2:pairs",
        "2:ratings",
    )
    assert [phase.name for phase in cp.PHASES] == PHASE_NAMES


@pytest.mark.parametrize(
    ("phase", "half"),
    [
        ("brief", None),
        ("pair", None),
        ("read", 1),
        ("converse", 1),
        ("rate", 1),
        ("read_swap", 2),
        ("swap", 2),
        ("rate_swap", 2),
        ("trio", 3),
        ("rate_trio", 3),
        ("debrief", None),
    ],
)
def test_reading_talking_and_rating_belong_to_the_first_the_swapped_or_the_trio_talk(
    phase: str, half: int | None
) -> None:
    assert cp.half_of(phase) == half
    assert cp.talk_now(phase) == (half or (4 if phase == "debrief" else 0))


def test_each_talk_has_a_reading_step_before_it_and_a_rating_step_after_it() -> None:
    names = [phase.name for phase in cp.PHASES]
    for reading, talking in zip(cp.READING, cp.TALKING, strict=False):
        assert names.index(reading) + 1 == names.index(talking)
    for rating, talk in cp.RATING.items():
        talking = cp.TALKING[talk - 1]
        assert names.index(rating) == names.index(talking) + 1
    assert list(cp.MINUTES) == names
    assert cp.MINUTES["read"] == cp.MINUTES["read_swap"] == 2
    reads = [phase for phase in cp.PHASES if phase.name in cp.READING]
    assert [phase.title for phase in reads] == ["Read your card", "Read your new card"]
    assert all("2 minutes" in phase.host_hint for phase in reads)


def test_the_trio_turn_replays_the_first_cards_and_the_swap_has_its_own() -> None:
    case = EXERCISE.cases[0]
    assert case.cards(1) == case.cards(3) == case.first
    assert case.cards(2) == case.swapped


def test_a_pair_id_is_p_and_its_number_and_the_colours_cycle() -> None:
    first = Pair(number=1, members=["a", "b"])
    ninth = Pair(number=len(cp.COLOURS) + 1, members=["a", "b"])
    assert first.id == "p1"
    assert ninth.id == f"p{len(cp.COLOURS) + 1}"
    assert first.colour == ninth.colour == cp.COLOURS[0]


# Roles


def test_the_first_member_challenges_first_and_is_the_customer_after_the_swap() -> None:
    pair = Pair(number=1, members=["ada", "ben"])
    assert pair.role_of("ada", 1) == "challenger"
    assert pair.role_of("ada", 2) == "customer"
    assert pair.role_of("ben", 1) == "customer"
    assert pair.role_of("ben", 2) == "challenger"
    assert pair.challenger(1) == "ada"
    assert pair.challenger(2) == "ben"


def test_a_trio_rotates_so_that_each_challenges_once_is_customer_once_and_observes_once() -> None:
    trio = Pair(number=2, members=["ada", "ben", "cy"])
    assert [trio.role_of("ada", half) for half in cp.TALKS] == [
        "challenger",
        "observer",
        "customer",
    ]
    assert [trio.role_of("ben", half) for half in cp.TALKS] == [
        "customer",
        "challenger",
        "observer",
    ]
    assert [trio.role_of("cy", half) for half in cp.TALKS] == ["observer", "customer", "challenger"]
    assert [trio.challenger(half) for half in cp.TALKS] == ["ada", "ben", "cy"]
    assert [trio.talkers(half) for half in cp.TALKS] == [
        ("ada", "ben"),
        ("ben", "cy"),
        ("cy", "ada"),
    ]


def test_a_pair_sits_out_the_trio_turn() -> None:
    pair = Pair(number=1, members=["ada", "ben"])
    assert pair.role_of("ada", 3) is None
    assert pair.role_of("ben", 3) is None
    assert pair.challenger(3) is None
    assert pair.talkers(3) is None


@pytest.mark.parametrize(
    ("since", "roles"),
    [
        # Joined during the first talk: observes it, then the trio rotates.
        (
            1,
            {
                "ada": ["challenger", "observer", "customer"],
                "cy": ["observer", "customer", "challenger"],
            },
        ),
        # Joined during the swapped talk: the pair's talk goes on; the newcomer challenges in the
        # trio's turn.
        (
            2,
            {
                "ada": ["challenger", "customer", "customer"],
                "cy": ["observer", "observer", "challenger"],
            },
        ),
        # Joined during the trio's turn: challenges in it at once.
        (
            3,
            {
                "ada": ["challenger", "customer", "customer"],
                "cy": ["observer", "observer", "challenger"],
            },
        ),
        # Joined at the debrief: plays no talk.
        (4, {"ada": ["challenger", "customer", None], "cy": ["observer", "observer", None]}),
    ],
)
def test_a_late_third_member_observes_the_talk_under_way_and_challenges_later(
    since: int, roles: dict[str, list[str | None]]
) -> None:
    trio = Pair(number=1, members=["ada", "ben", "cy"], since=since)
    for who, expected in roles.items():
        assert [trio.role_of(who, half) for half in cp.TALKS] == expected


def test_a_pair_stored_before_trios_rotated_still_decodes() -> None:
    old = '{"number": 1, "members": ["a", "b", "c"]}'
    assert decode_pairs({"p1": old}) == {"p1": Pair(number=1, members=["a", "b", "c"], since=0)}


def test_someone_outside_the_pair_has_no_role_and_a_single_has_no_challenger() -> None:
    pair = Pair(number=1, members=["ada", "ben"])
    assert pair.role_of("cy", 1) is None
    single = Pair(number=3, members=["dan"])
    assert single.role_of("dan", 1) is None
    assert single.role_of("dan", 2) is None
    assert single.challenger(1) is None
    assert single.challenger(2) is None


@given(
    size=st.integers(min_value=2, max_value=3),
    half=st.sampled_from(cp.TALKS),
    since=st.integers(min_value=0, max_value=4),
)
def test_every_group_that_talks_has_exactly_one_challenger_who_is_a_member(
    size: int, half: Half, since: int
) -> None:
    pair = Pair(number=1, members=people(size), since=since)
    roles = [pair.role_of(member, half) for member in pair.members]
    if pair.challenger(half) is None:
        assert roles == [None] * size
        assert half == 3
        return
    assert roles.count("challenger") == 1
    assert roles.count("customer") == 1
    assert roles.count("observer") == size - 2
    assert pair.members[roles.index("challenger")] == pair.challenger(half)


@given(since=st.integers(min_value=0, max_value=3))
def test_every_member_of_a_trio_challenges_exactly_once(since: int) -> None:
    trio = Pair(number=1, members=people(3), since=since)
    challengers = [trio.challenger(half) for half in cp.TALKS]
    assert sorted(c or "" for c in challengers) == sorted(trio.members)


# Who has been with whom


def test_partners_so_far_counts_everyone_in_a_trio_as_partners_of_each_other() -> None:
    first = pairs_from_groups([["a", "b", "c"], ["d", "e"]])
    second = pairs_from_groups([["a", "d"], ["b", "e", "c"]])
    assert partners_so_far([first, second]) == {
        "a": {"b", "c", "d"},
        "b": {"a", "c", "e"},
        "c": {"a", "b", "e"},
        "d": {"e", "a"},
        "e": {"d", "b", "c"},
    }
    assert partners_so_far([]) == {}


def test_pairs_from_groups_numbers_from_one_in_order() -> None:
    pairs = pairs_from_groups([["a", "b"], ["c", "d", "e"]])
    assert pairs == {
        "p1": Pair(number=1, members=["a", "b"]),
        "p2": Pair(number=2, members=["c", "d", "e"]),
    }


def test_pairs_and_ratings_decode_from_their_hashes() -> None:
    stored = pairs_from_groups([["a", "b"], ["c", "d", "e"]])
    raw = {pair_id: pair.model_dump_json() for pair_id, pair in reversed(stored.items())}
    assert decode_pairs(raw) == stored
    assert list(decode_pairs(raw)) == ["p1", "p2"]
    rating = Rating(target="a", rater_role="customer", scores=dict.fromkeys(HABITS, 3))
    assert decode_ratings({"2|b": rating.model_dump_json()}) == {(2, "b"): rating}


# make_pairs: everyone once, one trio exactly for an odd count, the same result for the same seed

SIZES = st.one_of(st.integers(min_value=2, max_value=40), st.integers(min_value=41, max_value=2000))


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(n=SIZES, seed=st.text(max_size=8))
@example(n=2, seed="")
@example(n=3, seed="")
@example(n=1999, seed="room")
@example(n=2000, seed="room")
def test_make_pairs_seats_everyone_once_in_pairs_and_one_trio_for_an_odd_count(
    n: int, seed: str
) -> None:
    present = people(n)
    groups = make_pairs(present, {}, seed)
    assert_everyone_once(groups, present)
    sizes = sorted(len(group) for group in groups)
    assert set(sizes) <= {2, 3}
    assert sizes.count(3) == n % 2, "exactly one trio for an odd count, none for an even one"
    assert repeats(groups, {}) == []


@settings(max_examples=30, deadline=None, database=None, derandomize=True)
@given(n=SIZES, seed=st.text(max_size=8), rounds=st.integers(min_value=0, max_value=2))
@example(n=2000, seed="room", rounds=2)
def test_make_pairs_is_the_same_for_the_same_seed_whatever_the_order_of_arrival(
    n: int, seed: str, rounds: int
) -> None:
    present = people(n)
    history = partners_so_far(
        pairs_from_groups(make_pairs(present, {}, f"earlier-{r}")) for r in range(rounds)
    )
    once = make_pairs(present, history, seed)
    assert make_pairs(present, history, seed) == once
    assert make_pairs(list(reversed(present)), history, seed) == once


def test_different_seeds_give_different_pairs() -> None:
    present = people(40)
    assert make_pairs(present, {}, "one") != make_pairs(present, {}, "two")


def test_make_pairs_of_nobody_or_one_person() -> None:
    assert make_pairs([], {}, "s") == []
    assert make_pairs(["solo"], {}, "s") == [["solo"]]


# No repeated partner while a fresh grouping is possible


def fresh_groupings(members: Sequence[str], history: Mapping[str, set[str]]) -> Iterator[Groups]:
    """Every grouping of `members` into pairs (plus one trio for an odd count) in which nobody
    meets an earlier partner."""
    if not members:
        yield []
        return
    first, rest = members[0], list(members[1:])
    odd = len(members) % 2 == 1

    def fresh(*group: str) -> bool:
        return not repeats([group], history)

    if odd:
        for i, j in itertools.combinations(range(len(rest)), 2):
            if fresh(first, rest[i], rest[j]):
                others = [m for k, m in enumerate(rest) if k not in (i, j)]
                for tail in fresh_groupings(others, history):
                    yield [[first, rest[i], rest[j]], *tail]
    if len(members) == 1 or (odd and len(members) == 3):
        return
    for i, partner in enumerate(rest):
        if fresh(first, partner):
            for tail in fresh_groupings(rest[:i] + rest[i + 1 :], history):
                yield [[first, partner], *tail]


def fresh_grouping_exists(members: Sequence[str], history: Mapping[str, set[str]]) -> bool:
    return next(fresh_groupings(members, history), None) is not None


def test_the_brute_force_finds_every_grouping_of_five_six_and_seven() -> None:
    assert sum(1 for _ in fresh_groupings(people(6), {})) == 15
    assert sum(1 for _ in fresh_groupings(people(5), {})) == 10
    assert sum(1 for _ in fresh_groupings(people(7), {})) == 35 * 3
    everyone = {p: set(people(4)) - {p} for p in people(4)}
    assert not fresh_grouping_exists(people(4), everyone)


@PROPERTY_SETTINGS
@given(n=st.integers(min_value=4, max_value=10), seed=st.text(max_size=6))
@example(n=9, seed="70")
@example(n=9, seed="Caidnd")
def test_small_groups_meet_nobody_twice_while_a_fresh_grouping_exists(n: int, seed: str) -> None:
    """Round after round (each round's pairs feed the next round's history), as long as some
    grouping with no repeated partner exists, make_pairs finds one."""
    present = people(n)
    earlier: list[dict[str, Pair]] = []
    for round_number in range(n - 2):
        history = partners_so_far(earlier)
        if not fresh_grouping_exists(present, history):
            break
        groups = make_pairs(present, history, f"{seed}|{round_number}")
        assert repeats(groups, history) == [], (
            f"round {round_number + 1}: repeated partners although a fresh grouping exists"
        )
        earlier.append(pairs_from_groups(groups))


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(n=st.integers(min_value=11, max_value=40), seed=st.text(max_size=6))
def test_larger_groups_meet_nobody_twice_in_three_rounds(n: int, seed: str) -> None:
    present = people(n)
    earlier: list[dict[str, Pair]] = []
    for round_number in range(3):
        history = partners_so_far(earlier)
        groups = make_pairs(present, history, f"{seed}|{round_number}")
        assert repeats(groups, history) == []
        earlier.append(pairs_from_groups(groups))


def test_a_thousand_people_meet_nobody_twice_in_three_rounds() -> None:
    present = people(1000)
    earlier: list[dict[str, Pair]] = []
    for round_number in range(3):
        history = partners_so_far(earlier)
        groups = make_pairs(present, history, f"big|{round_number}")
        assert repeats(groups, history) == []
        earlier.append(pairs_from_groups(groups))


def test_when_a_repeat_cannot_be_avoided_everyone_is_still_paired() -> None:
    present = people(4)
    everyone = {p: set(present) - {p} for p in present}
    groups = make_pairs(present, everyone, "s")
    assert_everyone_once(groups, present)
    assert sorted(len(group) for group in groups) == [2, 2]


# rebalance: late joiners and leavers
#
# What rebalance guarantees, for any arrivals and departures after make_pairs:
# - everyone present is in exactly one group and nobody absent is in any;
# - every group has 2 or 3 members, except that one person may wait alone, and only when nobody
#   could take them: no pair they could join as observer, no trio whose observer could partner
#   them (so only when they are the only person present);
# - at most one trio (the facilitator may make more by hand with a move);
# - people already talking are not reshuffled: a group that still has two members keeps its number
#   and its first two members (the two in conversation), in order.


def assert_seating(pairs: Mapping[str, Pair], present: Sequence[str]) -> None:
    assert all(pair_id == pair.id for pair_id, pair in pairs.items())
    groups = groups_of(pairs)
    assert_everyone_once(groups, present)
    assert all(1 <= len(group) <= 3 for group in groups)
    numbers = [pair.number for pair in pairs.values()]
    assert len(numbers) == len(set(numbers))


def assert_nobody_waits_alone_needlessly(pairs: Mapping[str, Pair]) -> None:
    sizes = [len(pair.members) for pair in pairs.values()]
    assert sizes.count(1) <= 1, "more than one person waits alone"
    if 1 in sizes:
        assert 2 not in sizes, "someone waits alone although a pair could take them as observer"
        assert 3 not in sizes, "someone waits alone although a trio's observer could partner them"


def assert_stable(before: Mapping[str, Pair], after: Mapping[str, Pair], present: set[str]) -> None:
    for pair_id, pair in before.items():
        staying = [m for m in pair.members if m in present]
        if len(staying) >= 2:
            assert pair_id in after, f"{pair_id} was broken up although two of it are still here"
            assert after[pair_id].number == pair.number
            assert after[pair_id].members[:2] == staying[:2], f"{pair_id} was reshuffled"


Change = tuple[int, list[int]]
"""How many people arrive, and picks (by position among those present) of who leaves."""

CHANGES = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=3),
        st.lists(st.integers(min_value=0, max_value=10_000), max_size=3),
    ),
    min_size=1,
    max_size=12,
)


def replayed(
    start: int, changes: list[Change], at: int = 1
) -> Iterator[tuple[dict[str, Pair], dict[str, Pair], list[str]]]:
    """Pairs `start` people, then applies each change and re-seats (during talk `at`); yields
    (before, after, present) for every change. An earlier round's pairs make the history."""
    present = people(start)
    history = partners_so_far([pairs_from_groups(make_pairs(present, {}, "round-1"))])
    pairs = pairs_from_groups(make_pairs(present, history, "round-2"))
    arrived = 0
    for step, (arrivals, leavers) in enumerate(changes):
        for pick in leavers:
            if present:
                present.remove(present[pick % len(present)])
        for _ in range(arrivals):
            present.append(f"late{arrived:03d}")
            arrived += 1
        after = rebalance(pairs, present, history, f"seed-{step}", at)
        yield pairs, after, list(present)
        pairs = after


@PROPERTY_SETTINGS
@given(start=st.integers(min_value=2, max_value=30), changes=CHANGES)
def test_rebalance_seats_everyone_present_once_and_nobody_absent(
    start: int, changes: list[Change]
) -> None:
    for _, after, present in replayed(start, changes):
        assert_seating(after, present)


@PROPERTY_SETTINGS
@given(start=st.integers(min_value=2, max_value=30), changes=CHANGES)
def test_rebalance_keeps_people_who_are_talking_together(start: int, changes: list[Change]) -> None:
    for before, after, present in replayed(start, changes):
        assert_stable(before, after, set(present))


@PROPERTY_SETTINGS
@given(start=st.integers(min_value=2, max_value=30), changes=CHANGES)
def test_rebalance_leaves_nobody_waiting_alone_while_someone_could_take_them(
    start: int, changes: list[Change]
) -> None:
    for _, after, _present in replayed(start, changes):
        assert_nobody_waits_alone_needlessly(after)


@PROPERTY_SETTINGS
@given(start=st.integers(min_value=2, max_value=30), changes=CHANGES)
def test_rebalance_keeps_at_most_one_trio(start: int, changes: list[Change]) -> None:
    for _, after, present in replayed(start, changes):
        trios = [pair.id for pair in after.values() if len(pair.members) == 3]
        assert len(trios) <= 1, f"{len(present)} present and {len(trios)} trios: {trios}"


def test_rebalance_with_nobody_new_and_nobody_gone_changes_nothing() -> None:
    pairs = pairs_from_groups([["a", "b", "c"], ["d", "e"]])
    assert rebalance(pairs, ["e", "d", "c", "b", "a"], {}, "s") == pairs


def test_a_late_joiner_observes_a_pair_and_the_others_keep_their_seats() -> None:
    pairs = pairs_from_groups([["a", "b"], ["c", "d"]])
    after = rebalance(pairs, ["a", "b", "c", "d", "x"], {}, "s")
    assert_seating(after, ["a", "b", "c", "d", "x"])
    assert sorted(len(pair.members) for pair in after.values()) == [2, 3]
    joined = next(pair for pair in after.values() if "x" in pair.members)
    assert joined.members[2] == "x"
    assert joined.role_of("x", 1) == "observer"


def test_a_late_joiner_observes_a_pair_they_have_not_met_before() -> None:
    pairs = pairs_from_groups([["a", "b"], ["c", "d"]])
    history = {"x": {"a"}, "a": {"x"}}
    after = rebalance(pairs, ["a", "b", "c", "d", "x"], history, "s")
    assert after["p2"].members == ["c", "d", "x"]
    assert after["p1"] == pairs["p1"]


def test_two_late_joiners_pair_up_with_each_other_under_a_new_number() -> None:
    pairs = pairs_from_groups([["a", "b"], ["c", "d"]])
    after = rebalance(pairs, ["a", "b", "c", "d", "x", "y"], {}, "s")
    assert after["p1"] == pairs["p1"]
    assert after["p2"] == pairs["p2"]
    assert sorted(after["p3"].members) == ["x", "y"]
    assert after["p3"].number == 3


def test_partners_left_behind_pair_up_with_each_other() -> None:
    pairs = pairs_from_groups([["a", "b"], ["c", "d"], ["e", "f"]])
    after = rebalance(pairs, ["a", "d", "e", "f"], {}, "s")
    assert after["p3"] == pairs["p3"]
    assert sorted(groups_of(after)) == [["a", "d"], ["e", "f"]]


def test_a_trio_that_loses_a_member_carries_on_as_a_pair() -> None:
    pairs = pairs_from_groups([["a", "b", "c"], ["d", "e"]])
    after = rebalance(pairs, ["a", "c", "d", "e"], {}, "s")
    assert after == {"p1": Pair(number=1, members=["a", "c"]), "p2": pairs["p2"]}


def test_a_late_joiner_does_not_wait_alone_while_other_late_joiners_make_a_pair() -> None:
    """Three arrive while every existing group is a trio: the third should observe the new pair
    (or partner a trio's observer), not wait alone."""
    pairs = pairs_from_groups([["a", "b", "c"], ["d", "e", "f"]])
    present = ["a", "b", "c", "d", "e", "f", "x", "y", "z"]
    after = rebalance(pairs, present, {}, "s")
    assert_seating(after, present)
    assert_nobody_waits_alone_needlessly(after)


def test_a_partner_left_behind_does_not_wait_alone_next_to_a_trio() -> None:
    """e leaves; d is left alone while a trio could give up its observer to partner d."""
    pairs = pairs_from_groups([["a", "b", "c"], ["d", "e"]])
    after = rebalance(pairs, ["a", "b", "c", "d"], {}, "s")
    assert_seating(after, ["a", "b", "c", "d"])
    assert sorted(len(pair.members) for pair in after.values()) == [2, 2]


def test_a_late_joiner_next_to_a_trio_does_not_make_a_second_trio() -> None:
    """An odd room (one trio) gets one more person: the trio's observer should partner them."""
    pairs = pairs_from_groups([["a", "b", "c"], ["d", "e"]])
    after = rebalance(pairs, ["a", "b", "c", "d", "e", "x"], {}, "s")
    assert_seating(after, ["a", "b", "c", "d", "e", "x"])
    assert sorted(len(pair.members) for pair in after.values()) == [2, 2, 2]
    assert_stable(pairs, after, {"a", "b", "c", "d", "e", "x"})


def test_the_last_person_present_waits_alone() -> None:
    pairs = pairs_from_groups([["a", "b"]])
    after = rebalance(pairs, ["a"], {}, "s")
    assert groups_of(after) == [["a"]]
    assert rebalance(pairs, [], {}, "s") == {}


# rebalance while a talk is under way: trios rotate, so who talks depends on the talk. Whoever is
# talking goes on talking, in the same roles, while both of them stay.


def talking_in(pairs: Mapping[str, Pair], talk: Half) -> dict[tuple[str, str], str]:
    """(challenger, customer) -> group id, for every group talking in `talk`."""
    return {
        talkers: pair_id
        for pair_id, pair in pairs.items()
        if (talkers := pair.talkers(talk)) is not None
    }


@PROPERTY_SETTINGS
@given(
    start=st.integers(min_value=2, max_value=30),
    changes=CHANGES,
    at=st.sampled_from(cp.TALKS),
)
def test_rebalance_during_a_talk_keeps_its_challenger_and_customer_while_both_stay(
    start: int, changes: list[Change], at: Half
) -> None:
    for before, after, present in replayed(start, changes, at):
        here = set(present)
        assert_seating(after, present)
        assert_nobody_waits_alone_needlessly(after)
        now = talking_in(after, at)
        for talkers, pair_id in talking_in(before, at).items():
            if set(talkers) <= here:
                assert now.get(talkers) == pair_id, f"{talkers} stopped talking in {pair_id}"


@PROPERTY_SETTINGS
@given(start=st.integers(min_value=2, max_value=30), changes=CHANGES, at=st.sampled_from((1, 2)))
def test_rebalance_keeps_at_most_one_trio_outside_the_trio_turn(
    start: int, changes: list[Change], at: Half
) -> None:
    for _, after, _present in replayed(start, changes, at):
        assert sum(len(pair.members) == 3 for pair in after.values()) <= 1


def test_after_the_swap_the_observer_of_a_rotating_trio_partners_a_newcomer() -> None:
    """In talk 2 a trio's observer is its first member: they leave it to partner a late joiner;
    the trio's talk goes on as a pair's, with the same challenger and customer."""
    pairs = pairs_from_groups([["a", "b", "c"], ["d", "e"]])
    assert pairs["p1"].talkers(2) == ("b", "c")
    after = rebalance(pairs, ["a", "b", "c", "d", "e", "x"], {}, "s", at=2)
    assert after["p1"].members == ["c", "b"]
    assert after["p1"].talkers(2) == ("b", "c")
    assert after["p2"] == pairs["p2"]
    assert sorted(after["p3"].members) == ["a", "x"]


def test_a_late_joiner_after_the_swap_observes_and_challenges_in_the_trio_turn() -> None:
    pairs = pairs_from_groups([["a", "b"], ["c", "d"]])
    after = rebalance(pairs, ["a", "b", "c", "d", "x"], {}, "s", at=2)
    trio = next(pair for pair in after.values() if "x" in pair.members)
    before = pairs[trio.id]
    assert trio.talkers(2) == before.talkers(2)
    assert trio.role_of("x", 2) == "observer"
    assert trio.challenger(3) == "x"


def test_during_the_trio_turn_a_late_joiner_joins_a_pair_that_sits_it_out() -> None:
    pairs = pairs_from_groups([["a", "b", "c"], ["d", "e"]])
    after = rebalance(pairs, ["a", "b", "c", "d", "e", "x"], {}, "s", at=3)
    assert after["p1"] == pairs["p1"]
    assert after["p2"].members == ["d", "e", "x"]
    assert after["p2"].challenger(3) == "x"


def test_a_trio_that_loses_its_observer_in_its_turn_finishes_the_talk_as_two() -> None:
    pairs = pairs_from_groups([["a", "b", "c"], ["d", "e"]])
    assert pairs["p1"].talkers(3) == ("c", "a")
    after = rebalance(pairs, ["a", "c", "d", "e"], {}, "s", at=3)
    assert after["p1"].talkers(3) == ("c", "a")
    assert after["p2"].talkers(3) is None


# move: the facilitator's hand


def test_moving_into_a_full_trio_is_rejected() -> None:
    pairs = pairs_from_groups([["a", "b", "c"], ["d", "e"]])
    assert rejection(move, pairs, "d", "p1") == "That group already has three people."


def test_moving_into_a_pair_that_is_gone_is_rejected() -> None:
    pairs = pairs_from_groups([["a", "b"]])
    assert rejection(move, pairs, "a", "p9") == "That pair no longer exists."


def test_moving_to_new_makes_a_group_of_one_under_the_next_number() -> None:
    pairs = pairs_from_groups([["a", "b", "c"], ["d", "e"]])
    after = move(pairs, "c", "new")
    assert after == {
        "p1": Pair(number=1, members=["a", "b"]),
        "p2": pairs["p2"],
        "p3": Pair(number=3, members=["c"]),
    }


def test_a_group_emptied_by_a_move_disappears() -> None:
    pairs = pairs_from_groups([["a", "b"], ["c"]])
    after = move(pairs, "c", "p1")
    assert after == {"p1": Pair(number=1, members=["a", "b", "c"])}


@pytest.mark.parametrize("at", [1, 2, 3])
def test_a_late_joiner_moved_by_hand_observes_the_talk_under_way(at: Half) -> None:
    pairs = pairs_from_groups([["a", "b"]])
    after = move(pairs, "x", "p1", at)
    assert after["p1"].members == ["a", "b", "x"]
    if at < 3:
        assert after["p1"].role_of("x", at) == "observer"
        assert after["p1"].talkers(at) == pairs["p1"].talkers(at)
    # They challenge in the trio's turn, whenever they came.
    assert after["p1"].challenger(3) == "x"


def test_the_facilitator_can_make_a_second_trio_by_hand() -> None:
    pairs = pairs_from_groups([["a", "b", "c"], ["d", "e"]])
    after = move(pairs, "x", "p2")
    assert [len(pair.members) for pair in after.values()] == [3, 3]


@given(
    sizes=st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=6),
    who=st.integers(min_value=0, max_value=30),
    target=st.integers(min_value=0, max_value=7),
)
def test_after_a_move_the_mover_is_seated_exactly_once(
    sizes: list[int], who: int, target: int
) -> None:
    everyone = people(sum(sizes))
    cuts = list(itertools.accumulate(sizes, initial=0))
    pairs = pairs_from_groups([everyone[a:b] for a, b in itertools.pairwise(cuts)])
    mover = [*everyone, "outsider"][who % (len(everyone) + 1)]
    to_pair = [*pairs, "new"][target % (len(pairs) + 1)]
    try:
        after = move(pairs, mover, to_pair)
    except Rejected:
        assert to_pair != "new"
        assert len([m for m in pairs[to_pair].members if m != mover]) == 3
        return
    seated = [member for pair in after.values() for member in pair.members]
    assert seated.count(mover) == 1
    assert sorted(seated) == sorted({*everyone, mover})
    assert all(pair.members for pair in after.values())
    if to_pair != "new":
        assert mover in after[to_pair].members


# pair_writes


def test_pair_writes_touch_only_what_changed_each_guarded_by_what_it_replaces() -> None:
    before = pairs_from_groups([["a", "b"], ["c", "d"], ["e", "f"]])
    after = {
        "p1": before["p1"],
        "p2": Pair(number=2, members=["c", "d", "x"]),
        "p4": Pair(number=4, members=["y", "z"]),
    }
    writes, expects = pair_writes(NAMES, before, after)
    assert sorted(writes, key=lambda w: w.field) == [
        Write.put("run:r1:0:pairs", "p2", after["p2"].model_dump_json()),
        Write.remove("run:r1:0:pairs", "p3"),
        Write.put("run:r1:0:pairs", "p4", after["p4"].model_dump_json()),
    ]
    assert sorted(expects) == [
        ("run:r1:0:pairs", "p2", before["p2"].model_dump_json()),
        ("run:r1:0:pairs", "p3", before["p3"].model_dump_json()),
        ("run:r1:0:pairs", "p4", ""),
    ]
    assert pair_writes(NAMES, before, before) == ([], [])


# rate

ALL_THREES = dict.fromkeys(HABITS, 3)
TRIO = pairs_from_groups([["ada", "ben", "cy"], ["dan", "eve"], ["fay"]])


def rated(
    rater: str,
    phase: str = "rate",
    scores: Mapping[str, int] = ALL_THREES,
    landed: str = "",
    try_next: str = "",
) -> tuple[Write, Rating, str]:
    effects = rate(NAMES, TRIO, phase, rater, scores, landed, try_next)
    (write,) = effects.writes
    return write, Rating.model_validate_json(write.value), effects.notice


@pytest.mark.parametrize(
    "phase", ["brief", "pair", "read", "converse", "read_swap", "swap", "trio", "debrief"]
)
def test_ratings_are_collected_only_after_each_conversation(phase: str) -> None:
    message = rejection(rate, NAMES, TRIO, phase, "ben", ALL_THREES, "", "")
    assert message == "Ratings are collected after each conversation."


@pytest.mark.parametrize(
    ("phase", "rater", "role", "target"),
    [
        ("rate", "ben", "customer", "ada"),
        ("rate", "cy", "observer", "ada"),
        ("rate", "ada", "challenger", "ada"),
        ("rate_swap", "cy", "customer", "ben"),
        ("rate_swap", "ada", "observer", "ben"),
        ("rate_swap", "ben", "challenger", "ben"),
        ("rate_trio", "ada", "customer", "cy"),
        ("rate_trio", "ben", "observer", "cy"),
        ("rate_trio", "cy", "challenger", "cy"),
        ("rate", "eve", "customer", "dan"),
        ("rate_swap", "dan", "customer", "eve"),
    ],
)
def test_customer_and_observer_rate_the_challenger_who_rates_themself(
    phase: str, rater: str, role: str, target: str
) -> None:
    half = cp.RATING[phase]
    write, rating, notice = rated(rater, phase)
    assert (write.op, write.hash, write.field) == ("put", "run:r1:0:ratings", f"{half}|{rater}")
    assert rating.target == target
    assert rating.rater_role == role
    assert rating.scores == ALL_THREES
    assert notice == ("Self-rating saved ✓" if role == "challenger" else "Rating saved ✓")


@pytest.mark.parametrize("habit", HABITS)
def test_a_missing_habit_is_rejected_naming_it(habit: str) -> None:
    scores = {h: 4 for h in HABITS if h != habit}
    message = rejection(rate, NAMES, TRIO, "rate", "ben", scores, "", "")
    assert message.startswith("Please rate every habit")
    assert cp.HABIT_LABELS[habit] in message
    others = [label for h, label in cp.HABIT_LABELS.items() if h != habit]
    assert not any(label in message for label in others)


def test_every_missing_habit_is_named() -> None:
    message = rejection(rate, NAMES, TRIO, "rate", "ben", {"candid": 2}, "", "")
    for habit in ("collaborative", "compassionate", "curious"):
        assert cp.HABIT_LABELS[habit] in message


@pytest.mark.parametrize("score", [0, 6, -1, 100])
def test_a_score_outside_one_to_five_is_rejected(score: int) -> None:
    scores = {**ALL_THREES, "curious": score}
    message = rejection(rate, NAMES, TRIO, "rate", "ben", scores, "", "")
    assert message == "Each habit is rated from 1 to 5."


@pytest.mark.parametrize("score", [1, 5])
def test_the_ends_of_the_scale_are_accepted(score: int) -> None:
    _, rating, _ = rated("ben", scores=dict.fromkeys(HABITS, score))
    assert set(rating.scores.values()) == {score}


def test_a_score_for_something_that_is_not_a_habit_is_not_stored() -> None:
    _, rating, _ = rated("ben", scores={**ALL_THREES, "charming": 5})
    assert set(rating.scores) == set(HABITS)


@pytest.mark.parametrize("field", ["landed", "try_next"])
def test_a_comment_over_200_characters_is_rejected(field: str) -> None:
    comments = {"landed": "", "try_next": "", field: "x" * 201}
    message = rejection(
        rate, NAMES, TRIO, "rate", "ben", ALL_THREES, comments["landed"], comments["try_next"]
    )
    assert "200" in message


def test_a_comment_of_200_characters_after_folding_white_space_is_accepted() -> None:
    text = "  " + "x" * 100 + " \n\t " + "y" * 99 + "   "
    _, rating, _ = rated("ben", landed=text, try_next="Ask  why\nfirst.")
    assert rating.landed == "x" * 100 + " " + "y" * 99
    assert len(rating.landed) == 200
    assert rating.try_next == "Ask why first."


def test_rating_twice_writes_the_same_field_so_it_counts_once() -> None:
    first, _, _ = rated("ben", scores=dict.fromkeys(HABITS, 2))
    second, latest, _ = rated("ben", scores=dict.fromkeys(HABITS, 5))
    assert (first.hash, first.field) == (second.hash, second.field)
    store = commit({}, Effects(writes=(first,)))
    store = commit(store, Effects(writes=(second,)))
    assert decode_ratings(store[NAMES.ratings]) == {(1, "ben"): latest}


def test_someone_waiting_alone_cannot_rate() -> None:
    message = rejection(rate, NAMES, TRIO, "rate", "fay", ALL_THREES, "", "")
    assert "waiting for a partner" in message


def test_someone_without_a_seat_cannot_rate() -> None:
    message = rejection(rate, NAMES, TRIO, "rate", "late", ALL_THREES, "", "")
    assert message == "You are not in a pair this round."


def test_a_pair_has_nothing_to_rate_in_the_trio_turn() -> None:
    message = rejection(rate, NAMES, TRIO, "rate_trio", "dan", ALL_THREES, "", "")
    assert message == "Only a trio plays this turn; your pair has nothing to rate now."


@pytest.mark.parametrize(
    ("phase", "eligible"),
    [
        ("rate", {"ada", "ben", "cy", "dan", "eve"}),
        ("rate_swap", {"ada", "ben", "cy", "dan", "eve"}),
        ("rate_trio", {"ada", "ben", "cy"}),
    ],
)
def test_who_may_rate_in_each_rating_step(phase: str, eligible: set[str]) -> None:
    everyone = {"ada", "ben", "cy", "dan", "eve", "fay", "late"}
    for rater in everyone:
        if rater in eligible:
            rated(rater, phase)
        else:
            rejection(rate, NAMES, TRIO, phase, rater, ALL_THREES, "", "")


# ticks: what the rater saw, from the case's checklist

CHECKLIST = ["Asked how she reads it.", "Waited through the silence.", "Left the decision to her."]


def ticked_by(ticks: Sequence[str], rater: str = "ben", phase: str = "rate") -> Rating:
    effects = rate(NAMES, TRIO, phase, rater, ALL_THREES, "", "", ticks, CHECKLIST)
    (write,) = effects.writes
    return Rating.model_validate_json(write.value)


@pytest.mark.parametrize("rater", ["ben", "cy", "ada"])
def test_every_rater_ticks_items_of_the_checklist_stored_by_number(rater: str) -> None:
    assert ticked_by(["3", "1"], rater).ticks == (1, 3)
    assert ticked_by([], rater).ticks == ()


def test_a_tick_sent_twice_counts_once() -> None:
    assert ticked_by(["2", "2", " 2 "]).ticks == (2,)


@pytest.mark.parametrize("tick", ["0", "4", "-1", "x", "", "1.5", "²", "9" * 30])
def test_a_tick_of_an_item_the_checklist_lacks_is_refused(tick: str) -> None:
    message = rejection(ticked_by, ["1", tick])
    assert message.endswith("is not on this case's checklist. Tick only the items on your screen.")
    assert len(message) < 120


def test_a_rating_stored_before_raters_ticked_still_decodes_with_no_ticks() -> None:
    old = '{"target": "a", "rater_role": "customer", "scores": {"candid": 3}, "landed": "x"}'
    assert decode_ratings({"1|b": old})[(1, "b")].ticks == ()


def test_the_tick_summary_counts_partners_and_self_apart() -> None:
    ratings = [
        Rating(target="t", rater_role="customer", scores=ALL_THREES, ticks=(1, 2)),
        Rating(target="t", rater_role="observer", scores=ALL_THREES, ticks=(1,)),
        Rating(target="t", rater_role="challenger", scores=ALL_THREES, ticks=(1, 3)),
        Rating(target="t", rater_role="customer", scores=ALL_THREES),
    ]
    rows = cp.summarise_ticks(ratings, CHECKLIST)
    assert [(r.number, r.item) for r in rows] == list(enumerate(CHECKLIST, start=1))
    assert [(r.partners, r.partner_ratings, r.own, r.self_ratings) for r in rows] == [
        (2, 3, 1, 1),
        (1, 3, 0, 1),
        (0, 3, 1, 1),
    ]
    assert [r.partners for r in cp.summarise_ticks([], CHECKLIST)] == [0, 0, 0]


# summarise


def rating(role: Role, **scores: int) -> Rating:
    return Rating(target="t", rater_role=role, scores={**ALL_THREES, **scores})


def summary_of(summaries: list[HabitSummary], habit: str) -> HabitSummary:
    (found,) = [s for s in summaries if s.habit == habit]
    return found


def test_the_summary_counts_partner_ratings_only_and_compares_self_with_partner() -> None:
    summaries = summarise(
        [
            rating("customer", candid=2),
            rating("observer", candid=4),
            rating("customer", candid=4),
            rating("challenger", candid=5),
            rating("challenger", candid=4),
        ]
    )
    assert [s.habit for s in summaries] == list(HABITS)
    candid = summary_of(summaries, "candid")
    assert candid.label == "Candid"
    assert candid.distribution == [0, 1, 0, 2, 0]
    assert candid.partner_mean == pytest.approx(10 / 3)
    assert candid.self_mean == pytest.approx(4.5)
    assert candid.gap == pytest.approx(4.5 - 10 / 3)
    curious = summary_of(summaries, "curious")
    assert curious.distribution == [0, 0, 3, 0, 0]
    assert curious.gap == pytest.approx(0.0)


def test_a_gap_needs_both_self_and_partner_ratings() -> None:
    only_self = summary_of(summarise([rating("challenger", candid=5)]), "candid")
    assert only_self.distribution == [0, 0, 0, 0, 0]
    assert only_self.partner_mean is None
    assert only_self.self_mean == 5
    assert only_self.gap is None
    only_partners = summary_of(summarise([rating("observer", candid=1)]), "candid")
    assert only_partners.self_mean is None
    assert only_partners.gap is None
    empty = summary_of(summarise([]), "candid")
    assert (empty.partner_mean, empty.self_mean, empty.gap) == (None, None, None)


def test_a_lower_self_rating_gives_a_negative_gap() -> None:
    summaries = summarise([rating("challenger", curious=2), rating("customer", curious=5)])
    assert summary_of(summaries, "curious").gap == pytest.approx(-3.0)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(("challenger", "customer", "observer")),
            st.fixed_dictionaries({h: st.integers(min_value=1, max_value=5) for h in HABITS}),
        ),
        max_size=30,
    )
)
def test_the_distribution_adds_up_to_the_partner_ratings(
    entries: list[tuple[Role, dict[str, int]]],
) -> None:
    ratings = [Rating(target="t", rater_role=role, scores=s) for role, s in entries]
    partners = [r for r in ratings if r.rater_role != "challenger"]
    for summary in summarise(ratings):
        assert sum(summary.distribution) == len(partners)
        if partners:
            values = [r.scores[summary.habit] for r in partners]
            assert summary.partner_mean == pytest.approx(sum(values) / len(values))


# Through the engine


_ids = itertools.count(1)


def act(kind: str, **fields: Any) -> Action:
    return action_adapter.validate_python(
        {"type": kind, "action_id": f"cp-unit-{next(_ids):08d}", **fields}
    )


def meta_at(round_number: int, phase: str) -> RoomMeta:
    run = Run(
        id="r1",
        exercise=EXERCISE,
        round=round_number,
        phase=PHASE_NAMES.index(phase),
        started=True,
    )
    return RoomMeta(
        code="ABC234",
        created_at=0.0,
        host_key_hash="hash",
        agenda=(run,),
        current="r1",
        runs_created=1,
    )


def person(pid: str, joined_at: float = 1.0, removed: bool = False) -> Participant:
    return Participant(id=pid, name=pid.title(), joined_at=joined_at, removed=removed)


def room(meta: RoomMeta, members: Sequence[Participant], store: Store | None = None) -> RoomState:
    return RoomState(
        meta=meta,
        rev=7,
        version=1,
        participants={p.id: p for p in members},
        run_data=dict(store or {}),
    )


def key_of(meta: RoomMeta) -> str:
    assert meta.current_run is not None
    return meta.current_run.phase_key


ROOM = [person(f"p{number}", joined_at=float(number)) for number in range(7)]
GONE = person("gone", joined_at=0.5, removed=True)
PRESENT = [p.id for p in ROOM]


def host(state: RoomState, action: Action) -> Effects:
    return engine.apply(state, HOST, action, LIBRARY, 0.0)


def pair_up(round_number: int, store: Store | None = None) -> tuple[Effects, Store]:
    """Next from the brief of `round_number` into "Pair up"; returns the effects and the store."""
    meta = meta_at(round_number, "brief")
    action = act("next_phase", seen_phase=key_of(meta))
    effects = host(room(meta, [*ROOM, GONE], store), action)
    return effects, commit(store or {}, effects)


def pairs_in(store: Store, round_number: int = 0) -> dict[str, Pair]:
    return decode_pairs(store.get(f"run:r1:{round_number}:pairs", {}))


def test_pair_actions_and_ratings_read_every_pairs_and_ratings_hash_of_the_run() -> None:
    meta = meta_at(0, "brief")
    everything = tuple(Read(f"run:r1:{name}") for name in cp.data_names(EXERCISE))
    for action in (
        act("next_phase"),
        act("repair_pairs"),
        act("move_participant", participant_id="p1", to_pair="p1"),
        act("reseat"),
    ):
        assert engine.reads(meta, HOST, action) == everything
    rating_action = act("rate", **ALL_THREES)
    assert engine.reads(meta, Actor("participant", "p1"), rating_action) == everything
    assert engine.reads(meta, HOST, act("timer_start", minutes=5)) == ()
    # Stepping back changes no seat, so it reads no pairs.
    assert engine.reads(meta, HOST, act("previous_phase")) == ()


def test_next_from_the_brief_pairs_everyone_present_and_moves_on() -> None:
    effects, store = pair_up(0)
    assert effects.meta is not None
    assert key_of(effects.meta) == "r1.0:pair"
    assert effects.notice == "Now: round 1, Pair up. 3 groups, 1 of them a trio."
    assert effects.writes
    assert {(w.op, w.hash) for w in effects.writes} == {("put", "run:r1:0:pairs")}
    assert sorted(effects.expect) == sorted(("run:r1:0:pairs", w.field, "") for w in effects.writes)
    pairs = pairs_in(store)
    assert_seating(pairs, PRESENT)
    assert GONE.id not in {m for pair in pairs.values() for m in pair.members}
    assert sorted(len(pair.members) for pair in pairs.values()) == [2, 2, 3]
    assert list(store) == ["run:r1:0:pairs"]


def test_next_into_pair_up_again_keeps_the_pairs_already_made() -> None:
    _, store = pair_up(0)
    effects, again = pair_up(0, store)
    assert effects.writes == ()
    assert effects.expect == ()
    assert again == store


def test_round_two_pairs_nobody_with_a_round_one_partner() -> None:
    _, store = pair_up(0)
    effects, store = pair_up(1, store)
    assert effects.meta is not None
    assert key_of(effects.meta) == "r1.1:pair"
    assert {w.hash for w in effects.writes} == {"run:r1:1:pairs"}
    first, second = pairs_in(store, 0), pairs_in(store, 1)
    assert_seating(second, PRESENT)
    assert repeats(groups_of(second), partners_so_far([first])) == []


def test_round_three_pairs_nobody_with_a_partner_from_either_earlier_round() -> None:
    _, store = pair_up(0)
    _, store = pair_up(1, store)
    _, store = pair_up(2, store)
    history = partners_so_far([pairs_in(store, 0), pairs_in(store, 1)])
    assert repeats(groups_of(pairs_in(store, 2)), history) == []


def test_going_back_to_pair_up_does_not_reshuffle() -> None:
    _, store = pair_up(0)
    meta = meta_at(0, "read")
    effects = host(room(meta, ROOM, store), act("previous_phase", seen_phase=key_of(meta)))
    assert effects.meta is not None
    assert key_of(effects.meta) == "r1.0:pair"
    assert effects.writes == ()


@pytest.mark.parametrize("phase", ["pair", "converse", "rate", "debrief"])
def test_rebalance_seats_a_late_joiner_and_leaves_the_others_where_they_are(phase: str) -> None:
    _, store = pair_up(0)
    before = pairs_in(store)
    late = person("late", joined_at=50.0)
    effects = host(room(meta_at(0, phase), [*ROOM, GONE, late], store), act("reseat"))
    assert effects.meta is None
    assert {w.hash for w in effects.writes} == {"run:r1:0:pairs"}
    store = commit(store, effects)
    after = pairs_in(store)
    assert_seating(after, [*PRESENT, late.id])
    assert_stable(before, after, {*PRESENT, late.id})


def test_rebalance_reseats_the_partner_of_someone_removed() -> None:
    _, store = pair_up(0)
    before = pairs_in(store)
    pair = next(p for p in before.values() if len(p.members) == 2)
    leaver = pair.members[0]
    still = [p if p.id != leaver else p.model_copy(update={"removed": True}) for p in ROOM]
    effects = host(room(meta_at(0, "converse"), still, store), act("reseat"))
    after = pairs_in(commit(store, effects))
    assert_seating(after, [pid for pid in PRESENT if pid != leaver])


def test_rebalance_before_pairs_exist_has_nothing_to_rearrange() -> None:
    effects = host(room(meta_at(0, "brief"), ROOM), act("reseat"))
    assert effects == Effects(notice="Nothing to rearrange.")
    effects = host(room(meta_at(0, "pair"), ROOM), act("reseat"))
    assert effects == Effects(notice="Nothing to rearrange.")


def test_repair_before_pair_up_is_rejected_and_after_it_pairs_everyone_afresh() -> None:
    meta = meta_at(0, "brief")
    message = rejection(host, room(meta, ROOM), act("repair_pairs", seen_phase=key_of(meta)))
    assert "Pair up" in message
    _, store = pair_up(0)
    meta = meta_at(0, "converse")
    effects = host(room(meta, ROOM, store), act("repair_pairs", seen_phase=key_of(meta)))
    assert_seating(pairs_in(commit(store, effects)), PRESENT)


def test_the_seats_are_kept_from_pair_up_to_the_debrief_but_not_in_the_brief() -> None:
    assert not engine.seats_people(meta_at(0, "brief"))
    assert not engine.seats_people(meta_at(1, "brief"))
    for phase in PHASE_NAMES[1:]:
        assert engine.seats_people(meta_at(0, phase))


def test_the_facilitator_can_make_a_second_trio_by_hand_and_rebalance_keeps_it() -> None:
    _, store = pair_up(0)
    pair = next(p for p in pairs_in(store).values() if len(p.members) == 2)
    late = person("late", joined_at=50.0)
    meta = meta_at(0, "converse")
    everyone = [*ROOM, late]
    action = act(
        "move_participant", participant_id=late.id, to_pair=pair.id, seen_phase=key_of(meta)
    )
    effects = host(room(meta, everyone, store), action)
    assert effects.notice == "Moved Late."
    assert effects.writes == (
        Write.put(
            "run:r1:0:pairs",
            pair.id,
            Pair(number=pair.number, members=[*pair.members, late.id]).model_dump_json(),
        ),
    )
    store = commit(store, effects)
    after = pairs_in(store)
    assert_seating(after, [*PRESENT, late.id])
    assert sorted(len(p.members) for p in after.values()) == [2, 3, 3]
    effects = host(room(meta, everyone, store), act("reseat"))
    assert effects.writes == ()


def test_moving_someone_into_a_full_trio_through_the_engine_is_rejected() -> None:
    _, store = pair_up(0)
    pairs = pairs_in(store)
    trio = next(p for p in pairs.values() if len(p.members) == 3)
    other = next(p for p in pairs.values() if len(p.members) == 2)
    meta = meta_at(0, "converse")
    action = act("move_participant", participant_id=other.members[0], to_pair=trio.id)
    message = rejection(host, room(meta, ROOM, store), action)
    assert message == "That group already has three people."


def test_moving_someone_who_is_not_in_the_room_is_rejected() -> None:
    _, store = pair_up(0)
    meta = meta_at(0, "converse")
    for who in ("nobody", GONE.id):
        action = act("move_participant", participant_id=who, to_pair="new")
        message = rejection(host, room(meta, [*ROOM, GONE], store), action)
        assert message == "That participant is not in the room."


def test_a_stale_move_is_rejected() -> None:
    _, store = pair_up(0)
    meta = meta_at(0, "rate")
    action = act("move_participant", participant_id="p1", to_pair="new", seen_phase="r1.0:pair")
    assert "moved on" in rejection(host, room(meta, ROOM, store), action)


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("repair_pairs", {"seen_phase": "r1.0:converse"}),
        ("move_participant", {"participant_id": "p1", "to_pair": "new"}),
        ("reseat", {}),
    ],
)
def test_a_participant_cannot_arrange_pairs(kind: str, fields: dict[str, Any]) -> None:
    _, store = pair_up(0)
    state = room(meta_at(0, "converse"), ROOM, store)
    message = rejection(
        engine.apply, state, Actor("participant", "p1"), act(kind, **fields), LIBRARY, 0.0
    )
    assert message.startswith("Only the facilitator")


def test_a_rating_through_the_engine_lands_in_the_current_round() -> None:
    _, store = pair_up(0)
    _, store = pair_up(1, store)
    pairs = pairs_in(store, 1)
    pair = next(iter(pairs.values()))
    customer = pair.members[1]
    meta = meta_at(1, "rate")
    action = act("rate", seen_phase=key_of(meta), landed="Good  question.", **ALL_THREES)
    effects = engine.apply(
        room(meta, ROOM, store), Actor("participant", customer), action, LIBRARY, 0.0
    )
    (write,) = effects.writes
    assert (write.hash, write.field) == ("run:r1:1:ratings", f"1|{customer}")
    saved = Rating.model_validate_json(write.value)
    assert (saved.target, saved.rater_role, saved.landed) == (
        pair.members[0],
        "customer",
        "Good question.",
    )


def test_a_rating_through_the_engine_without_every_habit_is_rejected() -> None:
    _, store = pair_up(0)
    meta = meta_at(0, "rate_swap")
    action = act("rate", seen_phase=key_of(meta), candid=4, collaborative=4, curious=4)
    message = rejection(
        engine.apply, room(meta, ROOM, store), Actor("participant", "p1"), action, LIBRARY, 0.0
    )
    assert "Compassionate" in message


def test_ticks_through_the_engine_are_checked_against_the_round_case() -> None:
    _, store = pair_up(0)
    pair = next(iter(pairs_in(store).values()))
    customer = pair.members[1]
    meta = meta_at(0, "rate")
    state = room(meta, ROOM, store)
    items = len(EXERCISE.cases[0].observer_checklist)
    action = act("rate", seen_phase=key_of(meta), ticks=["1", str(items)], **ALL_THREES)
    effects = engine.apply(state, Actor("participant", customer), action, LIBRARY, 0.0)
    (write,) = effects.writes
    assert Rating.model_validate_json(write.value).ticks == (1, items)
    # A form with one box ticked sends it alone, not in a list.
    one = act("rate", seen_phase=key_of(meta), ticks="2", **ALL_THREES)
    (write,) = engine.apply(state, Actor("participant", customer), one, LIBRARY, 0.0).writes
    assert Rating.model_validate_json(write.value).ticks == (2,)
    crafted = act("rate", seen_phase=key_of(meta), ticks=[str(items + 1)], **ALL_THREES)
    message = rejection(engine.apply, state, Actor("participant", customer), crafted, LIBRARY, 0.0)
    assert message == (
        f"“{items + 1}” is not on this case's checklist. Tick only the items on your screen."
    )


def test_the_facilitator_cannot_rate() -> None:
    _, store = pair_up(0)
    meta = meta_at(0, "rate")
    message = rejection(host, room(meta, ROOM, store), act("rate", **ALL_THREES))
    assert message == "That is for participants."


def test_phones_share_the_brief_and_the_wait_for_a_seat_and_nothing_else() -> None:
    def keys_at(phase: str, store: Store) -> dict[str, object]:
        state = room(meta_at(0, phase), ROOM, store)
        assert state.current_run is not None
        key = cp.KIND.phone_key(state, state.current_run)
        assert key is not None
        return {p: key(p) for p in PRESENT}

    assert len(set(keys_at("brief", {}).values())) == 1
    _, store = pair_up(0)
    seated = pairs_in(store)
    # One seat is given up: that phone waits, as anyone not seated does.
    loose = seated["p1"].members[0]
    without = {name: fields for name, fields in store.items() if not name.endswith(":pairs")} | {
        "run:r1:0:pairs": {
            pid: pair.model_copy(
                update={"members": [m for m in pair.members if m != loose]}
            ).model_dump_json()
            for pid, pair in seated.items()
        }
    }
    for phase in ("pair", "converse", "rate", "swap", "rate_swap", "debrief"):
        keys = keys_at(phase, store)
        assert len(set(keys.values())) == len(PRESENT), phase
        if phase != "debrief":
            partly = keys_at(phase, without)
            others = {p: k for p, k in partly.items() if p != loose}
            assert len(set(others.values())) == len(others), phase
            assert partly[loose] not in others.values(), phase


# What a phone shows of the rubric and of its feedback, and who has a personal card


def played_ratings() -> Store:
    """The trio's first talk rated by all three (Ada challenges), and Dan's self-rating in the
    pair's; Eve says nothing, and Fay waits alone."""
    store: Store = {}
    for rater in ("ada", "ben", "cy", "dan"):
        effects = rate(NAMES, TRIO, "rate", rater, ALL_THREES, f"{rater} liked it", "")
        store = commit(store, effects)
    return store


def test_the_people_with_a_pairs_card_are_those_whose_card_has_a_round() -> None:
    people = [person(pid) for pid in ("ada", "ben", "cy", "dan", "eve", "fay")]
    state = room(meta_at(0, "debrief"), people, played_ratings())
    run = state.meta.current_run
    assert run is not None
    holders = cp.KIND.card_holders(state, run)
    assert holders == {"ada", "dan"}
    for p in people:
        assert bool(cp.KIND.card(state, run, p.id).feedback) == (p.id in holders), p.id


def test_each_score_of_the_rating_scale_is_named_with_the_rubric_words_for_it() -> None:
    (candid,) = [h for h in RUBRIC if h.habit == "candid"]
    habit = RubricHabit(candid.habit, candid.label, candid.means, sorted(candid.anchors.items()), 4)
    names = [point.name for point in habit.points]
    assert names == [
        f"1, {candid.anchors[1]}",
        "2",
        f"3, {candid.anchors[3]}",
        "4",
        f"5, {candid.anchors[5]}",
    ]
    assert [point.chosen for point in habit.points] == [False, False, False, True, False]


def test_the_debrief_on_a_phone_is_its_own_card_round() -> None:
    people = [person(pid) for pid in ("ada", "ben", "cy", "dan", "eve", "fay")]
    state = room(meta_at(0, "debrief"), people, played_ratings())
    run = state.meta.current_run
    assert run is not None
    view = pairs_view(state, run, EXERCISE, Audience("phone", personal=("own", "ada")))
    assert view.feedback is not None
    (card_round,) = cp.KIND.card(state, run, "ada").feedback
    assert view.feedback == feedback_view(card_round)
    assert [q.text for q in view.feedback.quotes] == ["ben liked it", "cy liked it"]
    assert [q.who for q in view.feedback.quotes] == ["Your customer", "Your observer"]
    nothing = pairs_view(state, run, EXERCISE, Audience("phone", personal=("own", "eve")))
    assert nothing.feedback is None


def test_a_phone_shows_its_card_link_only_when_its_card_holds_something() -> None:
    people = [person(pid) for pid in ("ada", "ben", "cy", "dan", "eve", "fay")]
    state = room(meta_at(0, "debrief"), people, played_ratings())
    assert render.card_holders(state) == {"ada", "dan"}
    keys = render.phone_keys(state)
    for p in people:
        own, _ = keys(p.id)
        has_card = p.id in {"ada", "dan"}
        assert own[1] == ("card", has_card), p.id
        assert render.me_context(state, p.id)["has_card"] is has_card
    # Nothing rated yet: nobody has a card, so no phone links to one.
    empty = room(meta_at(0, "rate"), people)
    assert render.card_holders(empty) == frozenset()


# Whose phone a change concerns: random plays, checked write by write (see `tests/unit/touched.py`)


@dataclass(frozen=True)
class Turn:
    """One decision of a random play. `who` and `to` pick by position (modulo what there is), so
    most turns name someone seated or a pair that stands."""

    kind: str
    who: int = 0
    to: int = 0
    score: int = 3
    ticks: tuple[str, ...] = ()


turns = st.one_of(
    st.builds(Turn, kind=st.just("next")),
    st.builds(Turn, kind=st.just("next")),
    st.builds(Turn, kind=st.just("back")),
    st.builds(
        Turn,
        kind=st.just("rate"),
        who=st.integers(0, 20),
        score=st.integers(1, 5),
        ticks=st.lists(st.sampled_from(("1", "2", "5")), max_size=2).map(tuple),
    ),
    st.builds(Turn, kind=st.just("rate"), who=st.integers(0, 20)),
    st.builds(Turn, kind=st.just("move"), who=st.integers(0, 20), to=st.integers(0, 20)),
    st.builds(Turn, kind=st.sampled_from(("repair", "reseat", "join", "remove"))),
    st.builds(Turn, kind=st.just("remove"), who=st.integers(0, 20)),
)


def seated_in(state: RoomState) -> list[str]:
    run = state.current_run
    assert run is not None
    pairs = decode_pairs(state.data(Names.of(run.hash(f"{run.round}:")).pairs))
    return sorted(m for pair in pairs.values() for m in pair.members)


def decision(turn: Turn, number: int) -> Callable[[RoomState], Effects]:
    """What `turn` does to the room it is taken in (the `number`th turn of the play)."""

    def decide(state: RoomState) -> Effects:
        seen = key_of(state.meta)
        present = [p.id for p in state.present]
        if not present and turn.kind in ("rate", "move", "remove"):
            raise Rejected("Nobody is left.")
        seated = seated_in(state) or present
        match turn.kind:
            case "next" | "back":
                kind = "next_phase" if turn.kind == "next" else "previous_phase"
                return host(state, act(kind, seen_phase=seen))
            case "rate":
                rater = seated[turn.who % len(seated)]
                scores = dict.fromkeys(HABITS, turn.score)
                action = act("rate", seen_phase=seen, ticks=list(turn.ticks), **scores)
                return engine.apply(state, Actor("participant", rater), action, LIBRARY, 0.0)
            case "move":
                run = state.current_run
                assert run is not None
                pairs = [*sorted(pairs_in(state.run_data, run.round)), "new"]
                who = present[turn.who % len(present)]
                to = pairs[turn.to % len(pairs)]
                return host(state, act("move_participant", participant_id=who, to_pair=to))
            case "repair":
                return host(state, act("repair_pairs"))
            case "reseat":
                return host(state, act("reseat"))
            case "join":
                return engine.join(state, f"new{number:03d}", f"Newcomer {number}", float(number))
            case "remove":
                who = present[turn.who % len(present)]
                return host(state, act("remove_participant", participant_id=who))
        raise AssertionError(turn.kind)

    return decide


def play_pairs(sequence: Sequence[Turn]) -> Played:
    """Plays the turns from the brief of the first case, every write checked."""
    played = Played.of(room(meta_at(0, "brief"), ROOM))
    for _ in played.play(decision(turn, n) for n, turn in enumerate(sequence)):
        pass
    return played


@PROPERTY_SETTINGS
@given(sequence=st.lists(turns, min_size=10, max_size=60))
def test_every_phone_whose_key_a_write_changes_is_one_it_touches(sequence: list[Turn]) -> None:
    """The hub draws, of the phones that show the same, only one unless a change touched the
    others: any write the rules make must name whoever's key it changes, and phones with equal
    keys must be shown the same stage."""
    play_pairs(sequence)


PAIRS_PLAY = [Turn("next"), Turn("next"), Turn("next"), Turn("next")] + [
    Turn("rate", who=n, score=n % 5 + 1, ticks=("1",)) for n in range(7)
]
"""Paired, read, talked, and everyone rates the first talk."""


def test_a_play_that_rates_and_reseats_checks_writes_and_shared_stages() -> None:
    arrivals = [Turn("join"), Turn("join"), Turn("reseat")]
    played = play_pairs([*PAIRS_PLAY, *arrivals, Turn("next"), Turn("next")])
    run = played.state.current_run
    assert run is not None and run.current_phase.name == "swap"
    ratings = played.state.data(NAMES.ratings)
    assert len(ratings) >= 6
    assert set(seated_in(played.state)) == {p.id for p in played.state.present}
    # Each rating and arrival was checked (a seating touches anyone's, so is not); the two
    # newcomers shared the wait for a seat until they were seated.
    assert played.writes_checked >= len(ratings) + 2 * 2
    assert played.groups_compared >= 1
    # Each rating showed on its rater's phone alone, every other phone drawn and found the same.
    assert played.alone_checked >= len(ratings)


def test_a_rating_touches_its_raters_phone_alone_and_a_seating_touches_every_phone() -> None:
    meta = meta_at(0, "rate")
    run = meta.current_run
    assert run is not None
    rating = Write.put(NAMES.ratings, "1|p1", "{}")
    assert cp.KIND.phones_touched(run, rating) == ("p1",)
    assert cp.KIND.shows_on_touched_only(run, rating)
    assert not cp.KIND.shows_on_touched_only(run, Write.put(NAMES.pairs, "p1", "{}"))
    assert cp.KIND.phones_touched(run, Write.put(NAMES.pairs, "p1", "{}")) is None
    earlier = Names.of("run:r1:1:")
    assert cp.KIND.phones_touched(run, Write.put(earlier.pairs, "p1", "{}")) == ()
    for phase in ("brief", "debrief"):
        at = meta_at(0, phase).current_run
        assert at is not None
        assert cp.KIND.phones_touched(at, Write.put(NAMES.pairs, "p1", "{}")) == ()


def test_a_rating_said_to_show_on_every_phone_but_its_raters_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The check can fail: a rating that touched nobody, said to show on touched phones alone,
    would leave its rater's form as it was."""
    monkeypatch.setattr(
        type(cp.KIND),
        "phones_touched",
        lambda self, run, write: () if write.hash.endswith("ratings") else None,
    )
    with pytest.raises(AssertionError, match=r"changed p\d+'s phone"):
        play_pairs(PAIRS_PLAY)


def test_a_phones_touched_that_misses_a_seating_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check can fail: a kind that says a seating touches nobody is caught at once."""
    said = cp.KIND.phones_touched
    monkeypatch.setattr(
        type(cp.KIND),
        "phones_touched",
        lambda self, run, write: () if write.hash.endswith("pairs") else said(run, write),
    )
    with pytest.raises(AssertionError, match="not touched"):
        play_pairs([*PAIRS_PLAY, Turn("join"), Turn("reseat")])


def test_the_round_is_worked_out_once_for_every_screen_drawn_from_a_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A refresh draws every seated phone alone, from one read: decoding the round and counting
    the ratings in for each phone would make a refresh cost the square of the room."""
    people = [person(pid) for pid in ("ada", "ben", "cy", "dan", "eve", "fay")]
    store = played_ratings() | {NAMES.pairs: {p.id: p.model_dump_json() for p in TRIO.values()}}
    calls: list[str] = []

    def counted(name: str, decode: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def counting(raw: Any) -> Any:
            calls.append(name)
            return decode(raw)

        return counting

    monkeypatch.setattr(cp.views, "decode_pairs", counted("pairs", decode_pairs))
    monkeypatch.setattr(cp.summary, "decode_ratings", counted("ratings", decode_ratings))
    for phase in ("rate", "debrief"):
        calls.clear()
        state = room(meta_at(0, phase), people, store)
        audiences = [Audience("host"), Audience("screen")] + [
            Audience("phone", p.id) for p in people
        ]
        for audience in audiences:
            assert render.stage_view(state, audience) is not None
        assert sorted(calls) == ["pairs", "ratings"], phase
