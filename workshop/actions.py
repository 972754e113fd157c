"""Everything a screen can ask for, as one discriminated union parsed from a websocket frame."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

ActionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]


class _Action(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, str_max_length=2000)

    action_id: ActionId
    """Chosen by the client; a replay of the same id changes nothing."""


class _Staged(_Action):
    seen_phase: str = ""
    """The phase key the sender was looking at; an action for an earlier phase is refused."""


class AddExercise(_Action):
    type: Literal["add_exercise"]
    exercise_id: str


class StartAgenda(_Action):
    type: Literal["start_agenda"]
    agenda_id: str


class RemoveRun(_Action):
    type: Literal["remove_run"]
    run_id: str


class StartRun(_Action):
    type: Literal["start_run"]
    run_id: str


class NextPhase(_Staged):
    type: Literal["next_phase"]


class PreviousPhase(_Staged):
    type: Literal["previous_phase"]


class TimerStart(_Action):
    type: Literal["timer_start"]
    minutes: float = Field(gt=0, le=180)


class TimerPause(_Action):
    type: Literal["timer_pause"]


class TimerResume(_Action):
    type: Literal["timer_resume"]


class TimerAdd(_Action):
    type: Literal["timer_add"]
    seconds: int = Field(ge=-3600, le=3600)


class TimerClear(_Action):
    type: Literal["timer_clear"]


class SetLocked(_Action):
    type: Literal["set_locked"]
    locked: bool


class RemoveParticipant(_Action):
    type: Literal["remove_participant"]
    participant_id: str


class SetTitle(_Action):
    type: Literal["set_title"]
    title: str


class Vote(_Staged):
    type: Literal["vote"]
    option: str


class SubmitQuestion(_Staged):
    type: Literal["submit_question"]
    slot: int = Field(ge=1, le=10)
    text: str = Field(max_length=2000)


class WithdrawQuestion(_Staged):
    type: Literal["withdraw_question"]
    slot: int = Field(ge=1, le=10)


class PlaceDot(_Staged):
    type: Literal["place_dot"]
    question: str = Field(max_length=100)


class RemoveDot(_Staged):
    type: Literal["remove_dot"]
    question: str = Field(max_length=100)


class HideQuestion(_Staged):
    type: Literal["hide_question"]
    question: str = Field(max_length=100)
    hidden: bool = True


class MergeQuestions(_Staged):
    type: Literal["merge_questions"]
    question: str = Field(max_length=100)
    into: str = Field(max_length=100)


class Spotlight(_Staged):
    type: Literal["spotlight"]
    question: str = Field(default="", max_length=100)
    """Empty clears the spotlight."""


class RepairPairs(_Staged):
    type: Literal["repair_pairs"]


class MoveParticipant(_Staged):
    type: Literal["move_participant"]
    participant_id: str = Field(max_length=100)
    to_pair: str = Field(max_length=20)
    """A pair id such as "p3", or "new" for a pair of their own."""


class Reseat(_Action):
    """Sent by the server itself after someone joins or leaves: seat them in pairs or teams."""

    type: Literal["reseat"]


class Rate(_Staged):
    type: Literal["rate"]
    candid: int | None = Field(default=None, ge=1, le=5)
    collaborative: int | None = Field(default=None, ge=1, le=5)
    compassionate: int | None = Field(default=None, ge=1, le=5)
    curious: int | None = Field(default=None, ge=1, le=5)
    landed: str = Field(default="", max_length=2000)
    try_next: str = Field(default="", max_length=2000)


class Post(_Staged):
    type: Literal["post"]
    text: str = Field(max_length=2000)
    answers: str = Field(default="", max_length=100)
    """For a rebuttal: the id of the argument it answers."""


class Upvote(_Staged):
    type: Literal["upvote"]
    post: str = Field(max_length=100)
    on: bool = True


class ChooseSide(_Staged):
    type: Literal["choose_side"]
    side: Literal["for", "against"]


class HidePost(_Staged):
    type: Literal["hide_post"]
    post: str = Field(max_length=100)
    hidden: bool = True


class BalanceTeams(_Staged):
    type: Literal["balance_teams"]


HostAction = (
    AddExercise
    | StartAgenda
    | RemoveRun
    | StartRun
    | NextPhase
    | PreviousPhase
    | TimerStart
    | TimerPause
    | TimerResume
    | TimerAdd
    | TimerClear
    | SetLocked
    | RemoveParticipant
    | SetTitle
    | HideQuestion
    | MergeQuestions
    | Spotlight
    | RepairPairs
    | MoveParticipant
    | Reseat
    | HidePost
    | BalanceTeams
)
ParticipantAction = (
    Vote
    | SubmitQuestion
    | WithdrawQuestion
    | PlaceDot
    | RemoveDot
    | Rate
    | Post
    | Upvote
    | ChooseSide
)
PARTICIPANT_ACTIONS = (
    Vote,
    SubmitQuestion,
    WithdrawQuestion,
    PlaceDot,
    RemoveDot,
    Rate,
    Post,
    Upvote,
    ChooseSide,
)
ROOM_ACTIONS = (TimerStart, TimerPause, TimerResume, TimerAdd, TimerClear, SetLocked, SetTitle)
"""Facilitator actions whose rules read nobody's record: only the room's own settings."""
Action = Annotated[HostAction | ParticipantAction, Field(discriminator="type")]

action_adapter: TypeAdapter[Action] = TypeAdapter(Action)
