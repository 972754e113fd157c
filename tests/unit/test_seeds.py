"""The seed digests keep the shape the project promises: attribution, a few ideas, short quotes,
and "Used by" lists (and the README table) that match the exercises' own `seeds`."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from workshop.exercises import load_library
from workshop.settings import DEFAULT_EXERCISES

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
DIGESTS = sorted(SEEDS.glob("[0-9][0-9][0-9]-*.md"))
MAX_QUOTE_WORDS = 15


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
    assert section(text, "Quotes").strip()
    assert section(text, "Used by").strip()


@pytest.mark.parametrize("path", DIGESTS, ids=lambda p: p.name)
def test_digest_quotes_are_few_and_short(path: Path) -> None:
    """At most two quotes per digest, each one sentence (or part of one) of at most 15 words."""
    quotes = [
        line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("> ")
    ]
    assert len(quotes) <= 2, f"{len(quotes)} quotes"
    for quote in quotes:
        body = quote[2:].strip().strip('"“”')
        assert len(body.split()) <= MAX_QUOTE_WORDS, f"{len(body.split())} words: {quote}"
        assert not re.search(r"[.!?]\s+[A-Z]", body), f"more than one sentence: {quote}"


def test_every_exercise_cites_an_existing_digest() -> None:
    digests = {path.name[:3] for path in DIGESTS}
    for exercise in load_library(DEFAULT_EXERCISES).exercises.values():
        assert set(exercise.seeds) <= digests, exercise.id


def seeds_in(content: Any) -> Iterator[str]:
    """Every seed an exercise names: its own `seeds` and any case's or scenario's `seeds`."""
    if isinstance(content, dict):
        for key, value in content.items():
            if key == "seeds":
                yield from value
            else:
                yield from seeds_in(value)
    elif isinstance(content, list):
        for item in content:
            yield from seeds_in(item)


def citing_titles() -> dict[str, set[str]]:
    """Digest number -> titles of the exercises that list it in their seeds."""
    cited: dict[str, set[str]] = {path.name[:3]: set() for path in DIGESTS}
    for exercise in load_library(DEFAULT_EXERCISES).exercises.values():
        for seed in seeds_in(exercise.model_dump()):
            cited.setdefault(seed, set()).add(exercise.title)
    return cited


def used_by(path: Path) -> list[str]:
    """The exercise titles a digest's "Used by" section names, in order."""
    entries = [
        line
        for line in section(path.read_text(encoding="utf-8"), "Used by").splitlines()
        if line.startswith("- ")
    ]
    titles = []
    for entry in entries:
        match = re.match(r"- \*\*(.+?)\*\*: \S", entry)
        assert match, f"{path.name}: a Used by entry is '- **Exercise title**: how it draws on it'"
        titles.append(match.group(1))
    return titles


@pytest.mark.parametrize("path", DIGESTS, ids=lambda p: p.name)
def test_used_by_names_only_existing_exercises(path: Path) -> None:
    titles = {exercise.title for exercise in load_library(DEFAULT_EXERCISES).exercises.values()}
    names = used_by(path)
    assert len(set(names)) == len(names), f"{path.name}: an exercise is listed twice"
    unknown = set(names) - titles
    assert not unknown, f"{path.name} names exercises that do not exist: {sorted(unknown)}"


@pytest.mark.parametrize("path", DIGESTS, ids=lambda p: p.name)
def test_used_by_lists_exactly_the_exercises_that_cite_the_digest(path: Path) -> None:
    citing = citing_titles()[path.name[:3]]
    listed = set(used_by(path))
    assert not citing - listed, (
        f"{path.name} does not list exercises that cite it: {sorted(citing - listed)}"
    )
    assert not listed - citing, (
        f"{path.name} lists exercises that do not cite it: {sorted(listed - citing)}"
    )


def test_readme_table_matches_the_digests() -> None:
    rows: dict[str, tuple[str, list[str]]] = {}
    for line in (SEEDS / "README.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| \[(\d{3}-[^\]]+\.md)\]\(\1\) \| (.+) \| (.+) \|$", line)
        if match:
            rows[match.group(1)] = (match.group(2), match.group(3).split("; "))
    assert sorted(rows) == [path.name for path in DIGESTS]
    for path in DIGESTS:
        title, feeds = rows[path.name]
        heading = path.read_text(encoding="utf-8").splitlines()[0].removeprefix("# ")
        assert title == heading, path.name
        assert feeds == used_by(path), f"README row for {path.name} disagrees with its Used by list"
