"""Participants' text in the Markdown export: read back by a CommonMark parser (with the tables and
strikethrough of GitHub's flavour), it is exactly the text that was typed, as plain text."""

from collections.abc import Callable, Iterable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it.token import Token

from tests.markdown_read import OWN_MARKUP, parse
from workshop.markdown import md_block, md_cell, md_heading, md_inline, md_table

TYPED = "Warm-up (q0): non-standard? #1 *really*"
HOSTILE = (
    "[x](javascript:alert(1))",
    "<script>alert(1)</script>",
    "# heading",
    "| pipe |",
    "<b>#1</b> **bold** _it_ `code` ~~gone~~ ![i](x.png) <http://x.example>",
    "- item",
    "1. first",
    "> quoted",
    "---",
    "```",
    "[ref]: /somewhere",
    "&lt;b&gt; &amp; &#35;",
    "line one\n# line two\n\n| a | b |\n|---|---|",
    "Round #",
    "ends with a backslash \\",
    "C:\\Users\\*",
)


def texts(tokens: Iterable[Token]) -> list[str]:
    """The plain text of each inline run; fails on any markup the export did not write itself."""
    found = []
    for token in tokens:
        assert token.type in OWN_MARKUP, token
        if token.type == "inline":
            children = token.children or []
            assert all(child.type == "text" for child in children), children
            found.append("".join(child.content for child in children))
    return found


def flat(text: str) -> str:
    return " ".join(text.split())


def inline(text: str) -> str:
    (read,) = texts(parse(f"Said: {md_inline(text)} (end)"))
    return read.removeprefix("Said: ").removesuffix(" (end)")


def paragraph(text: str) -> str:
    return "".join(texts(parse(md_block(text))))


def item(text: str) -> str:
    tokens = parse(f"- {md_block(text)}\n- next")
    assert [t.type for t in tokens].count("list_item_open") == 2, tokens
    return texts(tokens)[0]


def heading(text: str) -> str:
    tokens = parse(f"## {md_heading(text)}")
    assert tokens[0].tag == "h2"
    (read,) = texts(tokens)
    return read


def cell(text: str) -> str:
    tokens = parse(md_table(["Text", "Votes"], [(text, 3)]))
    assert sum(t.type == "td_open" for t in tokens) == 2, "the row's cells moved"
    return texts(tokens)[2]


READERS = (inline, paragraph, item, heading, cell)


def test_ordinary_text_is_written_as_typed() -> None:
    assert md_inline(TYPED) == "Warm-up (q0): non-standard? #1 \\*really\\*"
    assert md_block(TYPED) == md_heading(TYPED) == md_cell(TYPED) == md_inline(TYPED)
    for plain in ("Warm-up (q0): non-standard?", "5 * 3 = 15", "snake_case", "+1, -2 °C, 3.5"):
        assert md_inline(plain) == md_block(plain) == md_cell(plain) == plain


@pytest.mark.parametrize("read", READERS, ids=lambda read: read.__name__)
@pytest.mark.parametrize("text", [TYPED, *HOSTILE])
def test_text_reads_back_as_typed_and_stays_inert(read: Callable[[str], str], text: str) -> None:
    assert read(text) == flat(text)


def test_only_what_markdown_would_act_on_is_escaped() -> None:
    assert md_inline("[x](javascript:alert(1))") == "\\[x\\](javascript:alert(1))"
    assert md_inline("<script>") == "\\<script>"
    assert md_inline("a < b and b > a") == "a < b and b > a"
    assert md_inline("# heading") == "# heading"
    assert md_block("# heading") == "\\# heading"
    assert md_block("- item") == "\\- item"
    assert md_block("-5 degrees") == "-5 degrees"
    assert md_block("2026. A year") == "2026\\. A year"
    assert md_block("> quote") == "\\> quote"
    assert md_heading("Round #") == "Round \\#"
    assert md_heading("C#") == "C#"
    assert md_inline("| pipe") == "| pipe"
    assert md_cell("| pipe") == "\\| pipe"
    assert md_inline("Tom &amp; Jerry & co") == "Tom \\&amp; Jerry & co"
    assert md_inline("C:\\Users\\*") == "C:\\Users\\\\\\*"
    assert md_inline("line\none") == "line one"


def test_a_table_aligns_numbers_right() -> None:
    assert md_table(["Option", "Votes"], [("Yes", 2)], numbers={1}) == (
        "| Option | Votes |\n|---|---:|\n| Yes | 2 |"
    )


@given(
    st.text(
        alphabet=st.sampled_from(list("ab1é… \n\t*_~`[]()<>!#&;|\\-+.=:/@"))
        | st.characters(exclude_categories=("Cc", "Cs")),
        max_size=40,
    )
)
def test_any_text_reads_back_as_typed(text: str) -> None:
    for read in READERS:
        if read is not inline and not flat(text):
            continue
        assert read(text) == flat(text), read.__name__
