"""One session summary built from a room's state: every export format is drawn from this model.

Hidden (moderated) posts and questions are left out and counted. With `anonymise`, every name is
replaced by a stable pseudonym ("Participant 3", by order of arrival).
"""

import datetime
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from workshop.kinds import advocacy_debate, best_question, challenge_pairs, warmup_poll
from workshop.models import RoomState, Run

SCHEMA_VERSION = 1


class Person(BaseModel):
    ref: str
    """Stable within one summary: "P1", "P2", … in order of arrival."""
    name: str
    present: bool


class PollResult(BaseModel):
    option: str
    votes: int


class PollVote(BaseModel):
    participant: str
    option: str


class PollSummary(BaseModel):
    kind: Literal["warmup_poll"] = "warmup_poll"
    run: str
    title: str
    question: str
    results: list[PollResult]
    votes: list[PollVote]


class QuestionEntry(BaseModel):
    id: str
    rank: int
    tied: bool
    text: str
    dots: int
    authors: list[str]


class Dot(BaseModel):
    voter: str
    question: str
    dots: int


class QuestionRound(BaseModel):
    round: int
    scenario: str
    questions: list[QuestionEntry]
    dots: list[Dot]
    hidden: int
    """Questions the facilitator hid, left out of this summary."""


class BestQuestionSummary(BaseModel):
    kind: Literal["best_question"] = "best_question"
    run: str
    title: str
    rounds: list[QuestionRound]


class Seat(BaseModel):
    participant: str
    first_role: str
    swapped_role: str


class PairEntry(BaseModel):
    pair: str
    number: int
    colour: str
    seats: list[Seat]


class HabitRow(BaseModel):
    habit: str
    distribution: list[int]
    """How many partner ratings gave 1, 2, 3, 4 and 5."""
    partner_mean: float | None
    self_mean: float | None
    gap: float | None


class RatingEntry(BaseModel):
    half: int
    rater: str
    rater_role: str
    target: str
    pair: str
    scores: dict[str, int]
    landed: str
    try_next: str


class PairsRound(BaseModel):
    round: int
    case: str
    pairs: list[PairEntry]
    habits: list[HabitRow]
    ratings: list[RatingEntry]


class PairsSummary(BaseModel):
    kind: Literal["challenge_pairs"] = "challenge_pairs"
    run: str
    title: str
    rounds: list[PairsRound]


class Team(BaseModel):
    team: str
    side: str
    members: list[str]


class DebatePost(BaseModel):
    id: str
    side: str
    team: str
    kind: str
    author: str
    text: str
    upvotes: int
    answers: str = ""


class DebateVote(BaseModel):
    participant: str
    first: str
    final: str


class DebateRound(BaseModel):
    round: int
    case: str
    motion: str
    teams: list[Team]
    first: dict[str, int]
    final: dict[str, int]
    shift: dict[str, float]
    voted_both: int
    winner: str | None
    posts: list[DebatePost]
    votes: list[DebateVote]
    hidden: int


class DebateSummary(BaseModel):
    kind: Literal["advocacy_debate"] = "advocacy_debate"
    run: str
    title: str
    rounds: list[DebateRound]


ExerciseSummary = Annotated[
    PollSummary | BestQuestionSummary | PairsSummary | DebateSummary, Field(discriminator="kind")
]


class Summary(BaseModel):
    schema_version: int = SCHEMA_VERSION
    room: str
    title: str
    date: str
    """The day the room was created (UTC, ISO 8601)."""
    exported_at: str
    anonymised: bool
    participants: list[Person]
    exercises: list[ExerciseSummary]
    hidden_items: int
    """Posts and questions the facilitator hid; they are left out of this summary."""


def build_summary(state: RoomState, now: float, anonymise: bool = False) -> Summary:
    """`state` must hold the data of every run (`Store.load(..., every_run=True)`)."""
    everyone = sorted(state.participants.values(), key=lambda p: (p.joined_at, p.id))
    refs = {p.id: f"P{n}" for n, p in enumerate(everyone, start=1)}

    def name(pid: str) -> str:
        person = state.participants.get(pid)
        if person is None:
            return "unknown"
        return f"Participant {refs[pid][1:]}" if anonymise else person.name

    exercises: list[PollSummary | BestQuestionSummary | PairsSummary | DebateSummary] = []
    hidden = 0
    for run in state.meta.agenda:
        if not run.started:
            continue
        match run.exercise:
            case warmup_poll.WarmupPoll() as poll:
                exercises.append(_poll(state, run, poll, name))
            case best_question.BestQuestion() as exercise:
                summary = _best_question(state, run, exercise, name)
                hidden += sum(r.hidden for r in summary.rounds)
                exercises.append(summary)
            case challenge_pairs.ChallengePairs() as exercise:
                exercises.append(_pairs(state, run, exercise, name))
            case advocacy_debate.AdvocacyDebate() as exercise:
                debate = _debate(state, run, exercise, name)
                hidden += sum(r.hidden for r in debate.rounds)
                exercises.append(debate)
    return Summary(
        room=state.meta.code,
        title=state.meta.title,
        date=_day(state.meta.created_at),
        exported_at=datetime.datetime.fromtimestamp(now, datetime.UTC).isoformat(
            timespec="seconds"
        ),
        anonymised=anonymise,
        participants=[
            Person(ref=refs[p.id], name=name(p.id), present=not p.removed) for p in everyone
        ],
        exercises=exercises,
        hidden_items=hidden,
    )


def _day(timestamp: float) -> str:
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).date().isoformat()


Namer = Callable[[str], str]


def _played_rounds(run: Run) -> range:
    """Rounds reached so far: every earlier round and the current one."""
    return range(run.round + 1)


def _poll(state: RoomState, run: Run, poll: warmup_poll.WarmupPoll, name: Namer) -> PollSummary:
    votes = state.data(run.hash("votes"))
    eligible = {p.id for p in state.present}
    labels = {o.id: o.label for o in poll.options}
    return PollSummary(
        run=run.id,
        title=poll.title,
        question=poll.question,
        results=[
            PollResult(option=bar.option.label, votes=bar.count)
            for bar in warmup_poll.tally(poll, votes, eligible)
        ],
        votes=[
            PollVote(participant=name(pid), option=labels[option])
            for pid, option in sorted(votes.items())
            if pid in eligible and option in labels
        ],
    )


def _best_question(
    state: RoomState, run: Run, exercise: best_question.BestQuestion, name: Namer
) -> BestQuestionSummary:
    rounds = []
    for number in _played_rounds(run):
        names = best_question.Names.of(run.hash(f"{number}:"))
        board = best_question.Board.decode(state.run_data, names)
        ranked = best_question.ranking(board)
        rounds.append(
            QuestionRound(
                round=number + 1,
                scenario=exercise.scenarios[number].title,
                questions=[
                    QuestionEntry(
                        id=r.question,
                        rank=r.rank,
                        tied=r.tied,
                        text=r.text,
                        dots=r.dots,
                        authors=sorted(name(a) for a in board.authors(r.question)),
                    )
                    for r in ranked
                ],
                dots=[
                    Dot(voter=name(voter), question=question, dots=n)
                    for voter, entries in sorted(board.dots.items())
                    for question, n in sorted(entries.items())
                    if question in {r.question for r in ranked}
                ],
                hidden=sum(1 for q in board.questions if board.is_hidden(q) and board.is_root(q)),
            )
        )
    return BestQuestionSummary(run=run.id, title=exercise.title, rounds=rounds)


def _pairs(
    state: RoomState, run: Run, exercise: challenge_pairs.ChallengePairs, name: Namer
) -> PairsSummary:
    rounds = []
    for number in _played_rounds(run):
        names = challenge_pairs.Names.of(run.hash(f"{number}:"))
        pairs = challenge_pairs.decode_pairs(state.data(names.pairs))
        ratings = challenge_pairs.decode_ratings(state.data(names.ratings))
        rounds.append(
            PairsRound(
                round=number + 1,
                case=exercise.cases[number].title,
                pairs=[
                    PairEntry(
                        pair=pair.id,
                        number=pair.number,
                        colour=pair.colour[0],
                        seats=[
                            Seat(
                                participant=name(m),
                                first_role=pair.role_of(m, 1) or "waiting",
                                swapped_role=pair.role_of(m, 2) or "waiting",
                            )
                            for m in pair.members
                        ],
                    )
                    for pair in pairs.values()
                ],
                habits=[
                    HabitRow(
                        habit=h.label,
                        distribution=h.distribution,
                        partner_mean=h.partner_mean,
                        self_mean=h.self_mean,
                        gap=h.gap,
                    )
                    for h in challenge_pairs.summarise(ratings.values())
                ],
                ratings=[
                    RatingEntry(
                        half=half,
                        rater=name(rater),
                        rater_role=rating.rater_role,
                        target=name(rating.target),
                        pair=(seat.id if (seat := challenge_pairs.seat_of(pairs, rater)) else ""),
                        scores=rating.scores,
                        landed=rating.landed,
                        try_next=rating.try_next,
                    )
                    for (half, rater), rating in sorted(ratings.items())
                ],
            )
        )
    return PairsSummary(run=run.id, title=exercise.title, rounds=rounds)


def _debate(
    state: RoomState, run: Run, exercise: advocacy_debate.AdvocacyDebate, name: Namer
) -> DebateSummary:
    present = {p.id for p in state.present}
    rounds = []
    for number in _played_rounds(run):
        names = advocacy_debate.Names.of(run.hash(f"{number}:"))
        debate = advocacy_debate.Debate.decode(state.run_data, names)
        verdict = advocacy_debate.verdict(debate, present)
        teams: dict[str, list[str]] = {}
        for pid, team in sorted(debate.teams.items()):
            teams.setdefault(team, []).append(name(pid))
        shown = [p for p in debate.posts if p not in debate.hidden]
        rounds.append(
            DebateRound(
                round=number + 1,
                case=exercise.cases[number].title,
                motion=exercise.cases[number].motion,
                teams=[
                    Team(team=t, side=advocacy_debate.side_of_team(t), members=m)
                    for t, m in sorted(teams.items(), key=lambda kv: (kv[0] != "for", kv[0]))
                ],
                first=verdict.first,
                final=verdict.final,
                shift=verdict.shift,
                voted_both=verdict.both,
                winner=verdict.winner,
                posts=[
                    DebatePost(
                        id=p,
                        side=debate.posts[p].side,
                        team=debate.posts[p].team,
                        kind=debate.posts[p].kind,
                        author=name(debate.posts[p].author),
                        text=debate.posts[p].text,
                        upvotes=debate.score(p),
                        answers=debate.posts[p].answers
                        if debate.posts[p].answers not in debate.hidden
                        else "",
                    )
                    for p in sorted(shown, key=lambda p: debate.posts[p].at)
                ],
                votes=[
                    DebateVote(
                        participant=name(pid),
                        first=debate.first.get(pid, ""),
                        final=debate.final.get(pid, ""),
                    )
                    for pid in sorted(debate.first.keys() | debate.final.keys())
                    if pid in present
                ],
                hidden=len(debate.hidden & debate.posts.keys()),
            )
        )
    return DebateSummary(run=run.id, title=exercise.title, rounds=rounds)
