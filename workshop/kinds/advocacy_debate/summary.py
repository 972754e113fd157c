"""What a debate adds to the session summary, the personal card and the exports."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from workshop.i18n import gettext, say
from workshop.kinds.advocacy_debate import rules
from workshop.kinds.advocacy_debate.content import (
    CHOICE_LABELS,
    CHOICES,
    SIDES,
    AdvocacyDebate,
    Debate,
    Names,
    side_of_team,
    team_label,
)
from workshop.kinds.base import CardPost, Namer, SummaryEntry
from workshop.markdown import md_block, md_heading, md_inline, md_table
from workshop.words import count, points

if TYPE_CHECKING:
    from workshop.models import RoomState, Run


class Team(BaseModel):
    team: str
    label: str
    """The team as the screens name it: "For · team 1"."""
    side: str
    members: list[str]

    @property
    def shown(self) -> str:
        """The label in the language being spoken."""
        return str(say(team_label(self.team)))


class DebatePost(BaseModel):
    id: str
    side: str
    team: str
    kind: str
    author: str
    text: str
    upvotes: int
    answers: str = ""

    @property
    def team_label(self) -> str:
        return str(say(team_label(self.team))) if self.team else ""

    @property
    def side_label(self) -> str:
        return str(say(CHOICE_LABELS.get(self.side, self.side)))

    @property
    def upvoted(self) -> str:
        return count(self.upvotes, "upvote", "upvotes")


@dataclass(frozen=True)
class Thread:
    """An argument and the other side's rebuttals that answer it, oldest first."""

    argument: DebatePost
    rebuttals: list[DebatePost]


@dataclass(frozen=True)
class SideArguments:
    side: str
    label: str
    """ "For" or "Against"."""
    other: str
    """The side whose rebuttals answer these arguments: "Against" or "For"."""
    threads: list[Thread]
    """Most upvoted first."""

    @property
    def heading(self) -> str:
        if self.side == "for":
            return gettext("Arguments for the motion")
        return gettext("Arguments against the motion")

    @property
    def empty_note(self) -> str:
        if self.side == "for":
            return gettext("No arguments for the motion.")
        return gettext("No arguments against the motion.")


@dataclass(frozen=True)
class VerdictRow:
    choice: str
    label: str
    first: int
    final: int
    shift: str
    """In points, signed: "+40", "+0", "-40"."""


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

    @property
    def verdict_rows(self) -> list[VerdictRow]:
        return [
            VerdictRow(
                choice=c,
                label=str(say(CHOICE_LABELS[c])),
                first=self.first.get(c, 0),
                final=self.final.get(c, 0),
                shift=points(self.shift.get(c, 0.0)),
            )
            for c in CHOICES
        ]

    @property
    def verdict_note(self) -> str:
        """Who won, and over how many people, in a sentence."""
        people = count(self.voted_both, "person", "people")
        if self.winner:
            label = say(CHOICE_LABELS.get(self.winner, self.winner))
            return gettext(
                "Winner by shift: %(side)s, the side that moved more of the room (counted over "
                "%(people)s who voted both times)."
            ) % {"side": label, "people": people}
        if self.voted_both:
            return gettext(
                "No winner: neither side moved the room more than the other (counted over "
                "%(people)s who voted both times)."
            ) % {"people": people}
        return gettext("No winner: nobody voted both times.")

    @property
    def sides(self) -> list[SideArguments]:
        """Each side's arguments, each with the rebuttals from the other side that answer it."""
        rebuttals = [p for p in self.posts if p.kind == "rebuttal"]
        return [
            SideArguments(
                side=side,
                label=str(say(CHOICE_LABELS[side])),
                other=str(say(CHOICE_LABELS[other])),
                threads=[
                    Thread(post, [p for p in rebuttals if p.answers == post.id])
                    for post in sorted(
                        (p for p in self.posts if p.kind == "argument" and p.side == side),
                        key=lambda p: -p.upvotes,
                    )
                ],
            )
            for side, other in zip(SIDES, reversed(SIDES), strict=True)
        ]

    @property
    def unanswered(self) -> list[DebatePost]:
        """Rebuttals whose argument is not shown (the facilitator hid it)."""
        shown = {p.id for p in self.posts if p.kind == "argument"}
        return [p for p in self.posts if p.kind == "rebuttal" and p.answers not in shown]

    @property
    def unanswered_note(self) -> str:
        """Why `unanswered` rebuttals stand alone (a hidden argument's rebuttals answer nothing;
        a one-team summary leaves the other team's arguments out)."""
        if all(not p.answers for p in self.unanswered):
            return gettext("These answer an argument the facilitator hid.")
        return gettext(
            "These answer an argument not in this summary: another team's, or a hidden one."
        )

    @property
    def hidden_note(self) -> str:
        return gettext("%(posts)s left out") % {
            "posts": count(self.hidden, "hidden post", "hidden posts")
        }


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
                    Team(team=t, label=team_label(t), side=side_of_team(t), members=m)
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
    out = [f"## {md_heading(exercise.title)}"]
    for r in exercise.rounds:
        out += [
            "",
            "### "
            + gettext("Debate %(round)s: %(case)s")
            % {"round": r.round, "case": md_heading(r.case)},
            "",
            gettext("Motion: %(motion)s") % {"motion": md_inline(r.motion)},
            "",
            md_table(
                [gettext("Vote"), gettext("First"), gettext("Final"), gettext("Shift (points)")],
                ((v.label, v.first, v.final, v.shift) for v in r.verdict_rows),
                numbers={1, 2, 3},
            ),
            "",
            r.verdict_note,
            "",
            "#### " + gettext("Teams"),
            "",
        ]
        out += [
            f"- {t.shown}: {', '.join(md_inline(m) for m in t.members) or gettext('nobody')}"
            for t in r.teams
        ] or [gettext("No teams were formed.")]
        for side in r.sides:
            out += ["", f"#### {side.heading}", ""]
            for thread in side.threads:
                post = thread.argument
                out.append(f"- {md_block(post.text)} ({_credit(post, team=True)})")
                out += [f"  - {_rebuttal(reply)}" for reply in thread.rebuttals]
            if not side.threads:
                out.append(side.empty_note)
        if r.unanswered:
            heading = gettext("Rebuttals to arguments not shown")
            out += ["", f"#### {heading}", "", r.unanswered_note, ""]
            out += [f"- {_rebuttal(reply)}" for reply in r.unanswered]
        if r.hidden:
            out += ["", f"{r.hidden_note}."]
    return out


def _rebuttal(reply: DebatePost) -> str:
    return gettext("Rebuttal from %(side)s: %(text)s (%(credit)s)") % {
        "side": reply.side_label,
        "text": md_inline(reply.text),
        "credit": _credit(reply),
    }


def _credit(post: DebatePost, team: bool = False) -> str:
    """ "2 upvotes, Ada" (and her team): what follows a post in the Markdown."""
    credit = f"{post.upvoted}, {md_inline(post.author)}"
    return f"{credit}, {post.team_label}" if team and post.team else credit


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
