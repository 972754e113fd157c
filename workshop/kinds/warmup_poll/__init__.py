"""Warm-up poll: one multiple-choice question, one changeable vote per person, results on reveal.

The whole kind lives in this package: its content model and phases (`content`), its actions
(`actions`: none of its own, it takes the shared `Vote`), its rules (`rules`), its view models
(`views`), what it adds to the summary and the exports (`summary`), its templates (`templates/`),
and the `Kind` that hands them to the rest of the app (`kind`). Only the registry, `workshop.kinds`,
names it.
"""

from workshop.kinds.warmup_poll.actions import HOST_ACTIONS, PARTICIPANT_ACTIONS
from workshop.kinds.warmup_poll.content import DATA, PHASES, VOTES, PollOption, WarmupPoll
from workshop.kinds.warmup_poll.kind import KIND, WarmupPollKind
from workshop.kinds.warmup_poll.rules import Bar, check_vote, tally, vote
from workshop.kinds.warmup_poll.summary import PollResult, PollSummary, PollVote
from workshop.kinds.warmup_poll.views import BarView, PollView

Content = WarmupPoll
Summary = PollSummary

__all__ = [
    "DATA",
    "HOST_ACTIONS",
    "KIND",
    "PARTICIPANT_ACTIONS",
    "PHASES",
    "VOTES",
    "Bar",
    "BarView",
    "Content",
    "PollOption",
    "PollResult",
    "PollSummary",
    "PollView",
    "PollVote",
    "Summary",
    "WarmupPoll",
    "WarmupPollKind",
    "check_vote",
    "tally",
    "vote",
]
