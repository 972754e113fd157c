"""The feedback a phone's debrief and a personal card show: each habit's own rating beside the
partners' average, in bars and in words, and each comment part as its own quote."""

import pytest

from workshop.feedback import HabitChart, Quote, feedback_view, quotes_of
from workshop.kinds.base import CardComment, CardHabit, CardRound


def test_a_habit_puts_the_partners_average_beside_the_own_rating() -> None:
    chart = HabitChart("Curious", 4.0, (3, 4))
    assert chart.partners == 3.5
    assert (chart.own_label, chart.partners_label) == ("4.0", "3.5")
    assert (chart.own_width, chart.partners_width) == (80.0, 70.0)
    assert chart.note == "Partners gave 3 and 4. You rated yourself 0.5 higher."


@pytest.mark.parametrize(
    ("own", "received", "note"),
    [
        (2.0, (3, 4, 5), "Partners gave 3, 4 and 5. You rated yourself 2.0 lower."),
        (4.0, (4,), "Partners gave 4. You see it as they do."),
        (None, (2, 5), "Partners gave 2 and 5. You did not rate yourself."),
        (3.0, (), "No partner rated this."),
    ],
)
def test_the_note_says_in_words_what_the_bars_show(
    own: float | None, received: tuple[int, ...], note: str
) -> None:
    assert HabitChart("Candid", own, received).note == note


def test_a_missing_rating_has_no_bar_and_says_so() -> None:
    chart = HabitChart("Candid", None, ())
    assert (chart.own_width, chart.partners_width) == (0, 0)
    assert (chart.own_label, chart.partners_label) == ("not rated", "not rated")


def test_each_comment_part_is_its_own_quote_saying_who_and_which_part() -> None:
    quotes = quotes_of(
        [
            CardComment(role="customer", landed="You asked first.", try_next="Pause longer."),
            CardComment(role="observer", landed="", try_next="Name the worry."),
        ]
    )
    assert quotes == [
        Quote("Your customer", "What landed", "You asked first."),
        Quote("Your customer", "What to try next", "Pause longer."),
        Quote("Your observer", "What to try next", "Name the worry."),
    ]


def test_a_card_round_becomes_one_view_for_the_phone_and_the_card() -> None:
    round_ = CardRound(
        exercise="Pairs",
        round=1,
        case="The case",
        habits=[CardHabit(habit="Candid", received=[2, 4], own=3.0)],
        comments=[CardComment(role="observer", landed="Kind and clear.", try_next="")],
    )
    view = feedback_view(round_)
    assert view.habits == [HabitChart("Candid", 3.0, (2, 4))]
    assert view.quotes == [Quote("Your observer", "What landed", "Kind and clear.")]
    assert view.rated
    assert not feedback_view(round_.model_copy(update={"habits": []})).rated
