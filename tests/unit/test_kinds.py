"""The registry of kinds that own themselves, and the boundary around a moved kind's package."""

import re
from pathlib import Path

from workshop.kinds import KINDS, kind_named
from workshop.render import Renderer

PACKAGE = Path(__file__).resolve().parents[2] / "workshop"
DEBATE_NAMES = re.compile(r"AdvocacyDebate|advocacy_debate|HidePost|BalanceTeams|ChooseSide")


def test_the_debate_is_registered_under_its_content_kind() -> None:
    kind = kind_named("advocacy_debate")
    assert kind is not None and kind.name == "advocacy_debate"
    assert list(KINDS) == ["advocacy_debate"]


def test_only_the_registry_names_the_debate_outside_its_package() -> None:
    own = PACKAGE / "kinds" / "advocacy_debate"
    naming = [
        (str(path.relative_to(PACKAGE)), line.split("#")[0].strip())
        for path in sorted(PACKAGE.rglob("*"))
        if path.suffix in (".py", ".html") and own not in path.parents
        for line in path.read_text().splitlines()
        if DEBATE_NAMES.search(line)
    ]
    assert naming == [
        ("kinds/__init__.py", "from workshop.kinds import advocacy_debate as _debate")
    ]


def test_every_registered_kind_has_its_templates() -> None:
    env = Renderer().env
    for name, kind in KINDS.items():
        for template in (*kind.templates.values(), kind.export_template):
            assert env.get_template(f"{name}/{template}") is not None
