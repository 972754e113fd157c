"""What a poll adds to the session summary and the exports."""

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from workshop.i18n import gettext
from workshop.kinds.base import Namer, SummaryEntry
from workshop.kinds.warmup_poll import rules
from workshop.kinds.warmup_poll.content import VOTES, WarmupPoll
from workshop.markdown import md_block, md_heading, md_table
from workshop.words import count

if TYPE_CHECKING:
    from workshop.models import RoomState, Run


class PollResult(BaseModel):
    option: str
    votes: int


class PollVote(BaseModel):
    participant: str
    option: str


class PollSummary(SummaryEntry):
    kind: Literal["warmup_poll"] = "warmup_poll"
    run: str
    title: str
    question: str
    results: list[PollResult]
    votes: list[PollVote]

    @property
    def cast(self) -> str:
        """How many votes were cast, in words: "5 votes"."""
        return count(sum(r.votes for r in self.results), "vote", "votes")


def poll_summary(state: "RoomState", run: "Run", poll: WarmupPoll, name: Namer) -> PollSummary:
    votes = state.data(run.hash(VOTES))
    eligible = state.present_ids
    labels = {o.id: o.label for o in poll.options}
    return PollSummary(
        run=run.id,
        title=poll.title,
        question=poll.question,
        results=[
            PollResult(option=bar.option.label, votes=bar.count)
            for bar in rules.tally(poll, votes, eligible)
        ],
        votes=[
            PollVote(participant=name(pid), option=labels[option])
            for pid, option in sorted(votes.items())
            if pid in eligible and option in labels
        ],
    )


def markdown(poll: PollSummary) -> list[str]:
    out = [f"## {md_heading(poll.title)}", "", md_block(poll.question), ""]
    if not poll.results:
        return [*out, gettext("This poll had no options.")]
    return [
        *out,
        md_table(
            [gettext("Option"), gettext("Votes")],
            ((r.option, r.votes) for r in poll.results),
            numbers={1},
        ),
        "",
        gettext("%(votes)s cast.") % {"votes": poll.cast},
    ]


CSV_FILES: dict[str, list[str]] = {}
"""A poll adds no file of its own: its votes go to the shared "votes.csv"."""


def csv_rows(poll: PollSummary) -> dict[str, list[list[Any]]]:
    return {
        "votes.csv": [
            [poll.run, poll.title, 1, "poll", v.participant, v.option, ""] for v in poll.votes
        ]
    }
