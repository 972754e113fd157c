"""Advocacy case debates, Oxford style: vote, argue in teams, rebut, vote again; the side that moved
more of the room wins.

The whole kind lives in this package: its content model and phases (`content`), its actions
(`actions`), its rules (`rules`), its view models (`views`), what it adds to the summary and the
exports (`summary`), its templates (`templates/`), and the `Kind` that hands them to the rest of the
app (`kind`). Only the registry, `workshop.kinds`, names it.
"""

from workshop.kinds.advocacy_debate.actions import (
    HOST_ACTIONS,
    PARTICIPANT_ACTIONS,
    HostActions,
    ParticipantActions,
)
from workshop.kinds.advocacy_debate.content import (
    CHOICE_LABELS,
    CHOICES,
    DATA,
    PHASES,
    POST_MAX,
    SIDES,
    TOP_ARGUMENTS,
    AdvocacyDebate,
    Case,
    Choice,
    Debate,
    Names,
    Post,
    Side,
    data_names,
    rounds,
    side_of_team,
)
from workshop.kinds.advocacy_debate.kind import KIND, AdvocacyDebateKind
from workshop.kinds.advocacy_debate.rules import (
    Verdict,
    choose_side,
    clean_post,
    hide,
    post,
    seat_late,
    split_teams,
    teams_stand,
    upvote,
    verdict,
    vote,
)
from workshop.kinds.advocacy_debate.summary import DebateSummary

Content = AdvocacyDebate
Summary = DebateSummary

__all__ = [
    "CHOICES",
    "CHOICE_LABELS",
    "DATA",
    "HOST_ACTIONS",
    "KIND",
    "PARTICIPANT_ACTIONS",
    "PHASES",
    "POST_MAX",
    "SIDES",
    "TOP_ARGUMENTS",
    "AdvocacyDebate",
    "AdvocacyDebateKind",
    "Case",
    "Choice",
    "Content",
    "Debate",
    "DebateSummary",
    "HostActions",
    "Names",
    "ParticipantActions",
    "Post",
    "Side",
    "Summary",
    "Verdict",
    "choose_side",
    "clean_post",
    "data_names",
    "hide",
    "post",
    "rounds",
    "seat_late",
    "side_of_team",
    "split_teams",
    "teams_stand",
    "upvote",
    "verdict",
    "vote",
]
