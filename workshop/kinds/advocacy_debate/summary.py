"""What a debate adds to the session summary, the personal card and the exports."""

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from workshop.kinds.advocacy_debate import rules
from workshop.kinds.advocacy_debate.content import AdvocacyDebate, Debate, Names, side_of_team
from workshop.kinds.base import CardPost, Namer, SummaryEntry
from workshop.markdown import md_table, md_text

if TYPE_CHECKING:
    from workshop.models import RoomState, Run


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


class DebateSummary(SummaryEntry):
    kind: Literal["advocacy_debate"] = "advocacy_debate"
    run: str
    title: str
    rounds: list[DebateRound]


def debate_summary(
    state: "RoomState", run: "Run", exercise: AdvocacyDebate, name: Namer
) -> DebateSummary:
    present = state.present_ids
    rounds = []
    for number in range(run.round + 1):
        names = Names.of(run.hash(f"{number}:"))
        debate = Debate.decode(state.run_data, names)
        verdict = rules.verdict(debate, present)
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
                    Team(team=t, side=side_of_team(t), members=m)
                    for t, m in sorted(
                        teams.items(), key=lambda kv: (not kv[0].startswith("for"), kv[0])
                    )
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


def markdown(exercise: DebateSummary) -> list[str]:
    out = [f"## {md_text(exercise.title)}"]
    for r in exercise.rounds:
        winner = {"for": "For", "against": "Against"}.get(r.winner or "", "no side")
        out += [
            "",
            f"### Debate {r.round}: {md_text(r.case)}",
            "",
            f"Motion: {md_text(r.motion)}",
            "",
            md_table(
                ["Vote", "First", "Final", "Shift (points)"],
                (
                    (
                        c.capitalize(),
                        r.first.get(c, 0),
                        r.final.get(c, 0),
                        f"{r.shift.get(c, 0.0):+.0f}",
                    )
                    for c in ("for", "against", "undecided")
                ),
            ),
            "",
            f"Winner by shift: {winner} (counted over {r.voted_both} people who voted both times).",
            "",
            "Teams: "
            + "; ".join(f"{t.team}: {', '.join(md_text(m) for m in t.members)}" for t in r.teams),
        ]
        arguments = [p for p in r.posts if p.kind == "argument"]
        for side in ("for", "against"):
            mine = sorted((p for p in arguments if p.side == side), key=lambda p: -p.upvotes)
            out += ["", f"#### Arguments {side}", ""]
            for post in mine or []:
                out.append(
                    f"- {md_text(post.text)} ({post.upvotes} upvotes, {md_text(post.author)})"
                )
                for reply in (p for p in r.posts if p.kind == "rebuttal" and p.answers == post.id):
                    out.append(f"  - Rebuttal: {md_text(reply.text)} ({reply.upvotes} upvotes)")
            if not mine:
                out.append("- none")
        if r.hidden:
            out += ["", f"{r.hidden} hidden post(s) left out."]
    return out


def only_team(exercise: DebateSummary, team: str) -> DebateSummary | None:
    """The part of a debate's summary that concerns one team: its members, their votes, its posts
    and the rebuttals that answer them."""
    rounds = []
    for r in exercise.rounds:
        teams = [t for t in r.teams if t.team == team]
        if not teams:
            continue
        members = set(teams[0].members)
        kept = [p for p in r.posts if p.team == team]
        kept_ids = {p.id for p in kept}
        threads = [p for p in r.posts if p.answers in kept_ids and p.id not in kept_ids]
        rounds.append(
            r.model_copy(
                update={
                    "teams": teams,
                    "posts": kept + threads,
                    "votes": [v for v in r.votes if v.participant in members],
                }
            )
        )
    return exercise.model_copy(update={"rounds": rounds}) if rounds else None


def card_holders(state: "RoomState", run: "Run") -> frozenset[str]:
    """Who has a post in `card_posts`: the authors of every post still shown."""
    holders: set[str] = set()
    for number in range(run.round + 1):
        debate = Debate.decode(state.run_data, Names.of(run.hash(f"{number}:")))
        holders.update(
            post.author for pid, post in debate.posts.items() if pid not in debate.hidden
        )
    return frozenset(holders)


def card_posts(
    state: "RoomState", run: "Run", exercise: AdvocacyDebate, participant_id: str
) -> list[CardPost]:
    posts: list[CardPost] = []
    for number in range(run.round + 1):
        debate = Debate.decode(state.run_data, Names.of(run.hash(f"{number}:")))
        posts += [
            CardPost(
                exercise=exercise.title,
                round=number + 1,
                kind=post.kind,
                side=post.side,
                text=post.text,
                upvotes=debate.score(pid),
            )
            for pid, post in sorted(debate.posts.items(), key=lambda kv: kv[1].at)
            if post.author == participant_id and pid not in debate.hidden
        ]
    return posts


CSV_FILES: dict[str, list[str]] = {
    "debate_posts.csv": [
        "run",
        "exercise",
        "round",
        "post_id",
        "side",
        "team",
        "kind",
        "author",
        "text",
        "upvotes",
        "answers",
    ],
}


def csv_rows(ex: DebateSummary) -> dict[str, list[list[Any]]]:
    votes: list[list[Any]] = []
    posts: list[list[Any]] = []
    for dr in ex.rounds:
        for v in dr.votes:
            votes.append([ex.run, ex.title, dr.round, "debate first", v.participant, v.first, ""])
            votes.append([ex.run, ex.title, dr.round, "debate final", v.participant, v.final, ""])
        posts += [
            [
                ex.run,
                ex.title,
                dr.round,
                p.id,
                p.side,
                p.team,
                p.kind,
                p.author,
                p.text,
                p.upvotes,
                p.answers,
            ]
            for p in dr.posts
        ]
    return {"votes.csv": votes, "debate_posts.csv": posts}
