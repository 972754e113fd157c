"""The base of every action a screen can send, and the actions more than one kind accepts.

Kept apart from `workshop.actions` so that a kind's package can define its own actions without
importing the union they join.
"""

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from workshop.i18n import N_

ActionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]


class BaseAction(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, str_max_length=2000)

    action_id: ActionId
    """Chosen by the client; a replay of the same id changes nothing."""


class Staged(BaseAction):
    seen_phase: str = ""
    """The phase key the sender was looking at; an action for an earlier phase is refused."""


class KindHostAction(Staged):
    """A facilitator action that only some kinds of exercise accept."""

    elsewhere: ClassVar[str] = N_("The current exercise does not do that.")
    """Why it is refused when the current exercise is of a kind that does not accept it."""


class ParticipantAction(Staged):
    """An action a participant sends. The current exercise's kind decides it (see `Kind.decide`);
    every kind's participant actions subclass this."""


class Vote(ParticipantAction):
    """One participant's choice among an exercise's options (a poll's, or a debate's sides)."""

    type: Literal["vote"]
    option: str
