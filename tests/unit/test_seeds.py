"""The seed digests keep the shape the project promises: attribution, a few ideas, short quotes."""

import re
from pathlib import Path

import pytest

from workshop.exercises import load_library
from workshop.settings import DEFAULT_EXERCISES

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
DIGESTS = sorted(SEEDS.glob("[0-9][0-9][0-9]-*.md"))


def section(text: str, heading: str) -> str:
    match = re.search(rf"^## {heading}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"missing section {heading!r}"
    return match.group(1)


def test_there_is_one_digest_per_source_document() -> None:
    assert [path.name[:3] for path in DIGESTS] == ["000", "001", "002", "003", "004"]


@pytest.mark.parametrize("path", DIGESTS, ids=lambda p: p.name)
def test_digest_has_attribution_ideas_quotes_and_uses(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# ")
    for field in ("Author", "Source"):
        assert re.search(rf"^- \*\*{field}:\*\* \S", text, re.M), field
    assert f"- **Seed:** {path.name[:3]}" in text
    ideas = [line for line in section(text, "Key ideas").splitlines() if line.startswith("- ")]
    assert 3 <= len(ideas) <= 6
    quotes = [line for line in section(text, "Quotes").splitlines() if line.startswith("> ")]
    assert len(quotes) <= 2
    for quote in quotes:
        body = quote[2:].strip().strip('"“”')
        assert len(body.split()) <= 30, quote
        assert not re.search(r"[.!?]\s+[A-Z]", body), f"more than one sentence: {quote}"
    assert section(text, "Used by").strip()


def test_every_exercise_cites_an_existing_digest() -> None:
    digests = {path.name[:3] for path in DIGESTS}
    for exercise in load_library(DEFAULT_EXERCISES).exercises.values():
        assert set(exercise.seeds) <= digests, exercise.id
