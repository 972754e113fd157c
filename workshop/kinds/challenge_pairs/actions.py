"""What challenge pairs adds to the actions a screen can send."""

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, StringConstraints, field_validator

from workshop.action_base import KindHostAction, ParticipantAction
from workshop.i18n import N_

Tick = Annotated[str, StringConstraints(max_length=40)]


class Rate(ParticipantAction):
    type: Literal["rate"]
    candid: int | None = Field(default=None, ge=1, le=5)
    collaborative: int | None = Field(default=None, ge=1, le=5)
    compassionate: int | None = Field(default=None, ge=1, le=5)
    curious: int | None = Field(default=None, ge=1, le=5)
    landed: str = Field(default="", max_length=2000)
    try_next: str = Field(default="", max_length=2000)
    ticks: tuple[Tick, ...] = Field(default=(), max_length=12)
    """The checklist items the rater saw, by number ("1" is the first). A form sends one ticked
    box as a single value and several as a list; numbers in a hand-made frame count as well."""

    @field_validator("ticks", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            value = [value]
        if isinstance(value, list):
            return [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
        return value


class RepairPairs(KindHostAction):
    type: Literal["repair_pairs"]

    elsewhere: ClassVar[str] = N_("The current exercise has no pairs.")


class MoveParticipant(KindHostAction):
    type: Literal["move_participant"]
    participant_id: str = Field(max_length=100)
    to_pair: str = Field(max_length=20)
    """A pair id such as "p3", or "new" for a pair of their own."""

    elsewhere: ClassVar[str] = N_("The current exercise has no pairs.")


ParticipantActions = Rate
HostActions = RepairPairs | MoveParticipant
PARTICIPANT_ACTIONS = (Rate,)
HOST_ACTIONS = (RepairPairs, MoveParticipant)
