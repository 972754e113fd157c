"""Exercise kinds: each module holds one kind's content model, phases and pure rules."""

from types import ModuleType

from workshop.kinds import warmup_poll
from workshop.kinds.base import PhaseSpec

# A single kind for now; this becomes a discriminated union on `kind` as kinds are added.
Exercise = warmup_poll.WarmupPoll

KINDS: dict[str, ModuleType] = {"warmup_poll": warmup_poll}


def phases_of(exercise: Exercise) -> tuple[PhaseSpec, ...]:
    phases: tuple[PhaseSpec, ...] = KINDS[exercise.kind].PHASES
    return phases


def data_of(exercise: Exercise) -> tuple[str, ...]:
    data: tuple[str, ...] = KINDS[exercise.kind].DATA
    return data


__all__ = ["KINDS", "Exercise", "PhaseSpec", "data_of", "phases_of"]
