"""Respectful-challenge pairs: pair up, each side gets a private card, converse, rate, swap roles,
rate again, debrief the four habits (partners against self).

The whole kind lives in this package: its content model, phases and data (`content`), its actions
(`actions`), seating people in pairs (`seating`), the ratings (`rules`), its view models (`views`),
what it adds to the summary, the personal card and the exports (`summary`), its templates
(`templates/`), and the `Kind` that hands them to the rest of the app (`kind`). Only the registry,
`workshop.kinds`, names it.
"""

from workshop.kinds.challenge_pairs.actions import (
    HOST_ACTIONS,
    PARTICIPANT_ACTIONS,
    HostActions,
    MoveParticipant,
    ParticipantActions,
    Rate,
    RepairPairs,
)
from workshop.kinds.challenge_pairs.content import (
    COLOURS,
    DATA,
    HABIT_LABELS,
    HABITS,
    PHASES,
    CardSet,
    Case,
    ChallengePairs,
    ChallengerCard,
    CustomerCard,
    Half,
    Names,
    Pair,
    Rating,
    Role,
    current_rating,
    data_names,
    decode_pairs,
    decode_ratings,
    half_of,
    rounds,
    seat_of,
)
from workshop.kinds.challenge_pairs.kind import KIND, ChallengePairsKind
from workshop.kinds.challenge_pairs.rules import HabitSummary, rate, summarise
from workshop.kinds.challenge_pairs.seating import (
    make_pairs,
    move,
    pair_writes,
    pairs_from_groups,
    partners_so_far,
    rebalance,
    seat_everyone,
)
from workshop.kinds.challenge_pairs.summary import PairsSummary

Content = ChallengePairs
Summary = PairsSummary

__all__ = [
    "COLOURS",
    "DATA",
    "HABITS",
    "HABIT_LABELS",
    "HOST_ACTIONS",
    "KIND",
    "PARTICIPANT_ACTIONS",
    "PHASES",
    "CardSet",
    "Case",
    "ChallengePairs",
    "ChallengePairsKind",
    "ChallengerCard",
    "Content",
    "CustomerCard",
    "HabitSummary",
    "Half",
    "HostActions",
    "MoveParticipant",
    "Names",
    "Pair",
    "PairsSummary",
    "ParticipantActions",
    "Rate",
    "Rating",
    "RepairPairs",
    "Role",
    "Summary",
    "current_rating",
    "data_names",
    "decode_pairs",
    "decode_ratings",
    "half_of",
    "make_pairs",
    "move",
    "pair_writes",
    "pairs_from_groups",
    "partners_so_far",
    "rate",
    "rebalance",
    "rounds",
    "seat_everyone",
    "seat_of",
    "summarise",
]
