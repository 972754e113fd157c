"""What best question adds to the actions a screen can send."""

from typing import ClassVar, Literal

from pydantic import Field

from workshop.action_base import KindHostAction, ParticipantAction
from workshop.i18n import N_

_NO_QUESTIONS = N_("The current exercise has no questions to moderate.")


class SubmitQuestion(ParticipantAction):
    type: Literal["submit_question"]
    slot: int = Field(ge=1, le=10)
    text: str = Field(max_length=2000)


class WithdrawQuestion(ParticipantAction):
    type: Literal["withdraw_question"]
    slot: int = Field(ge=1, le=10)


class PlaceDot(ParticipantAction):
    type: Literal["place_dot"]
    question: str = Field(max_length=100)


class RemoveDot(ParticipantAction):
    type: Literal["remove_dot"]
    question: str = Field(max_length=100)


class HideQuestion(KindHostAction):
    type: Literal["hide_question"]
    question: str = Field(max_length=100)
    hidden: bool = True

    elsewhere: ClassVar[str] = _NO_QUESTIONS


class MergeQuestions(KindHostAction):
    type: Literal["merge_questions"]
    question: str = Field(max_length=100)
    into: str = Field(max_length=100)

    elsewhere: ClassVar[str] = _NO_QUESTIONS


class Spotlight(KindHostAction):
    type: Literal["spotlight"]
    question: str = Field(default="", max_length=100)
    """Empty clears the spotlight."""

    elsewhere: ClassVar[str] = _NO_QUESTIONS


ParticipantActions = SubmitQuestion | WithdrawQuestion | PlaceDot | RemoveDot
HostActions = HideQuestion | MergeQuestions | Spotlight
PARTICIPANT_ACTIONS = (SubmitQuestion, WithdrawQuestion, PlaceDot, RemoveDot)
HOST_ACTIONS = (HideQuestion, MergeQuestions, Spotlight)
