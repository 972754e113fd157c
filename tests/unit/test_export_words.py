"""The Markdown and printable exports read as written: participants' text as typed (and inert),
numbers that agree with their nouns, teams by the names the screens use, rebuttals that say whose
they are, dates as people write them, and the design system's tokens in the standalone pages."""

import re

import pytest

from tests import markdown_read
from workshop.exports import to_json, to_markdown
from workshop.feedback import feedback_view
from workshop.kinds.advocacy_debate.summary import DebatePost, DebateRound, DebateSummary, Team
from workshop.kinds.base import CardPost
from workshop.kinds.best_question.summary import BestQuestionSummary, QuestionEntry, QuestionRound
from workshop.kinds.warmup_poll.summary import PollResult, PollSummary, PollVote
from workshop.render import Renderer
from workshop.summary import Person, PersonalCard, Summary

TYPED = "Warm-up (q0): non-standard? #1 *really*"
HOSTILE = ("[x](javascript:alert(1))", "<script>alert(1)</script>", "# heading", "| pipe")
ADA, BEA = "Ada", "Bea <b>#2</b>"


def post(id: str, side: str, kind: str, text: str, upvotes: int, answers: str = "") -> DebatePost:
    author = ADA if side == "for" else BEA
    return DebatePost(
        id=id,
        side=side,
        team="for-1" if side == "for" else "against-2",
        kind=kind,
        author=author,
        text=text,
        upvotes=upvotes,
        answers=answers,
    )


def summary(hidden: int = 1) -> Summary:
    return Summary(
        room="ABC234",
        title="",
        date="2026-12-04",
        exported_at="2026-12-04T18:58:30+00:00",
        anonymised=False,
        participants=[Person(ref="P1", name=ADA, present=True)],
        exercises=[
            PollSummary(
                run="r1",
                title="Warm-up: the hardest habit",
                question="Which habit is hardest?",
                results=[PollResult(option="Being candid", votes=1)],
                votes=[PollVote(participant=ADA, option="Being candid")],
            ),
            BestQuestionSummary(
                run="r2",
                title="Best question",
                rounds=[
                    QuestionRound(
                        round=1,
                        scenario="The nurse",
                        questions=[
                            QuestionEntry(
                                id=f"q{n}", rank=n + 1, tied=False, text=t, dots=1, authors=[ADA]
                            )
                            for n, t in enumerate((TYPED, *HOSTILE))
                        ],
                        dots=[],
                        hidden=1,
                    )
                ],
            ),
            DebateSummary(
                run="r3",
                title="Debate",
                rounds=[
                    DebateRound(
                        round=1,
                        case="The bundle",
                        motion="The rep should go to bat for it.",
                        teams=[
                            Team(team="for-1", label="For · team 1", side="for", members=[ADA]),
                            Team(
                                team="against-2",
                                label="Against · team 2",
                                side="against",
                                members=[BEA],
                            ),
                        ],
                        first={"for": 1, "against": 1, "undecided": 0},
                        final={"for": 2, "against": 0, "undecided": 0},
                        shift={"for": 50.0, "against": -50.0, "undecided": -0.4},
                        voted_both=1,
                        winner="for",
                        posts=[
                            post("a1", "for", "argument", "Loyalty counts", 1),
                            post("a2", "against", "argument", "# Margins fall", 2),
                            post("r1", "against", "rebuttal", "Not a business case", 0, "a1"),
                            post("r2", "for", "rebuttal", "[x](javascript:alert(1))", 1, "a2"),
                        ],
                        votes=[],
                        hidden=hidden,
                    )
                ],
            ),
        ],
        hidden_items=hidden,
    )


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def test_a_typed_question_is_in_the_markdown_as_typed() -> None:
    md = to_markdown(summary())
    markdown_read.assert_inert(md)
    # Only the asterisks, which would make emphasis, are escaped.
    assert "| 1 | Warm-up (q0): non-standard? #1 \\*really\\* | 1 | Ada |" in md
    rows = markdown_read.tables(md)[("Rank", "Question", "Dots", "Written by")]
    assert [row[1] for row in rows] == [TYPED, *HOSTILE]
    # The hostile ones are escaped just where they would act.
    assert "| 2 | \\[x\\](javascript:alert(1)) | 1 | Ada |" in md
    assert "| 3 | \\<script>alert(1)\\</script> | 1 | Ada |" in md
    assert "| 4 | # heading | 1 | Ada |" in md
    assert "| 5 | \\| pipe | 1 | Ada |" in md


def test_numbers_agree_with_their_nouns() -> None:
    md = to_markdown(summary())
    shown = markdown_read.texts(md)
    assert "Room ABC234 · 4 December 2026 · 1 participant" in shown
    assert "1 post or question the facilitator hid is left out." in shown
    assert "1 vote cast." in shown
    assert "1 hidden question left out." in shown
    assert "1 hidden post left out." in shown
    assert "Loyalty counts (1 upvote, Ada, For · team 1)" in shown
    assert (
        "Winner by shift: For, the side that moved more of the room (counted over 1 person who voted both times)."
        in shown
    )
    assert not re.search(r"\b1 (participants|upvotes|votes|people|hidden \w+s)\b", md)
    assert "(s)" not in md
    two = to_markdown(summary(hidden=2))
    assert "2 posts and questions the facilitator hid are left out." in two


def test_teams_go_by_the_names_the_screens_use(renderer: Renderer) -> None:
    md = to_markdown(summary())
    page = renderer.page("export.html", summary=summary())
    assert "- For · team 1: Ada" in md and "- Against · team 2: Bea \\<b>#2\\</b>" in md
    assert "<strong>Against · team 2:</strong>" in page
    for body in (md, page):
        assert not re.search(r"\b(for|against)-\d", body)
    # The JSON, for tools, keeps the ids beside the labels.
    assert '"team": "against-2"' in to_json(summary())


def test_each_rebuttal_says_whose_it_is(renderer: Renderer) -> None:
    md = to_markdown(summary())
    for_part, against_part = md.split("#### Arguments against the motion")
    assert "#### Arguments for the motion" in for_part
    assert "  - Rebuttal from Against: Not a business case (0 upvotes, Bea \\<b>#2\\</b>)" in (
        for_part
    )
    assert "  - Rebuttal from For: \\[x\\](javascript:alert(1)) (1 upvote, Ada)" in against_part
    # The most upvoted argument first; one that starts like a heading is not one.
    assert "- \\# Margins fall (2 upvotes, Bea \\<b>#2\\</b>, Against · team 2)" in against_part
    page = renderer.page("export.html", summary=summary())
    assert '<span class="label">Rebuttal from Against:</span>' in page
    assert '<span class="label">Rebuttal from For:</span>' in page


def test_shifts_are_rounded_before_they_are_signed() -> None:
    rows = markdown_read.tables(to_markdown(summary()))[
        ("Vote", "First", "Final", "Shift (points)")
    ]
    assert [row[3] for row in rows] == ["+50", "-50", "+0"]


def test_dates_are_written_for_people(renderer: Renderer) -> None:
    md = to_markdown(summary())
    assert "Exported 4 December 2026, 18:58 UTC." in md
    assert "2026-12-04" not in md
    page = renderer.page("export.html", summary=summary())
    assert '<time datetime="2026-12-04T18:58:30+00:00">4 December 2026, 18:58 UTC</time>' in page
    assert '<time datetime="2026-12-04">4 December 2026</time>' in page
    assert '"exported_at": "2026-12-04T18:58:30+00:00"' in to_json(summary())


def own_style(page: str) -> str:
    """The page's style sheet without the design tokens it carries inline."""
    style = page.split("<style>", 1)[1].split("</style>", 1)[0]
    tokens = (Renderer().env.globals["design_tokens"]).strip()
    assert tokens in style, "the design tokens are not inline"
    return style.replace(tokens, "")


def card() -> PersonalCard:
    return PersonalCard(
        room="ABC234",
        title="",
        date="2026-12-04",
        name=ADA,
        questions=[],
        feedback=[],
        posts=[
            CardPost(exercise="Debate", round=1, kind="argument", side="for", text="x", upvotes=1)
        ],
    )


def test_the_standalone_pages_use_the_design_tokens_and_print_black_on_white(
    renderer: Renderer,
) -> None:
    pages = {
        "report": renderer.page("export.html", summary=summary()),
        "card": renderer.page(
            "card.html",
            card=card(),
            feedback=[(part, feedback_view(part)) for part in card().feedback],
        ),
    }
    for name, page in pages.items():
        style = own_style(page)
        assert "var(--ink)" in style and "var(--line)" in style, name
        colours = [
            line
            for line in style.splitlines()
            if re.search(r"#[0-9a-fA-F]{3,6}\b", line) and not line.startswith(".swatch")
        ]
        assert not colours, (name, colours)
        assert re.search(r"@media print \{\s*/\*[^*]*\*/\s*:root \{ color-scheme: light; \}", style)
        assert "<script" not in page and "<link" not in page, name
    assert "4 December 2026" in pages["card"] and "1 upvote<" in pages["card"]
