"""The warm-up poll's content model and pure rules: check_vote and tally."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from workshop.errors import Rejected
from workshop.kinds import data_of, phases_of
from workshop.kinds.warmup_poll import PHASES, PollOption, WarmupPoll, check_vote, tally

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
