"""The registry of kinds that own themselves, and the boundary around a moved kind's package."""

import re
from pathlib import Path

import pytest

from workshop.kinds import KINDS, kind_named
from workshop.render import Renderer

PACKAGE = Path(__file__).resolve().parents[2] / "workshop"
DEBATE_NAMES = re.compile(r"AdvocacyDebate|advocacy_debate|HidePost|BalanceTeams|ChooseSide")
POLL_NAMES = re.compile(
    r"WarmupPoll|warmup_poll|PollOption|PollSummary|PollResult|PollVote|PollView|BarView"
    r"|check_vote|\btally\b"
)
PAIRS_NAMES = re.compile(
    r"ChallengePairs|challenge_pairs|PairsSummary|PairsView|RepairPairs|MoveParticipant"
    r"|\bRate\b|\bHABITS\b|HABIT_LABELS|decode_pairs|decode_ratings|seat_of"
)
BEST_QUESTION_NAMES = re.compile(
    r"BestQuestion|best_question|SubmitQuestion|WithdrawQuestion|PlaceDot|RemoveDot|HideQuestion"
    r"|MergeQuestions|\bSpotlight\b|QuestionView|SlotView|QuestionRound|QuestionEntry|\bBoard\b"
    r"|shuffled_for|_bq_"
)
REGISTRY_LINE = 'BUILT_IN = ("warmup_poll", "best_question", "challenge_pairs", "advocacy_debate")'
"""The one line of the registry that names the built-in kinds."""
BOUNDARIES = [
    pytest.param(
        "advocacy_debate",
        DEBATE_NAMES,
        id="debate",
    ),
    pytest.param(
        "warmup_poll",
        POLL_NAMES,
        id="poll",
    ),
    pytest.param(
        "challenge_pairs",
        PAIRS_NAMES,
        id="pairs",
    ),
    pytest.param(
        "best_question",
        BEST_QUESTION_NAMES,
        id="best-question",
    ),
]


@pytest.mark.parametrize(
    "name", ["warmup_poll", "best_question", "challenge_pairs", "advocacy_debate"]
)
def test_a_moved_kind_is_registered_under_its_content_kind(name: str) -> None:
    kind = kind_named(name)
    assert kind is not None and kind.name == name


def test_the_registry_lists_the_moved_kinds() -> None:
    assert list(KINDS) == ["warmup_poll", "best_question", "challenge_pairs", "advocacy_debate"]


@pytest.mark.parametrize(("folder", "names"), BOUNDARIES)
def test_only_the_registry_names_a_moved_kind_outside_its_package(
    folder: str, names: re.Pattern[str]
) -> None:
    own = PACKAGE / "kinds" / folder
    naming = [
        (str(path.relative_to(PACKAGE)), line.split("#")[0].strip())
        for path in sorted(PACKAGE.rglob("*"))
        if path.suffix in (".py", ".html") and own not in path.parents
        for line in path.read_text().splitlines()
        if names.search(line)
    ]
    assert naming == [("kinds/__init__.py", REGISTRY_LINE)]


def test_every_registered_kind_has_its_templates() -> None:
    env = Renderer().env
    for name, kind in KINDS.items():
        for template in (*kind.templates.values(), kind.export_template):
            assert env.get_template(f"{name}/{template}") is not None
