"""What each audience sees of a poll: the view model its stage templates lay out."""

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workshop.kinds.warmup_poll import rules
from workshop.kinds.warmup_poll.content import VOTES, PollOption, WarmupPoll

if TYPE_CHECKING:
    from workshop.models import RoomState, Run
    from workshop.render import Audience


@dataclass(frozen=True)
class BarView:
    label: str
    count: int
    percent: int
    leading: bool = False
    """Has the most votes (ties all lead; nobody leads before the first vote)."""


@dataclass(frozen=True)
class PollView:
    question: str
    options: list[PollOption]
    open: bool
    voted: int
    eligible: int
    bars: list[BarView] | None
    """None while results are hidden from this audience."""
    my_choice: str | None


def poll_view(state: "RoomState", run: "Run", poll: WarmupPoll, viewer: "Audience") -> PollView:
    voting_open = run.current_phase.name == "vote"
    show_results = viewer.kind == "host" or not voting_open
    voted, bars = poll_counts(state, run, poll)
    return PollView(
        question=poll.question,
        options=list(poll.options),
        open=voting_open,
        voted=voted,
        eligible=len(state.present_ids),
        bars=bars if show_results else None,
        # A phone is drawn from its key alone (see `phone_key`): the answer it chose.
        my_choice=str(viewer.personal) if viewer.kind == "phone" and viewer.personal else None,
    )


def poll_counts(state: "RoomState", run: "Run", poll: WarmupPoll) -> tuple[int, list[BarView]]:
    """Who has voted, and the bars: counted once per read of the room, however many screens
    (the console, the projector, one per answer a phone may have chosen) are drawn from it."""
    key = ("poll", run.id)
    counted: tuple[int, list[BarView]] | None = state.derived.get(key)
    if counted is None:
        eligible = state.present_ids
        votes = state.data(run.hash(VOTES))
        tally = rules.tally(poll, votes, eligible)
        most = max((bar.count for bar in tally), default=0)
        bars = [
            BarView(bar.option.label, bar.count, round(bar.share * 100), 0 < most == bar.count)
            for bar in tally
        ]
        counted = state.derived[key] = (len(eligible.intersection(votes)), bars)
    return counted


def phone_key(state: "RoomState", run: "Run") -> Callable[[str], Hashable]:
    """All a phone's stage shows of its own: the answer it chose (the rest is the room's)."""
    votes = state.data(run.hash(VOTES))
    return votes.get
