"""One person's feedback on a conversation, as their phone's debrief and their personal card both
show it: per habit, their own rating beside what their partners gave (on average), each with its
number written out, and every comment as a quote of its own that says who gave it and which part
it answers. The phone and the card lay out this one model with one macro (`_feedback.html`)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workshop import words
from workshop.i18n import N_, Message

if TYPE_CHECKING:
    # The kinds' views use this module, and the kinds' package imports every kind.
    from workshop.kinds.base import CardComment, CardHabit, CardRound

TOP_SCORE = 5
AGREE = 0.05
"""Differences smaller than this read as agreement (the numbers are shown to one decimal)."""


@dataclass(frozen=True)
class HabitChart:
    """One habit: this person's own rating and their partners' average, each as a bar."""

    habit: str
    own: float | None
    received: tuple[int, ...]

    @property
    def partners(self) -> float | None:
        return sum(self.received) / len(self.received) if self.received else None

    @property
    def own_label(self) -> str:
        return words.decimal(self.own) if self.own is not None else N_("not rated")

    @property
    def partners_label(self) -> str:
        partners = self.partners
        return words.decimal(partners) if partners is not None else N_("not rated")

    @property
    def own_width(self) -> float:
        """The bar's length, 0 to 100, on the scale to 5."""
        return round(100 * (self.own or 0) / TOP_SCORE, 1)

    @property
    def partners_width(self) -> float:
        return round(100 * (self.partners or 0) / TOP_SCORE, 1)

    @property
    def note(self) -> str:
        """What the two bars say, in words."""
        partners = self.partners
        if partners is None:
            return N_("No partner rated this.")
        gave = Message(
            "Partners gave %(scores)s.", scores=Message.listed([str(s) for s in self.received])
        )
        if self.own is None:
            return Message.joined(gave, N_("You did not rate yourself."))
        gap = self.own - partners
        if abs(gap) < AGREE:
            return Message.joined(gave, N_("You see it as they do."))
        by = words.decimal(abs(gap))
        if gap > 0:
            return Message.joined(gave, Message("You rated yourself %(by)s higher.", by=by))
        return Message.joined(gave, Message("You rated yourself %(by)s lower.", by=by))


ROLE_NAMES = {"customer": N_("Your customer"), "observer": N_("Your observer")}
PARTS = (("landed", N_("What landed")), ("try_next", N_("What to try next")))


@dataclass(frozen=True)
class Quote:
    """One comment part, on its own: who said it (their role, never their name) and about what."""

    who: str
    part: str
    text: str


@dataclass(frozen=True)
class FeedbackView:
    habits: list[HabitChart]
    quotes: list[Quote]

    @property
    def rated(self) -> bool:
        """Somebody, the person included, gave a score."""
        return any(h.received or h.own is not None for h in self.habits)


def quotes_of(comments: Sequence["CardComment"]) -> list[Quote]:
    """Every comment part as its own quote: what landed first, then what to try next."""
    quotes = []
    for comment in comments:
        who = ROLE_NAMES.get(comment.role, Message("Your %(role)s", role=comment.role))
        for field, part in PARTS:
            text = getattr(comment, field)
            if text:
                quotes.append(Quote(who, part, text))
    return quotes


def habit_charts(habits: Sequence["CardHabit"]) -> list[HabitChart]:
    return [HabitChart(h.habit, h.own, tuple(h.received)) for h in habits]


def feedback_view(feedback: "CardRound") -> FeedbackView:
    return FeedbackView(habit_charts(feedback.habits), quotes_of(feedback.comments))
