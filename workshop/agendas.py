"""Ready agendas: a workshop's exercises in order, with the time each is planned to take."""

from typing import Self

from pydantic import BaseModel, ConfigDict, Field

from workshop.i18n import Language
from workshop.kinds.base import Line, Slug

AGENDA_MAX = 30
"""The most exercises one room's agenda holds."""


class AgendaItem(BaseModel):
    """One exercise of a ready agenda, with the time it is planned to take."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    exercise: Slug
    minutes: int = Field(ge=1, le=180)
    rounds: int | None = Field(default=None, ge=1)
    """Play only the exercise's first rounds (scenarios or cases); unset: all of them."""


class AgendaWords(BaseModel):
    """An agenda's title and summary in another language."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Line
    summary: Line


class Agenda(BaseModel):
    """A ready-made workshop: exercises in order, started together from the console."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: Line
    summary: Line
    items: list[AgendaItem] = Field(min_length=1, max_length=AGENDA_MAX)
    closing_minutes: int = Field(default=0, ge=0, le=60)
    """Time kept at the end for a close that is not an exercise."""
    translations: dict[Language, AgendaWords] = Field(default_factory=dict)
    """The title and summary in other languages, by language (`de:`, `es:`)."""

    def in_language(self, language: str) -> Self:
        """The agenda as a room speaking `language` shows it: its own words where it has them."""
        words = self.translations.get(language)  # type: ignore[call-overload]
        if words is None:
            return self
        return self.model_copy(update={"title": words.title, "summary": words.summary})

    @property
    def minutes(self) -> int:
        return sum(item.minutes for item in self.items) + self.closing_minutes
