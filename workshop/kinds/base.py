"""What every exercise kind shares: phase descriptions and the common content fields."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
SeedRef = Annotated[str, StringConstraints(pattern=r"^\d{3}$")]


@dataclass(frozen=True)
class PhaseSpec:
    """One step of an exercise as the facilitator drives it."""

    name: str
    title: str
    host_hint: str
    """What the facilitator should do now, shown on the console."""
    reveals: bool = False
    """This step shows the room its results (the console's "reveal" key moves to it)."""


class ExerciseContent(BaseModel):
    """Fields every exercise file has, whatever its kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: Line
    summary: Line
    seeds: list[SeedRef] = Field(min_length=1)
    """The seed digests (by number) the exercise draws on."""
    minutes: int = Field(ge=1, le=180)
    notes: str = ""
    """Facilitator notes, shown on the console only."""


class HasId(Protocol):
    @property
    def id(self) -> str: ...


_Item = TypeVar("_Item", bound=HasId)


def distinct_ids(items: Sequence[_Item], what: str) -> Sequence[_Item]:
    """For validators: every item of a list needs its own id."""
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise ValueError(f"every {what} needs its own id")
    return items
