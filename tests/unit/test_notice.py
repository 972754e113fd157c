"""A notice is rendered once per wording and numbered each time it is sent, and a piece once per
what it is drawn from: the result must be exactly what rendering the template each time gives,
escaping included."""

import pytest

from workshop import i18n
from workshop.kinds.best_question.views import BallotItem
from workshop.render import NOTICES_KEPT, Renderer

WORDINGS = [
    ("Vote saved ✓", "ok"),
    ("That name is already taken in this room. Please add an initial.", "error"),
    ('Removed <b>Ann</b> & "Bo" O\'Neil.', "ok"),
    ("", "error"),
]


@pytest.mark.parametrize(("message", "tone"), WORDINGS)
def test_a_kept_wording_renders_as_the_template_does(message: str, tone: str) -> None:
    renderer = Renderer()
    for seq in (0, 7, 12345, 7):
        expected = renderer.page("_notice.html", message=message, tone=tone, seq=seq)
        assert renderer.notice(message, tone, seq) == expected
    assert "<b>" not in renderer.notice(message, tone, 1)


def test_wordings_kept_are_bounded_and_still_right_after_a_clear() -> None:
    renderer = Renderer()
    for n in range(NOTICES_KEPT + 10):
        renderer.notice(f"Removed P{n}.", "ok", n)
    assert len(renderer._notices) <= NOTICES_KEPT
    expected = renderer.page("_notice.html", message="Removed P3.", tone="ok", seq=99)
    assert renderer.notice("Removed P3.", "ok", 99) == expected


def test_a_piece_is_drawn_once_for_what_it_is_drawn_from_and_as_the_template_draws_it() -> None:
    renderer = Renderer()
    item = BallotItem("p1.1", 'Why "now" & <why> not later?', mine=False, my_dots=1, can_dot=True)
    template = "best_question/ballot_item.html"
    drawn = renderer.piece(template, q=item, phase_key="r1.0:vote")
    assert drawn == renderer.page(template, q=item, phase_key="r1.0:vote")
    assert "&lt;why&gt;" in drawn and "Take back a dot" in drawn and "Add a dot" in drawn
    assert renderer.piece(template, q=item, phase_key="r1.0:vote") is drawn
    # Anything it is drawn from, or the language, makes another piece.
    mine = BallotItem("p1.1", item.text, mine=True, my_dots=0, can_dot=False)
    assert "Your question" in renderer.piece(template, q=mine, phase_key="r1.0:vote")
    assert 'value="r2.0:vote"' in renderer.piece(template, q=item, phase_key="r2.0:vote")
    with i18n.speaking("de"):
        assert renderer.piece(template, q=item, phase_key="r1.0:vote") is not drawn
