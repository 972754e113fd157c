"""Participants' text as inert Markdown, for the Markdown export (shared by every kind's section).

The text must read exactly as it was typed, so only what Markdown (CommonMark, and the tables and
strikethrough of GitHub's flavour) would act on is escaped, where it would act:

- anywhere: a backslash before punctuation (or at the end), a backtick (code), `[` and `]` (links,
  images), `<` before anything but a space (HTML, autolinks), `&` that spells an entity (`&amp;`),
  and runs of `*`, `_` or `~` that could open or close emphasis or strikethrough: all but those
  with a space on each side, and, for `_`, those inside a word (`snake_case`);
- at the start of a block (a paragraph, a list item): `#` (heading), `>` (quote), `-` or `+` as a
  list marker or a rule, and `1.` or `1)` (a numbered list);
- in a heading: a closing run of `#` at the end;
- in a table cell: `|`.

White space, line breaks included, is folded to single spaces first: a line break would start a new
block (or end a table row), and two trailing spaces would make one.
"""

import re
from collections.abc import Collection, Iterable, Sequence

_INLINE = re.compile(
    r"""
      \\(?=[!-/:-@\[-`{-~]|\Z)  # a backslash that would escape what follows it
    | [`\[\]]                   # code spans, links and images
    | <(?=\S)                   # HTML and autolinks
    | &(?=\#?\w+;)              # an entity or character reference
    | \*+ | _+ | ~+             # emphasis and strikethrough, by their neighbours
    """,
    re.VERBOSE,
)
_LIST_MARKER = re.compile(r"[-+](?=\s|\Z|[-+])")
_NUMBERED = re.compile(r"(\d{1,9})([.)])(?=\s|\Z)")
_CLOSING_HASHES = re.compile(r"(?:^|(?<=\s))#+\Z")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _escape(match: re.Match[str]) -> str:
    found = match.group()
    if found[0] in "*_~":
        text, start, end = match.string, match.start(), match.end()
        before = text[start - 1] if start > 0 else ""
        after = text[end] if end < len(text) else ""
        # A run with a space on each side can neither open nor close (the ends of the text are
        # unknown: whatever the export writes around it). An `_` inside a word cannot either.
        if before.isspace() and after.isspace():
            return found
        if found[0] == "_" and before.isalnum() and after.isalnum():
            return found
        return "".join("\\" + c for c in found)
    return "\\" + found


def md_inline(text: str) -> str:
    """Text written after other words on a line: "Motion: …", "… (2 upvotes, Name)"."""
    return _INLINE.sub(_escape, _flat(text))


def md_block(text: str) -> str:
    """Text that starts a block: a paragraph of its own, or a list item's words after "- "."""
    flat = _flat(text)
    escaped = md_inline(flat)
    if flat.startswith(("#", ">")) or _LIST_MARKER.match(flat):
        return "\\" + escaped
    if numbered := _NUMBERED.match(flat):
        return numbered.group(1) + "\\" + escaped[len(numbered.group(1)) :]
    return escaped


def md_heading(text: str) -> str:
    """A heading's words, after "## " (a run of `#` at the end would be read as its closing)."""
    escaped = md_inline(text)
    closing = _CLOSING_HASHES.search(escaped)
    if closing:
        return escaped[: closing.start()] + "\\" + escaped[closing.start() :]
    return escaped


def md_cell(text: str) -> str:
    """A table cell's text (a `|` would end the cell)."""
    return md_inline(text).replace("|", "\\|")


def md_table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], numbers: Collection[int] = ()
) -> str:
    """A table; the columns at the positions in `numbers` are aligned right."""
    lines = [
        "| " + " | ".join(md_cell(h) for h in headers) + " |",
        "|" + "|".join("---:" if i in numbers else "---" for i in range(len(headers))) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(md_cell(str(cell)) for cell in row) + " |")
    return "\n".join(lines)
