from dataclasses import dataclass


@dataclass(frozen=True)
class PhaseSpec:
    """One step of an exercise as the facilitator drives it."""

    name: str
    title: str
    host_hint: str
    """What the facilitator should do now, shown on the console."""
