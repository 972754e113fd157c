"""The debate's rules: teams, votes, posts, upvotes, moderation and the verdict. Pure, no I/O."""

import math
import random
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Literal

from workshop.effects import Effects, Write
from workshop.errors import Rejected
from workshop.i18n import N_, Message
from workshop.kinds.advocacy_debate.content import (
    CHOICES,
    PHASES,
    POST_MAX,
    SIDES,
    Debate,
    Names,
    Post,
    Side,
    side_of_team,
)

# Teams --------------------------------------------------------------------------------------------


def split_teams(
    people: Sequence[str], team_size: int, seed: str, chosen: Mapping[str, Side] | None = None
) -> dict[str, str]:
    """Two sides whose sizes differ by at most one, each cut into teams of at most `team_size`
    (as even as possible). Choices are kept where balance allows."""
    rng = random.Random(seed)
    order = sorted(people)
    rng.shuffle(order)
    chosen = chosen or {}
    sides: dict[Side, list[str]] = {"for": [], "against": []}
    undecided = []
    for person in order:
        side = chosen.get(person)
        if side is not None:
            sides[side].append(person)
        else:
            undecided.append(person)
    # Move surplus choosers (the last to be listed) until the sides can be evened by the rest.
    total = len(order)
    directions: tuple[tuple[Side, Side], ...] = (("for", "against"), ("against", "for"))
    for side, other in directions:
        while len(sides[side]) > math.ceil(total / 2):
            sides[other].append(sides[side].pop())
    for person in undecided:
        smaller: Side = "for" if len(sides["for"]) <= len(sides["against"]) else "against"
        sides[smaller].append(person)
    teams: dict[str, str] = {}
    for side in SIDES:
        members = sides[side]
        count = max(1, math.ceil(len(members) / team_size))
        for index, person in enumerate(members):
            teams[person] = f"{side}-{index % count + 1}"
    return teams


def seat_late(teams: Mapping[str, str], person: str, team_size: int) -> str:
    """A late joiner goes to the smaller side, into its smallest team (or a new one if all are full)."""
    sizes: dict[str, int] = {}
    for team in teams.values():
        sizes[team] = sizes.get(team, 0) + 1
    per_side = {side: sum(n for t, n in sizes.items() if side_of_team(t) == side) for side in SIDES}
    side: Side = "for" if per_side["for"] <= per_side["against"] else "against"
    own = sorted((n, t) for t, n in sizes.items() if side_of_team(t) == side)
    if own and own[0][0] < team_size:
        return own[0][1]
    return f"{side}-{len(own) + 1}"


# Decisions -----------------------------------------------------------------------------------------


def vote(names: Names, phase: str, voter: str, choice: str) -> Effects:
    if phase not in ("first_vote", "final_vote"):
        raise Rejected(N_("Voting is not open right now."))
    if choice not in CHOICES:
        raise Rejected(N_("Choose for, against or undecided."))
    target = names.first if phase == "first_vote" else names.final
    return Effects(writes=(Write.put(target, voter, choice),), notice=N_("Vote saved ✓"))


def clean_post(raw: str) -> str:
    text = " ".join(raw.split())
    if not text:
        raise Rejected(N_("Write something first."))
    if len(text) > POST_MAX:
        raise Rejected(
            Message(
                "Posts can be at most %(most)s characters; this one has %(has)s.",
                most=POST_MAX,
                has=len(text),
            )
        )
    return text


def post(
    names: Names,
    debate: Debate,
    phase: str,
    author: str,
    post_id: str,
    text: str,
    answers: str,
    now: float,
) -> Effects:
    team = debate.teams.get(author)
    if team is None:
        raise Rejected(N_("You are not on a team yet."))
    side = side_of_team(team)
    if phase == "arguments":
        if answers:
            raise Rejected(N_("Rebuttals come in the next phase."))
        kind: Literal["argument", "rebuttal"] = "argument"
    elif phase == "rebuttals":
        target = debate.posts.get(answers)
        if target is None or target.kind != "argument" or answers in debate.hidden:
            raise Rejected(N_("Choose one of the other side's arguments to answer."))
        if target.side == side:
            raise Rejected(N_("A rebuttal answers the other side's argument, not your own side's."))
        if answers not in debate.top_arguments(target.side):
            # Phones offer only these: a rebuttal of any other would be on nobody's phone.
            raise Rejected(N_("Choose one of the other side's top arguments to answer."))
        kind = "rebuttal"
    else:
        raise Rejected(N_("Posting is closed right now."))
    entry = Post(
        author=author,
        side=side,
        team=team,
        kind=kind,
        text=clean_post(text),
        answers=answers,
        at=now,
    )
    return Effects(
        writes=(Write.put(names.posts, post_id, entry.model_dump_json()),),
        notice=N_("Argument posted ✓") if kind == "argument" else N_("Rebuttal posted ✓"),
    )


def upvote(names: Names, debate: Debate, phase: str, voter: str, post_id: str, on: bool) -> Effects:
    """An upvote (or taking one back) on a post of one's own side that one's phone shows in this
    step: arguments while they are written, then rebuttals. The arguments' upvotes are settled when
    the rebuttals start, since they pick the top arguments the other side answers; and a rebuttal
    whose argument is hidden or out of the top arguments is on nobody's phone."""
    if phase not in ("arguments", "rebuttals"):
        raise Rejected(N_("Upvoting is closed right now."))
    target = debate.posts.get(post_id)
    if target is None or post_id in debate.hidden:
        raise Rejected(N_("That post is no longer there."))
    side = debate.side(voter)
    if side is None:
        raise Rejected(N_("You are not on a team yet."))
    if side != target.side:
        raise Rejected(N_("You can upvote only your own side's posts."))
    if target.author == voter:
        raise Rejected(N_("You can't upvote your own post."))
    if phase == "rebuttals" and target.kind == "argument":
        raise Rejected(N_("Upvotes for arguments closed with the arguments step."))
    if phase == "arguments" and target.kind == "rebuttal":
        raise Rejected(N_("Rebuttals are upvoted in the rebuttals step."))
    answered = debate.posts.get(target.answers)
    if target.kind == "rebuttal" and (
        answered is None or target.answers not in debate.top_arguments(answered.side)
    ):
        raise Rejected(N_("That post is no longer there."))
    key = f"{voter}|{post_id}"
    if on:
        return Effects(writes=(Write.put(names.upvotes, key, "1"),), notice=N_("Upvoted ✓"))
    return Effects(writes=(Write.remove(names.upvotes, key),), notice=N_("Upvote taken back."))


def hide(names: Names, debate: Debate, post_id: str, hidden: bool) -> Effects:
    if post_id not in debate.posts:
        raise Rejected(N_("That post is no longer there."))
    if hidden:
        return Effects(writes=(Write.put(names.hidden, post_id, "1"),), notice=N_("Post hidden."))
    return Effects(writes=(Write.remove(names.hidden, post_id),), notice=N_("Post shown again."))


# Verdict -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    first: dict[str, int]
    final: dict[str, int]
    both: int
    """How many people voted both times; the shift counts only them."""
    shift: dict[str, float]
    """Change in each option's share (percentage points) among those who voted both times."""
    winner: Side | None
    """The side whose share grew more; None for a tie."""
    moved_to: dict[str, int] = field(default_factory=dict)
    """Of those who voted both times, how many ended on each option having started elsewhere."""


def verdict(debate: Debate, present: Set[str]) -> Verdict:
    first: dict[str, int] = {
        c: sum(1 for p, v in debate.first.items() if v == c and p in present) for c in CHOICES
    }
    final: dict[str, int] = {
        c: sum(1 for p, v in debate.final.items() if v == c and p in present) for c in CHOICES
    }
    both = [p for p in debate.first if p in debate.final and p in present]
    shift: dict[str, float] = {}
    for choice in CHOICES:
        before = sum(1 for p in both if debate.first[p] == choice)
        after = sum(1 for p in both if debate.final[p] == choice)
        shift[choice] = 100 * (after - before) / len(both) if both else 0.0
    winner: Side | None = None
    if both and shift["for"] != shift["against"]:
        winner = "for" if shift["for"] > shift["against"] else "against"
    moved_to: dict[str, int] = {
        c: sum(1 for p in both if debate.final[p] == c and debate.first[p] != c) for c in CHOICES
    }
    return Verdict(first, final, len(both), shift, winner, moved_to)


# Sides chosen by hand, and when teams stand --------------------------------------------------------


def choose_side(
    names: Names, debate: Debate, choose_sides: bool, phase: str, person: str, side: Side
) -> Effects:
    if phase != "teams" or not choose_sides:
        raise Rejected(N_("Sides are not chosen by hand in this debate."))
    current = debate.teams.get(person)
    if current is not None and side_of_team(current) == side:
        return Effects(notice=N_("You are already on that side."))
    return Effects(
        writes=(Write.put(names.teams, person, f"{side}-1"),),
        notice=N_("You are on the for side ✓")
        if side == "for"
        else N_("You are on the against side ✓"),
    )


def teams_stand(choose_sides: bool, phase: str) -> bool:
    """Teams exist from this step on: from "teams" when they are drawn, from "arguments" when
    people choose their side (while they choose, nobody is placed for them)."""
    steps = [spec.name for spec in PHASES]
    return steps.index(phase) >= steps.index("arguments" if choose_sides else "teams")
