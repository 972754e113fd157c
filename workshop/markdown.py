"""Text as inert Markdown, for the Markdown export (shared by every kind's section)."""

import re
from collections.abc import Iterable, Sequence

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-!|~])")


def md_text(text: str) -> str:
    """Participants' text as inert Markdown: no headings, links, emphasis, HTML or table breaks."""
    flat = " ".join(text.split())
    return _MD_SPECIAL.sub(r"\\\1", flat)


def md_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(md_text(str(cell)) for cell in row) + " |")
    return "\n".join(lines)
