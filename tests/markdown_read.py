"""Markdown read back as a reader of a wiki sees it: a CommonMark parser, with the tables and
strikethrough of GitHub's flavour. Shared by the tests of the Markdown export."""

from collections.abc import Iterable, Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token

OWN_MARKUP = frozenset(
    {
        "paragraph_open",
        "paragraph_close",
        "inline",
        "text",
        "softbreak",
        "heading_open",
        "heading_close",
        "bullet_list_open",
        "bullet_list_close",
        "list_item_open",
        "list_item_close",
        "table_open",
        "table_close",
        "thead_open",
        "thead_close",
        "tbody_open",
        "tbody_close",
        "tr_open",
        "tr_close",
        "th_open",
        "th_close",
        "td_open",
        "td_close",
    }
)
"""What the export writes itself: headings, paragraphs, bullet lists and tables of plain text.
Anything else (a link, an image, HTML, emphasis, code, a quote, a rule) came from someone's text."""


def parse(markdown: str) -> list[Token]:
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    parser.validateLink = lambda url: True  # judge the construct, not the URL
    return parser.parse(markdown)


def walk(tokens: Iterable[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from walk(token.children)


def plain(token: Token) -> str:
    """An inline token's text as shown."""
    return "".join(
        " " if child.type == "softbreak" else child.content for child in token.children or []
    )


def texts(markdown: str) -> list[str]:
    """The shown text of every paragraph, list item's line, heading and table cell, in order."""
    return [plain(token) for token in parse(markdown) if token.type == "inline"]


def tables(markdown: str) -> dict[tuple[str, ...], list[list[str]]]:
    """Header -> rows of every table, cells as shown (tables with the same header are joined)."""
    found: dict[tuple[str, ...], list[list[str]]] = {}
    header: list[str] = []
    row: list[str] = []
    cell = ""
    for token in parse(markdown):
        match token.type:
            case "tr_open":
                row = []
            case "th_open" | "td_open":
                cell = token.type
            case "inline" if cell:
                row.append(plain(token))
            case "th_close" | "td_close":
                cell = ""
            case "tr_close" if header and row is not header:
                found[tuple(header)].append(row)
            case "tr_close":
                header = row
                found.setdefault(tuple(header), [])
            case "table_close":
                header = []
    return found


def assert_inert(markdown: str) -> None:
    """Fails on any markup the export does not write itself, and on any heading that is not one
    of its own lines starting with "#"."""
    tokens = parse(markdown)
    foreign = [f"{t.type} {t.content!r}" for t in walk(tokens) if t.type not in OWN_MARKUP]
    assert not foreign, foreign
    headings = [t.map[0] for t in tokens if t.type == "heading_open" and t.map]
    own = [n for n, line in enumerate(markdown.splitlines()) if line.startswith("#")]
    assert headings == own, (headings, own)
