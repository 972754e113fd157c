"""The poll's rules: one changeable vote per person while voting is open, and the tally. Pure, no
I/O."""

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from workshop.effects import Effects, Write
from workshop.errors import Rejected
from workshop.i18n import N_
from workshop.kinds.warmup_poll.content import PollOption, WarmupPoll


def check_vote(poll: WarmupPoll, phase: str, option_id: str) -> None:
    if phase != "vote":
        raise Rejected(N_("Voting is closed for this question."))
    if option_id not in {option.id for option in poll.options}:
        raise Rejected(N_("That choice is not part of this question."))


def vote(poll: WarmupPoll, votes: str, phase: str, voter: str, option_id: str) -> Effects:
    """A vote (or a changed one) in the `votes` hash while voting is open."""
    check_vote(poll, phase, option_id)
    return Effects(writes=(Write.put(votes, voter, option_id),), notice=N_("Vote saved ✓"))


@dataclass(frozen=True)
class Bar:
    option: PollOption
    count: int
    share: float
    """Fraction of all counted votes, 0 to 1."""


def tally(poll: WarmupPoll, votes: Mapping[str, str], eligible: Collection[str]) -> list[Bar]:
    """Count each eligible participant's current vote once; votes for unknown options are ignored."""
    # Counted in C (the keys' intersection, Counter): a big room's screens ask at every redraw.
    chosen = Counter(map(votes.__getitem__, votes.keys() & eligible))
    counts = {option.id: chosen[option.id] for option in poll.options}
    total = sum(counts.values())
    return [
        Bar(option, counts[option.id], counts[option.id] / total if total else 0.0)
        for option in poll.options
    ]
