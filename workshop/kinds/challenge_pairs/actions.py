"""What challenge pairs adds to the actions a screen can send."""

from typing import ClassVar, Literal

from pydantic import Field

from workshop.action_base import KindHostAction, ParticipantAction


class Rate(ParticipantAction):
    type: Literal["rate"]
    candid: int | None = Field(default=None, ge=1, le=5)
    collaborative: int | None = Field(default=None, ge=1, le=5)
    compassionate: int | None = Field(default=None, ge=1, le=5)
    curious: int | None = Field(default=None, ge=1, le=5)
    landed: str = Field(default="", max_length=2000)
    try_next: str = Field(default="", max_length=2000)


class RepairPairs(KindHostAction):
    type: Literal["repair_pairs"]

    elsewhere: ClassVar[str] = "The current exercise has no pairs."


class MoveParticipant(KindHostAction):
    type: Literal["move_participant"]
    participant_id: str = Field(max_length=100)
    to_pair: str = Field(max_length=20)
    """A pair id such as "p3", or "new" for a pair of their own."""

    elsewhere: ClassVar[str] = "The current exercise has no pairs."


ParticipantActions = Rate
HostActions = RepairPairs | MoveParticipant
PARTICIPANT_ACTIONS = (Rate,)
HOST_ACTIONS = (RepairPairs, MoveParticipant)
