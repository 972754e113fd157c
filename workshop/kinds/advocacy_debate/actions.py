"""What a debate adds to the actions a screen can send."""

from typing import ClassVar, Literal

from pydantic import Field

from workshop.action_base import KindHostAction, ParticipantAction
from workshop.i18n import N_


class Post(ParticipantAction):
    type: Literal["post"]
    text: str = Field(max_length=2000)
    answers: str = Field(default="", max_length=100)
    """For a rebuttal: the id of the argument it answers."""


class Upvote(ParticipantAction):
    type: Literal["upvote"]
    post: str = Field(max_length=100)
    on: bool = True


class ChooseSide(ParticipantAction):
    type: Literal["choose_side"]
    side: Literal["for", "against"]


class HidePost(KindHostAction):
    type: Literal["hide_post"]
    post: str = Field(max_length=100)
    hidden: bool = True

    elsewhere: ClassVar[str] = N_("The current exercise has no posts.")


class BalanceTeams(KindHostAction):
    type: Literal["balance_teams"]

    elsewhere: ClassVar[str] = N_("The current exercise has no teams.")


ParticipantActions = Post | Upvote | ChooseSide
HostActions = HidePost | BalanceTeams
PARTICIPANT_ACTIONS = (Post, Upvote, ChooseSide)
HOST_ACTIONS = (HidePost, BalanceTeams)
