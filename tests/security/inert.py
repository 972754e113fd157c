"""Hostile text, and the checks that it stays inert in HTML, Markdown and CSV.

"Inert" means the text is shown as text: no element or attribute of a page comes from it, a template
expression in it is never evaluated, Markdown makes no link or HTML of it, and a spreadsheet opening
the CSV runs no formula from it.
"""

import csv
import io
import re
from collections.abc import Iterable
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.token import Token

PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    'hx-get="/x" hx-trigger="load"',
    "{{ 7*7 }}",
    "{% raw %}",
    "javascript:alert(1)",
    "[x](javascript:alert(1))",
    "=cmd|' /C calc'!A0",
    "</textarea>",
    '"><svg onload=alert(1)>',
)
TEMPLATE_PROBE = "{{ 1337*1337 }}"
EVALUATED_PROBE = str(1337 * 1337)
"""What a template engine would make of TEMPLATE_PROBE; it must appear nowhere."""

NAMES = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    'hx-get="/x" hx-trigger="load"',
    f"{{{{ 7*7 }}}} {{% raw %}} {TEMPLATE_PROBE}",
    "javascript:alert(1) </textarea>",
    "[x](javascript:alert(1))",
    "=cmd|' /C calc'!A0",
    '"><svg onload=alert(1)>',
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
)
"""One participant per name: each at most 40 characters, as names are."""

TITLE = '<script>alert(1)</script> {{ 7*7 }} "><svg onload=alert(1)>'
"""The workshop title (at most 80 characters)."""

_LEADS = ("=1+1 ", "+1+1 ", "-1+1 ", "@SUM(1) ", "")
_HALF = len(PAYLOADS) // 2


def long_text(person: int) -> str:
    """A question, argument or rebuttal (at most 280 characters) carrying every payload, starting
    with a character that spreadsheets read as the start of a formula."""
    rotated = PAYLOADS[person % len(PAYLOADS) :] + PAYLOADS[: person % len(PAYLOADS)]
    return _LEADS[person % len(_LEADS)] + " ".join((*rotated, TEMPLATE_PROBE))


def comment(person: int, part: int) -> str:
    """Half of the payloads each for "what landed" and "what to try" (at most 200 characters)."""
    half = PAYLOADS[:_HALF] if part == 0 else (*PAYLOADS[_HALF:], TEMPLATE_PROBE)
    return _LEADS[(person + part) % len(_LEADS)] + " ".join(half)


# HTML --------------------------------------------------------------------------------------------

LIVE_ATTRIBUTES = frozenset(
    {"hx-ext", "hx-disable", "hx-preserve", "hx-swap-oob", "ws-connect", "ws-send"}
)
"""The htmx attributes the app's own templates use; any other came from somewhere else."""
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "poster", "background", "ping", "data"}
)
FOREIGN_TAGS = frozenset({"img", "iframe", "object", "embed", "frame", "frameset", "base", "audio"})
OWN_FRAME = {"title": "What the projector shows", "tabindex": "-1"}
"""The console's live miniature of its own projector view (src "/screen/CODE"): the one frame the
app's templates draw, once per page at most."""
_OWN_FRAME_SRC = re.compile(r"/screen/[A-Z0-9]{6}")
_ATTRIBUTE_NAME = re.compile(r"[a-z][a-z0-9:_.-]*")


class _Document(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.texts: list[str] = []
        self._raw = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))
        if tag in ("script", "style"):
            self._raw += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._raw:
            self._raw -= 1

    def handle_data(self, data: str) -> None:
        if not self._raw:
            self.texts.append(data)


def html_problems(page: str) -> list[str]:
    """Every element or attribute of `page` that the app's templates would never produce."""
    document = _Document()
    document.feed(page)
    document.close()
    problems = []
    own_frames = 0
    for tag, attrs in document.elements:
        values = dict(attrs)
        own = (
            tag == "iframe"
            and _OWN_FRAME_SRC.fullmatch(values.get("src") or "") is not None
            and {k: v for k, v in values.items() if k != "src"} == OWN_FRAME
        )
        own_frames += own
        if tag in FOREIGN_TAGS and (not own or own_frames > 1):
            problems.append(f"<{tag}> element {attrs}")
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            problems.append(f"inline or foreign <script> {attrs}")
        for name, value in attrs:
            if not _ATTRIBUTE_NAME.fullmatch(name):
                problems.append(f"<{tag}> has a malformed attribute {name!r}")
            if name.startswith("on"):
                problems.append(f"<{tag}> has an event handler {name}={value!r}")
            bare = name.removeprefix("data-")
            if bare.startswith(("hx-", "ws-")) and bare not in LIVE_ATTRIBUTES:
                problems.append(f"<{tag}> has an htmx attribute {name}={value!r}")
            if name in URL_ATTRIBUTES:
                url = (value or "").strip().lower()
                if url.startswith(("javascript:", "vbscript:", "data:text")) or url in ("x", "/x"):
                    problems.append(f"<{tag}> points at {name}={value!r}")
    return problems


def visible_text(page: str) -> str:
    """The page's text, entities decoded, scripts and styles left out, whitespace folded."""
    document = _Document()
    document.feed(page)
    document.close()
    return " ".join(" ".join(document.texts).split())


def assert_inert_html(page: str, where: str) -> str:
    """Fails on markup that came from user text; returns the page's visible text."""
    problems = html_problems(page)
    assert not problems, f"{where}: {problems}"
    assert EVALUATED_PROBE not in page, f"{where}: a template expression in user text was run"
    return visible_text(page)


# Markdown ----------------------------------------------------------------------------------------

_LIVE_MARKDOWN = frozenset({"link_open", "image", "html_inline", "html_block"})


def _tokens(tokens: Iterable[Token]) -> Iterable[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _tokens(token.children)


def assert_inert_markdown(markdown: str, where: str) -> str:
    """Renders with a CommonMark parser (raw HTML allowed) and fails on any link, image or HTML;
    returns the rendered text."""
    parser = MarkdownIt("commonmark")
    # Judge the construct, not the URL: other renderers do not all refuse javascript: links.
    parser.validateLink = lambda url: True
    live = [
        f"{token.type} {token.content or token.attrs!r}"
        for token in _tokens(parser.parse(markdown))
        if token.type in _LIVE_MARKDOWN
    ]
    assert not live, f"{where}: {live}"
    return assert_inert_html(parser.render(markdown), where)


# CSV ---------------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?")


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def unguarded_cells(rows: Iterable[list[str]]) -> list[str]:
    """Cells a spreadsheet would run as a formula: text starting with = + - @, tab or CR."""
    return [
        cell
        for row in rows
        for cell in row
        if cell.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(cell)
    ]
