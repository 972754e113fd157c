"""The warm-up poll's content model, its pure rules (check_vote and tally), and the poll as a
registered kind: its decision through the engine, its views per audience and its phone keys."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from workshop import engine
from workshop.actions import Action, action_adapter
from workshop.effects import Write
from workshop.engine import Actor
from workshop.errors import Rejected
from workshop.kinds import data_of, kind_named, phases_of
from workshop.kinds.warmup_poll import (
    PHASES,
    BarView,
    PollOption,
    PollView,
    WarmupPoll,
    check_vote,
    tally,
)
from workshop.models import Participant, RoomMeta, RoomState, Run
from workshop.render import Audience, phone_keys, stage_view

OPTION_IDS = ("candid", "curious", "kind")
POLL = WarmupPoll(
    kind="warmup_poll",
    id="poll",
    title="Warm-up",
    summary="A question to start.",
    seeds=["000"],
    minutes=4,
    question="Which habit is hardest?",
    options=[PollOption(id=option, label=option.title()) for option in OPTION_IDS],
)


def poll_fields(**changes: Any) -> dict[str, Any]:
    fields = POLL.model_dump()
    fields.update(changes)
    return fields


def test_the_poll_has_a_vote_phase_then_a_reveal_phase() -> None:
    assert [phase.name for phase in PHASES] == ["vote", "reveal"]
    assert phases_of(POLL) == PHASES
    assert data_of(POLL) == ("votes",)


def test_a_vote_for_a_listed_option_in_the_vote_phase_is_allowed() -> None:
    check_vote(POLL, "vote", "curious")


def test_a_vote_in_the_reveal_phase_is_refused() -> None:
    with pytest.raises(Rejected, match="Voting is closed"):
        check_vote(POLL, "reveal", "curious")


def test_a_vote_for_an_option_not_in_the_question_is_refused() -> None:
    with pytest.raises(Rejected, match="not part of this question"):
        check_vote(POLL, "vote", "bold")


def test_options_must_have_distinct_ids() -> None:
    options = [{"id": "same", "label": "One"}, {"id": "same", "label": "Two"}]
    with pytest.raises(ValidationError, match="own id"):
        WarmupPoll.model_validate(poll_fields(options=options))


@pytest.mark.parametrize("count", [1, 9])
def test_a_poll_has_between_two_and_eight_options(count: int) -> None:
    options = [{"id": f"o{i}", "label": f"Option {i}"} for i in range(count)]
    with pytest.raises(ValidationError):
        WarmupPoll.model_validate(poll_fields(options=options))


def test_tally_with_no_votes_is_all_zero() -> None:
    bars = tally(POLL, {}, eligible={"p1", "p2"})
    assert [bar.option.id for bar in bars] == list(OPTION_IDS)
    assert [(bar.count, bar.share) for bar in bars] == [(0, 0.0)] * len(OPTION_IDS)


def test_tally_counts_each_eligible_participant_once() -> None:
    votes = {"p1": "candid", "p2": "candid", "p3": "kind", "gone": "kind", "p4": "bold"}
    bars = tally(POLL, votes, eligible={"p1", "p2", "p3", "p4"})
    assert {bar.option.id: bar.count for bar in bars} == {"candid": 2, "curious": 0, "kind": 1}
    assert {bar.option.id: bar.share for bar in bars} == pytest.approx(
        {"candid": 2 / 3, "curious": 0.0, "kind": 1 / 3}
    )


PARTICIPANTS = [f"p{i}" for i in range(6)]
VOTES = st.lists(
    st.tuples(st.sampled_from(PARTICIPANTS), st.sampled_from([*OPTION_IDS, "bold", ""])),
    max_size=40,
)


@given(history=VOTES, eligible=st.sets(st.sampled_from(PARTICIPANTS)))
def test_tally_counts_each_eligible_participants_last_valid_vote(
    history: list[tuple[str, str]], eligible: set[str]
) -> None:
    votes: dict[str, str] = {}
    for participant, option in history:
        votes[participant] = option  # a changed vote replaces the earlier one

    bars = tally(POLL, votes, eligible)

    counted = {p: o for p, o in votes.items() if p in eligible and o in OPTION_IDS}
    assert [bar.option.id for bar in bars] == list(OPTION_IDS)
    for bar in bars:
        assert bar.count == sum(1 for o in counted.values() if o == bar.option.id)
        assert 0.0 <= bar.share <= 1.0
    assert sum(bar.count for bar in bars) == len(counted)
    if counted:
        assert sum(bar.share for bar in bars) == pytest.approx(1.0, abs=1e-9)
    else:
        assert all(bar.share == 0.0 for bar in bars)


# The poll as a registered kind: the engine's decision, the views per audience, the phone keys.


def poll_state(phase: str, votes: dict[str, str], people: int = 4) -> RoomState:
    index = [spec.name for spec in PHASES].index(phase)
    run = Run(id="r1", exercise=POLL, phase=index, started=True)
    meta = RoomMeta(
        code="ABC234",
        created_at=0.0,
        host_key_hash="hash",
        agenda=(run,),
        current="r1",
        runs_created=1,
    )
    participants = {
        f"p{n}": Participant(id=f"p{n}", name=f"P{n}", joined_at=float(n))
        for n in range(1, people + 1)
    }
    return RoomState(
        meta=meta, rev=1, version=1, participants=participants, run_data={"run:r1:votes": votes}
    )


def vote_action(option: str) -> Action:
    return action_adapter.validate_python(
        {"type": "vote", "action_id": "poll-unit-0001", "option": option, "seen_phase": "r1.0:vote"}
    )


def test_the_poll_is_registered_and_a_vote_writes_the_voters_field() -> None:
    assert kind_named("warmup_poll") is not None
    state = poll_state("vote", {"p1": "kind"})
    effects = engine.apply(state, Actor("participant", "p1"), vote_action("candid"), {}, 1.0)
    assert effects.writes == (Write.put("run:r1:votes", "p1", "candid"),)
    assert effects.expect == () and effects.notice == "Vote saved ✓"
    assert engine.reads(state.meta, Actor("participant", "p1"), vote_action("candid")) == ()


def test_a_vote_through_the_engine_is_refused_for_an_unknown_option() -> None:
    state = poll_state("vote", {})
    with pytest.raises(Rejected, match="not part of this question"):
        engine.apply(state, Actor("participant", "p1"), vote_action("bold"), {}, 1.0)


def test_results_are_hidden_from_the_room_until_reveal_but_not_from_the_facilitator() -> None:
    votes = {"p1": "candid", "p2": "candid", "p3": "kind"}
    voting = poll_state("vote", votes)
    console = stage_view(voting, Audience("host"))
    screen = stage_view(voting, Audience("screen"))
    phone = stage_view(voting, Audience("phone", "p3"))
    assert console is not None and screen is not None and phone is not None
    assert isinstance(console.view, PollView) and isinstance(screen.view, PollView)
    assert isinstance(phone.view, PollView)
    assert screen.view.bars is None and phone.view.bars is None
    assert phone.view.my_choice == "kind" and screen.view.my_choice is None
    assert (console.view.voted, console.view.eligible) == (3, 4)
    assert console.view.bars == [
        BarView("Candid", 2, 67, leading=True),
        BarView("Curious", 0, 0),
        BarView("Kind", 1, 33),
    ]
    revealed = stage_view(poll_state("reveal", votes), Audience("screen"))
    assert revealed is not None and isinstance(revealed.view, PollView)
    assert revealed.view.bars == console.view.bars and not revealed.view.open


def test_every_answer_with_the_most_votes_leads_and_none_before_the_first_vote() -> None:
    tied = stage_view(poll_state("reveal", {"p1": "candid", "p2": "kind"}), Audience("screen"))
    assert tied is not None and isinstance(tied.view, PollView) and tied.view.bars is not None
    assert [bar.leading for bar in tied.view.bars] == [True, False, True]
    empty = stage_view(poll_state("reveal", {}), Audience("screen"))
    assert empty is not None and isinstance(empty.view, PollView) and empty.view.bars is not None
    assert not any(bar.leading for bar in empty.view.bars)


def test_phones_that_chose_the_same_answer_share_their_stage_key() -> None:
    keys = phone_keys(poll_state("vote", {"p1": "candid", "p2": "candid", "p3": "kind"}))
    stage = {p: keys(p)[1][0] for p in ("p1", "p2", "p3", "p4")}
    assert stage["p1"] == stage["p2"]
    assert len({stage["p1"], stage["p3"], stage["p4"]}) == 3


def test_a_phones_stage_is_drawn_from_its_key_alone() -> None:
    """Phones that chose the same answer get equal views: the poll's view of a phone is given the
    phone's key (its answer) and not who it is, so it cannot show anything else of its own."""
    state = poll_state("vote", {"p1": "candid", "p2": "candid", "p3": "kind"})
    views = {}
    for pid in ("p1", "p2", "p3", "p4"):
        stage = stage_view(state, Audience("phone", pid))
        assert stage is not None
        views[pid] = stage.view
    assert views["p1"] == views["p2"]
    assert views["p1"] != views["p3"] != views["p4"]
    assert isinstance(views["p4"], PollView) and views["p4"].my_choice is None
