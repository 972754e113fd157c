"""Seating people in pairs (and one trio when the count is odd): fresh pairs that avoid earlier
partners, keeping pairs under way as people arrive or leave, and the facilitator's moves by hand.
Pure: each function returns a new map of pairs, or the `Effects` that store it.

Where the round stands (`at`, see `content.talk_now`) matters once trios rotate: a talk under way
keeps its challenger and customer, whoever else comes or goes."""

import itertools
import random
from collections.abc import Iterable, Mapping, Sequence

from workshop.effects import Effects, Write
from workshop.errors import Rejected
from workshop.i18n import Message
from workshop.kinds.challenge_pairs.content import TALKS, Half, Names, Pair


def partners_so_far(rounds_pairs: Iterable[Mapping[str, Pair]]) -> dict[str, set[str]]:
    """Who has already been in a pair or trio with whom, in earlier rounds."""
    history: dict[str, set[str]] = {}
    for pairs in rounds_pairs:
        for pair in pairs.values():
            for member in pair.members:
                history.setdefault(member, set()).update(m for m in pair.members if m != member)
    return history


def _fresh(history: Mapping[str, set[str]], a: str, b: str) -> bool:
    return b not in history.get(a, set())


def _repeats(groups: list[list[str]], history: Mapping[str, set[str]]) -> int:
    return sum(
        1
        for group in groups
        for i, a in enumerate(group)
        for b in group[i + 1 :]
        if not _fresh(history, a, b)
    )


def _greedy(order: list[str], history: Mapping[str, set[str]]) -> list[list[str]]:
    waiting = list(order)
    groups: list[list[str]] = []
    while len(waiting) >= 2:
        first = waiting.pop(0)
        partner = next((p for p in waiting if _fresh(history, first, p)), waiting[0])
        waiting.remove(partner)
        groups.append([first, partner])
    if waiting:
        groups.append(waiting)
    return groups


def _group_repeats(group: list[str], history: Mapping[str, set[str]]) -> int:
    return _repeats([group], history)


def _repair(groups: list[list[str]], history: Mapping[str, set[str]]) -> None:
    """Swaps people between two groups while that lowers the number of repeated partners."""
    improved = True
    while improved:
        improved = False
        for one in groups:
            if not _group_repeats(one, history):
                continue
            for other in groups:
                if other is one:
                    continue
                before = _group_repeats(one, history) + _group_repeats(other, history)
                for i, x in enumerate(one):
                    for j, y in enumerate(other):
                        one[i], other[j] = y, x
                        if _group_repeats(one, history) + _group_repeats(other, history) < before:
                            improved = True
                            break
                        one[i], other[j] = x, y
                    if improved:
                        break
                if improved:
                    break
            if improved:
                break


def _seat_single(groups: list[list[str]], single: str, history: Mapping[str, set[str]]) -> None:
    """An odd person out becomes the observer of a pair, a fresh one when possible."""
    pairs = [g for g in groups if len(g) == 2]
    if not pairs:
        groups.append([single])
        return
    fresh = [g for g in pairs if all(_fresh(history, single, m) for m in g)]
    (fresh or pairs)[0].append(single)


SEARCHED = 12
"""Up to this many people, when quick seating leaves someone beside an earlier partner, every
seating is searched for one that does not (twelve people have 10,395 ways to pair up)."""


def _fresh_seating(order: list[str], history: Mapping[str, set[str]]) -> list[list[str]] | None:
    """A seating of `order` in pairs (and one trio for an odd count) in which nobody meets an
    earlier partner, the first found in `order`'s order; None when there is none."""
    if not order:
        return []
    first, rest = order[0], order[1:]
    if len(order) % 2 == 1:
        for i, j in itertools.combinations(range(len(rest)), 2):
            a, b = rest[i], rest[j]
            if _fresh(history, first, a) and _fresh(history, first, b) and _fresh(history, a, b):
                others = [m for k, m in enumerate(rest) if k not in (i, j)]
                tail = _fresh_seating(others, history)
                if tail is not None:
                    return [[first, a, b], *tail]
        if len(order) <= 3:
            return None
    for i, partner in enumerate(rest):
        if _fresh(history, first, partner):
            tail = _fresh_seating(rest[:i] + rest[i + 1 :], history)
            if tail is not None:
                return [[first, partner], *tail]
    return None


def make_pairs(
    people: Sequence[str], history: Mapping[str, set[str]], seed: str
) -> list[list[str]]:
    """Random pairs, avoiding earlier partners where possible; an odd person makes one trio."""
    rng = random.Random(seed)
    best: list[list[str]] | None = None
    best_repeats = 0
    for _ in range(8):
        order = sorted(people)
        rng.shuffle(order)
        groups = _greedy(order, history)
        single = groups.pop()[0] if groups and len(groups[-1]) == 1 else None
        if single is not None:
            _seat_single(groups, single, history)
        _repair(groups, history)
        repeats = _repeats(groups, history)
        if best is None or repeats < best_repeats:
            best, best_repeats = groups, repeats
        if repeats == 0:
            break
    if best_repeats and len(people) <= SEARCHED:
        order = sorted(people)
        rng.shuffle(order)
        found = _fresh_seating(order, history)
        if found is not None:
            return found
    return best or []


def _talk(at: int) -> Half | None:
    """The talk under way, if one is."""
    return next((talk for talk in TALKS if talk == at), None)


def _keeping(pair: Pair, members: list[str], at: int) -> Pair:
    """`pair` with `members` (the ones staying, in order). A trio that falls to two is ordered so
    that the talk under way, if both its challenger and its customer stay, goes on as it was (in
    the trio's own turn too)."""
    talk = _talk(at)
    since = pair.since if len(members) >= 3 or len(members) == len(pair.members) else 0
    if len(members) == 2 and len(pair.members) >= 3 and talk is not None:
        talkers = pair.talkers(talk)
        if talkers is not None and set(talkers) == set(members):
            challenger, customer = talkers
            members = [customer, challenger] if talk == 2 else [challenger, customer]
            since = 3 if talk == 3 else 0
    return pair.model_copy(update={"members": members, "since": since})


def _observer(trio: Pair, at: int) -> str:
    """Who in a trio is not talking now (before and after the talks, its third member)."""
    talk = _talk(at)
    talkers = trio.talkers(talk) if talk is not None else None
    if talkers is None:
        return trio.members[2]
    return next(m for m in trio.members if m not in talkers)


def _with_third(pair: Pair, newcomer: str, at: int) -> Pair:
    """A pair that takes a third member: they observe the talk under way and rotate in from the
    next (see `Pair.rotates`). Joining before the swap changes nothing in the first talk, so it
    counts as joining from the start."""
    talkers = pair.talkers(3) if at == 3 else None
    if talkers is not None:
        # Two carrying on a trio's turn: the newcomer watches it (see `Pair.seats`).
        challenger, customer = talkers
        return pair.model_copy(update={"members": [customer, newcomer, challenger], "since": 3})
    since = at if at >= 2 else 0
    return pair.model_copy(update={"members": [*pair.members, newcomer], "since": since})


def rebalance(
    pairs: Mapping[str, Pair],
    present: Sequence[str],
    history: Mapping[str, set[str]],
    seed: str,
    at: int = 1,
) -> dict[str, Pair]:
    """Keeps everyone present in exactly one pair or trio as people arrive late or leave.

    Groups that still have two or three people keep their members and number, so conversations
    under way are not reshuffled: a talk goes on with its challenger and customer while both stay.
    Members who left are dropped; people without a seat (late joiners, a partner left alone) pair
    up with each other; a last one joins a pair as its observer, or waits alone when every group is
    already a trio. During a trio's turn (`at` 3) a last one joins a pair that sits it out and
    challenges in it at once, rather than take the trio's observer."""
    here = set(present)
    result: dict[str, Pair] = {}
    loose: list[str] = []
    for pair in pairs.values():
        members = [m for m in pair.members if m in here]
        if len(members) >= 2:
            result[pair.id] = _keeping(pair, members, at)
        else:
            loose.extend(members)
    seated = {m for pair in result.values() for m in pair.members}
    loose.extend(p for p in present if p not in seated and p not in loose)
    if not loose:
        return result
    order = sorted(loose)
    random.Random(seed).shuffle(order)
    groups = _greedy(order, history)
    if groups and len(groups[-1]) == 1:
        # One person left over: they take the observer out of a trio to make a new pair (so there
        # is never more than one trio), or else join a pair as its observer.
        single = groups.pop()[0]
        trios = [pair for pair in result.values() if len(pair.members) == 3]
        open_pairs = [pair for pair in result.values() if len(pair.members) == 2]
        if trios and not (at == 3 and open_pairs):
            fresh = [t for t in trios if _fresh(history, single, _observer(t, at))]
            trio = (fresh or trios)[0]
            observer = _observer(trio, at)
            staying = [m for m in trio.members if m != observer]
            result[trio.id] = _keeping(trio, staying, at)
            groups.append([observer, single])
        elif groups:
            fresh_new = [g for g in groups if all(_fresh(history, single, m) for m in g)]
            (fresh_new or groups)[0].append(single)
        elif open_pairs:
            fresh = [p for p in open_pairs if all(_fresh(history, single, m) for m in p.members)]
            idle = [p for p in (fresh or open_pairs) if p.talkers(3) is None]
            chosen = (idle or fresh or open_pairs)[0]
            result[chosen.id] = _with_third(chosen, single, at)
        else:
            groups.append([single])
    number = max((pair.number for pair in pairs.values()), default=0)
    for members in groups:
        number += 1
        result[f"p{number}"] = Pair(number=number, members=members)
    return result


def pairs_from_groups(groups: list[list[str]]) -> dict[str, Pair]:
    pairs = (Pair(number=n, members=g) for n, g in enumerate(groups, start=1))
    return {pair.id: pair for pair in pairs}


def pair_writes(
    names: Names, before: Mapping[str, Pair], after: Mapping[str, Pair]
) -> tuple[list[Write], list[tuple[str, str, str]]]:
    """Writes that turn `before` into `after`, each guarded by the value it replaces."""
    writes: list[Write] = []
    expects: list[tuple[str, str, str]] = []
    for pair_id in before.keys() | after.keys():
        old, new = before.get(pair_id), after.get(pair_id)
        if old == new:
            continue
        expects.append((names.pairs, pair_id, old.model_dump_json() if old else ""))
        if new is None:
            writes.append(Write.remove(names.pairs, pair_id))
        else:
            writes.append(Write.put(names.pairs, pair_id, new.model_dump_json()))
    return writes, expects


def move(pairs: Mapping[str, Pair], participant: str, to_pair: str, at: int = 1) -> dict[str, Pair]:
    """The facilitator's hand: moves someone into another pair, or into a new pair of their own.
    Someone moved into a pair observes the talk under way."""
    result = {
        pair_id: _keeping(pair, [m for m in pair.members if m != participant], at)
        if participant in pair.members
        else pair
        for pair_id, pair in pairs.items()
    }
    if to_pair == "new":
        number = max((pair.number for pair in pairs.values()), default=0) + 1
        result[f"p{number}"] = Pair(number=number, members=[participant])
    else:
        if to_pair not in result:
            raise Rejected("That pair no longer exists.")
        target = result[to_pair]
        if len(target.members) >= 3:
            raise Rejected("That group already has three people.")
        if len(target.members) == 2:
            result[to_pair] = _with_third(target, participant, at)
        else:
            result[to_pair] = target.model_copy(update={"members": [*target.members, participant]})
    return {pair_id: pair for pair_id, pair in result.items() if pair.members}


def seat_everyone(
    names: Names,
    before: Mapping[str, Pair],
    present: Sequence[str],
    history: Mapping[str, set[str]],
    seed: str,
    fresh: bool,
    at: int = 1,
) -> Effects:
    """Pairs everyone present (fresh, or when nobody is seated yet) or keeps the current pairs and
    seats whoever is loose."""
    if fresh or not before:
        after = pairs_from_groups(make_pairs(present, history, seed))
    else:
        after = rebalance(before, present, history, seed, at)
    writes, expects = pair_writes(names, before, after)
    trios = sum(1 for pair in after.values() if len(pair.members) == 3)
    notice = (
        Message.counted(
            "%(count)s groups, %(trios)s of them a trio.",
            "%(count)s groups, %(trios)s of them trios.",
            trios,
            count=len(after),
            trios=trios,
        )
        if trios
        else Message.counted("%(count)s group.", "%(count)s groups.", len(after), count=len(after))
    )
    return Effects(writes=tuple(writes), expect=tuple(expects), notice=notice)
