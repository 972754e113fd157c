"""Everything a screen can ask for, as one discriminated union parsed from a websocket frame."""

from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from workshop.action_base import ActionId as ActionId
from workshop.action_base import BaseAction
from workshop.action_base import KindHostAction as KindHostAction
from workshop.action_base import ParticipantAction as ParticipantAction
from workshop.action_base import Staged as Staged
from workshop.action_base import Vote as Vote
from workshop.i18n import Language
from workshop.kinds import Exercise, KindHostActions, KindParticipantActions

_Action = BaseAction
_Staged = Staged


class AddExercise(_Action):
    type: Literal["add_exercise"]
    exercise_id: str


class AddOwnExercise(_Action):
    """Puts an exercise written or adapted in the editor (or uploaded) on the agenda."""

    type: Literal["add_own_exercise"]
    exercise: Exercise


class EditExercise(_Action):
    """Replaces the text of an exercise on the agenda, before it starts."""

    type: Literal["edit_exercise"]
    run_id: str
    exercise: Exercise


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


class SetLanguage(_Action):
    type: Literal["set_language"]
    language: Language


class SetScreen(_Action):
    """Changes how the projector looks; a field left out stays as it is."""

    type: Literal["set_screen"]
    theme: Literal["light", "dark"] | None = None
    blank: bool | None = None
    show_join: bool | None = None


class RemoveParticipant(_Action):
    type: Literal["remove_participant"]
    participant_id: str


class SetTitle(_Action):
    type: Literal["set_title"]
    title: str


class Reseat(_Action):
    """Sent by the server itself after someone joins or leaves: seat them in pairs or teams."""

    type: Literal["reseat"]


HostAction = (
    AddExercise
    | AddOwnExercise
    | EditExercise
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
    | SetLanguage
    | SetScreen
    | RemoveParticipant
    | SetTitle
    | Reseat
    | KindHostActions
)
ROOM_ACTIONS = (
    TimerStart,
    TimerPause,
    TimerResume,
    TimerAdd,
    TimerClear,
    SetLocked,
    SetLanguage,
    SetScreen,
    SetTitle,
)
"""Facilitator actions whose rules read nobody's record: only the room's own settings."""
Action = Annotated[HostAction | KindParticipantActions, Field(discriminator="type")]
"""Every action: the shared facilitator actions above, and each kind's own (see the registry)."""

action_adapter: TypeAdapter[Action] = TypeAdapter(Action)
