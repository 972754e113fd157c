"""A notice is rendered once per wording and numbered each time it is sent: the result must be
exactly what rendering the template each time gives, escaping included."""

import pytest

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
