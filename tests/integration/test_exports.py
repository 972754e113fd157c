"""Session-summary exports end to end: one scripted session plays every kind of exercise, then every
format is downloaded from the console (and the personal cards from the phones) and checked against
what was played. Also: access rules, `?only=` filters, anonymising and `workshop export`."""

import asyncio
import csv
import html
import io
import json
import re
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx2
import jsonschema
import pytest
from markdown_it import MarkdownIt
from markupsafe import escape
from starlette.testclient import TestClient

from tests import markdown_read
from tests.decimals import one_decimal
from tests.integration.helpers import Screen, action_id, create_room, join, live
from workshop import engine, words
from workshop.actions import action_adapter
from workshop.app import create_app
from workshop.cli import main
from workshop.exercises import load_library
from workshop.exports import csv_records, json_schema, to_csv_zip, to_markdown
from workshop.render import Renderer
from workshop.service import Rooms
from workshop.settings import DEFAULT_EXERCISES, Settings
from workshop.store import Store
from workshop.summary import Summary

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "summary.schema.json"
FORMATS = ("md", "json", "csv", "html")
CSV_FILES = ("submissions.csv", "votes.csv", "ratings.csv", "debate_posts.csv")

# The people, in order of arrival. Names are distinctive so that grepping for them cannot hit
# exercise content; the first one is hostile to every format at once.
ZEB = 'Zebedee, "the | *bold*" <b>#1</b>'
XAN, OTT, BAR, WIL = "Xanthippe", "Ottoline", "Barnabus", "Wilhelmina"
NAMES = (ZEB, XAN, OTT, BAR, WIL)
TOKENS = {ZEB: "Zebedee", XAN: XAN, OTT: OTT, BAR: BAR, WIL: WIL}
"""A distinctive word of each name, to grep for in every file."""

# Text that would break a format if it were not escaped or quoted (whitespace is folded on input).
HOSTILE_QUESTION = 'What if we "pause", then ask | *why* <b>#1</b>?\n# Not a heading'
HOSTILE_POST = 'For, "always": | **bold** <b>#1</b>\n| a | b |'
HOSTILE_LANDED = 'You asked "why", then | *paused* <b>#1</b>\n# next line'
HOSTILE_TRY = "<i>Name</i> the worry, | then ask #2"
RAW_TAGS = ("<b>#1</b>", "<i>Name</i>", "<b>", "<i>")


def flat(text: str) -> str:
    """How the app stores participants' text: runs of white space folded to one space."""
    return " ".join(text.split())


# Warm-up poll (run r1).
POLL_VOTES = {ZEB: "curious", XAN: "curious", OTT: "candid", BAR: "compassionate", WIL: "curious"}
POLL_LABELS = {
    "candid": "Being candid",
    "collaborative": "Being collaborative",
    "compassionate": "Being compassionate",
    "curious": "Being curious",
}
POLL_RESULTS = [
    ("Being candid", 1),
    ("Being collaborative", 0),
    ("Being compassionate", 1),
    ("Being curious", 3),
]

# Best question (run r2): Barnabus's question is hidden; Wilhelmina only votes.
QUESTIONS = {
    ZEB: HOSTILE_QUESTION,
    XAN: "What are you proudest of this year?",
    OTT: "Which result surprised you most?",
    BAR: "A question the facilitator hides",
}
DOTS = {WIL: (ZEB, XAN, OTT), ZEB: (XAN, OTT), XAN: (OTT,), OTT: (XAN,), BAR: (ZEB,)}
RANKED = [(XAN, 1, True, 3), (OTT, 1, True, 3), (ZEB, 3, False, 2)]
"""(author, rank, tied, dots): the two on 3 dots share rank 1, in the order they were written."""

# Challenge pairs (run r3): five people make one pair and one trio. Scores by (group size, half,
# role), so the totals do not depend on who the draw puts where.
HABITS = ("Candid", "Collaborative", "Compassionate", "Curious")
SCORES: dict[tuple[int, int, str], tuple[int, int, int, int]] = {
    (2, 1, "customer"): (4, 3, 5, 2),
    (2, 1, "challenger"): (5, 5, 5, 5),
    (2, 2, "customer"): (2, 3, 4, 2),
    (2, 2, "challenger"): (3, 3, 3, 3),
    (3, 1, "customer"): (5, 4, 3, 3),
    (3, 1, "observer"): (3, 3, 3, 3),
    (3, 1, "challenger"): (4, 4, 4, 4),
    (3, 2, "customer"): (4, 4, 4, 4),
    (3, 2, "observer"): (1, 2, 2, 5),
    (3, 2, "challenger"): (2, 3, 4, 5),
}
SWAPPED = {
    2: {"challenger": "customer", "customer": "challenger"},
    3: {"challenger": "observer", "customer": "challenger", "observer": "customer"},
}
"""A role in the first talk -> the role after the swap: a pair swaps, a trio rotates."""
TRIO_TURN = {"challenger": "customer", "customer": "observer", "observer": "challenger"}
"""In a trio, a role in the first talk -> the role in the trio's own turn (not rated here)."""


def roles_of(size: int, role: str) -> list[str]:
    """Someone's roles through a round, as the exports list them."""
    return [role, SWAPPED[size][role], *([TRIO_TURN[role]] if size == 3 else [])]


# Advocacy debate (run r4).
FIRST = {ZEB: "for", XAN: "against", OTT: "undecided", BAR: "undecided", WIL: "against"}
FINAL = {ZEB: "for", XAN: "for", OTT: "for", BAR: "against", WIL: "against"}
VERDICT = {  # choice -> (first, final, shift in points), over the five who voted both times
    "for": (1, 3, 40.0),
    "against": (2, 2, 0.0),
    "undecided": (2, 0, -40.0),
}


# What was played ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """One row of the console's pair board, in the first conversation."""

    number: int
    colour: str
    seats: dict[str, str]
    """Name -> first role: challenger, customer or observer."""

    @property
    def id(self) -> str:
        return f"p{self.number}"

    def named(self, role: str) -> str:
        return next(name for name, seat in self.seats.items() if seat == role)


@dataclass(frozen=True)
class Given:
    """One rating as it was sent."""

    half: int
    rater: str
    role: str
    target: str
    pair: str
    scores: tuple[int, int, int, int]
    landed: str
    try_next: str


@dataclass(frozen=True)
class Posted:
    id: str
    author: str
    side: str
    kind: str
    text: str
    answers: str = ""
    upvotes: int = 0
    hidden: bool = False

    @property
    def team(self) -> str:
        return f"{self.side}-1"


@dataclass(frozen=True)
class Played:
    code: str
    host_cookie: str
    cookies: dict[str, str]
    ids: dict[str, str]
    groups: list[Group]
    ratings: list[Given]
    teams: dict[str, list[str]]
    """Side -> members, in arrival order."""
    posts: list[Posted]
    """In the order they were posted."""

    def question_id(self, author: str) -> str:
        return f"{self.ids[author]}.1"


@dataclass(frozen=True)
class Session:
    client: TestClient
    played: Played

    def export(self, fmt: str, query: str = "", cookie: str | None = None) -> httpx2.Response:
        cookie = self.played.host_cookie if cookie is None else cookie
        return self.client.get(
            f"/host/{self.played.code}/export/{fmt}{query}",
            headers={"cookie": cookie} if cookie else {},
        )

    def ok(self, fmt: str, query: str = "") -> httpx2.Response:
        response = self.export(fmt, query)
        assert response.status_code == 200, response.text
        return response

    def card(self, cookie: str) -> httpx2.Response:
        return self.client.get(
            f"/r/{self.played.code}/card", headers={"cookie": cookie} if cookie else {}
        )


# Reading the screens -----------------------------------------------------------------------------

_ROW = re.compile(r'<li class="pair-row( flagged)?">(.*?)</ul>\s*</li>', re.S)
_BADGE = re.compile(r'pair-colour-name">(\w+)</span> <span class="pair-number">(\d+)<')
_SEAT = re.compile(
    r'<span hx-disable>([^<]+)</span></span>\s*<span class="seat-role">(Challenger|Customer|Observer)'
)
_TEAM = re.compile(
    r"<li><strong>(For|Against) · team \d+</strong>: <span hx-disable>([^<]*)</span>"
)
_REMOVE = re.compile(
    r'name="participant_id" value="([^"]+)">\s*<button type="submit">Remove ([^<]+)<'
)
SHOWN = {str(escape(name)): name for name in NAMES}
"""A name as the console shows it -> the name."""


def settle(screen: Screen, region: str, check: Callable[[str], bool], limit: int = 80) -> str:
    """Reads frames until `region` passes `check`; returns that region's HTML."""
    for _ in range(limit):
        html_ = screen.regions.get(region, "")
        if html_ and check(html_):
            return html_
        screen.receive()
    raise AssertionError(f"{region!r} never settled; last: {screen.regions.get(region)!r}")


def people_ids(host: Screen) -> dict[str, str]:
    roster = settle(host, "roster", lambda h: all(f"Remove {n}<" in h for n in SHOWN))
    return {SHOWN[shown]: pid for pid, shown in _REMOVE.findall(roster)}


def pair_board(stage: str) -> list[Group]:
    groups = []
    for _, row in _ROW.findall(stage):
        colour, number = _BADGE.findall(row)[0]
        seats = {SHOWN[shown]: role.lower() for shown, role in _SEAT.findall(row)}
        groups.append(Group(int(number), colour, seats))
    return groups


def debate_teams(stage: str) -> dict[str, list[str]]:
    sides: dict[str, list[str]] = {"for": [], "against": []}
    for side, members in _TEAM.findall(stage):
        sides[side.lower()] += [n for shown, n in SHOWN.items() if shown in members]
    return {side: [n for n in NAMES if n in members] for side, members in sides.items()}


# Playing the session -----------------------------------------------------------------------------


def play_poll(host: Screen, phones: dict[str, Screen]) -> None:
    host.act("Started", type="start_run", run_id="r1")
    for name, option in POLL_VOTES.items():
        phones[name].act("Vote saved", type="vote", option=option, seen_phase="r1.0:vote")
    host.act("Now: Results", type="next_phase", seen_phase="r1.0:vote")


def play_best_question(host: Screen, phones: dict[str, Screen], ids: dict[str, str]) -> None:
    host.act("Started", type="start_run", run_id="r2")
    host.act("Now: round 1, Write", type="next_phase", seen_phase="r2.0:brief")
    for name, text in QUESTIONS.items():
        phones[name].act(
            "Question saved", type="submit_question", seen_phase="r2.0:write", slot=1, text=text
        )
    host.act(
        "Question hidden",
        type="hide_question",
        seen_phase="r2.0:write",
        question=f"{ids[BAR]}.1",
        hidden="true",
    )
    host.act("Now: round 1, Vote", type="next_phase", seen_phase="r2.0:write")
    for voter, authors in DOTS.items():
        for author in authors:
            phones[voter].act(
                "Dot placed", type="place_dot", seen_phase="r2.0:vote", question=f"{ids[author]}.1"
            )
    host.act("Now: round 1, Reveal", type="next_phase", seen_phase="r2.0:vote")


def comment(size: int, half: int, role: str) -> tuple[str, str]:
    """What a rater writes: unique per rating, no names; one rating carries hostile text."""
    if (size, half, role) == (3, 1, "customer"):
        return HOSTILE_LANDED, HOSTILE_TRY
    if role == "challenger":
        return f"Self note h{half} g{size}", ""
    return f"Landed note {role} h{half} g{size}", f"Try note {role} h{half} g{size}"


def play_pairs(host: Screen, phones: dict[str, Screen]) -> tuple[list[Group], list[Given]]:
    host.act("Started", type="start_run", run_id="r3")
    host.act("Now: round 1, Pair up.", type="next_phase", seen_phase="r3.0:brief")
    stage = settle(
        host, "stage", lambda h: sorted(n for g in pair_board(h) for n in g.seats) == sorted(NAMES)
    )
    groups = sorted(pair_board(stage), key=lambda g: g.number)
    assert sorted(len(g.seats) for g in groups) == [2, 3]
    given: list[Given] = []
    for half, phase, passing in (
        (1, "rate", ("pair", "read", "converse")),
        (2, "rate_swap", ("rate", "read_swap", "swap")),
    ):
        for now in passing:
            host.act("Now: round 1", type="next_phase", seen_phase=f"r3.0:{now}")
        for group in groups:
            size = len(group.seats)
            roles = {
                name: role if half == 1 else SWAPPED[size][role]
                for name, role in group.seats.items()
            }
            challenger = next(name for name, role in roles.items() if role == "challenger")
            for name, role in roles.items():
                scores = SCORES[(size, half, role)]
                landed, try_next = comment(size, half, role)
                phones[name].act(
                    "saved ✓",
                    type="rate",
                    seen_phase=f"r3.0:{phase}",
                    candid=scores[0],
                    collaborative=scores[1],
                    compassionate=scores[2],
                    curious=scores[3],
                    landed=landed,
                    try_next=try_next,
                )
                given.append(
                    Given(half, name, role, challenger, group.id, scores, landed, try_next)
                )
    for now in ("rate_swap", "trio", "rate_trio"):
        host.act("Now: round 1", type="next_phase", seen_phase=f"r3.0:{now}")
    return groups, given


def play_debate(
    host: Screen, phones: dict[str, Screen], ids: dict[str, str]
) -> tuple[dict[str, list[str]], list[Posted]]:
    host.act("Started", type="start_run", run_id="r4")
    host.act("Now: round 1, First vote.", type="next_phase", seen_phase="r4.0:case")
    for name, choice in FIRST.items():
        phones[name].act("Vote saved", type="vote", seen_phase="r4.0:first_vote", option=choice)
    host.act("Teams formed: 3 for, 2 against.", type="next_phase", seen_phase="r4.0:first_vote")
    teams = debate_teams(
        settle(host, "stage", lambda h: sum(map(len, debate_teams(h).values())) == len(NAMES))
    )
    (f1, f2, f3), (a1, a2) = teams["for"], teams["against"]
    host.act("Now: round 1, Arguments.", type="next_phase", seen_phase="r4.0:teams")

    def post(author: str, step: str, text: str, answers: str = "") -> str:
        sent = action_id()
        phones[author].act(
            "posted ✓",
            type="post",
            seen_phase=f"r4.0:{step}",
            text=text,
            answers=answers,
            action_id=sent,
        )
        return f"{ids[author]}.{sent}"

    def upvote(voter: str, post_id: str) -> None:
        phones[voter].act(
            "Upvoted", type="upvote", seen_phase="r4.0:arguments", post=post_id, on="true"
        )

    loud = post(f1, "arguments", HOSTILE_POST)
    margins = post(a1, "arguments", "Margins fall when we bundle")
    hidden = post(a2, "arguments", "A remark the facilitator hides")
    loyalty = post(f2, "arguments", "Nine years of loyalty count")
    upvote(f2, loud)
    upvote(f3, loud)
    upvote(a2, margins)
    host.act("Post hidden", type="hide_post", seen_phase="r4.0:arguments", post=hidden)
    host.act("Now: round 1, Rebuttals.", type="next_phase", seen_phase="r4.0:arguments")
    business = post(a2, "rebuttals", "Loyalty is not a business case", answers=loud)
    account = post(f3, "rebuttals", "Margin is not the whole account", answers=margins)
    host.act("Now: round 1, Final vote.", type="next_phase", seen_phase="r4.0:rebuttals")
    for name, choice in FINAL.items():
        phones[name].act("Vote saved", type="vote", seen_phase="r4.0:final_vote", option=choice)
    host.act("Now: round 1, Verdict.", type="next_phase", seen_phase="r4.0:final_vote")
    posts = [
        Posted(loud, f1, "for", "argument", flat(HOSTILE_POST), upvotes=2),
        Posted(margins, a1, "against", "argument", "Margins fall when we bundle", upvotes=1),
        Posted(hidden, a2, "against", "argument", "A remark the facilitator hides", hidden=True),
        Posted(loyalty, f2, "for", "argument", "Nine years of loyalty count"),
        Posted(business, a2, "against", "rebuttal", "Loyalty is not a business case", loud),
        Posted(account, f3, "for", "rebuttal", "Margin is not the whole account", margins),
    ]
    return teams, posts


def play(client: TestClient) -> Played:
    code, host_cookie = create_room(client)
    cookies = {name: join(client, code, name) for name in NAMES}
    with ExitStack() as stack:
        host = stack.enter_context(live(client, code, "host", host_cookie))
        phones = {
            n: stack.enter_context(live(client, code, "phone", c)) for n, c in cookies.items()
        }
        ids = people_ids(host)
        for exercise in (
            "warmup-hardest-habit",
            "best-question-turnarounds",
            "challenge-pairs-respectful-challenge",
            "advocacy-debate-customer-advocate",
        ):
            host.act("Added", type="add_exercise", exercise_id=exercise)
        play_poll(host, phones)
        play_best_question(host, phones, ids)
        groups, ratings = play_pairs(host, phones)
        teams, posts = play_debate(host, phones, ids)
    return Played(code, host_cookie, cookies, ids, groups, ratings, teams, posts)


@pytest.fixture(scope="module")
def played_room() -> Iterator[Session]:
    """The `client` fixture's app, kept for the module, with the whole session played once."""
    app = create_app(Settings(redis_url=None, secret_key="test-signing-key", coalesce_seconds=0.0))
    with TestClient(app) as client:
        yield Session(client, play(client))


# Reading the downloads ---------------------------------------------------------------------------


class _Text(HTMLParser):
    """The text a reader sees: no styles, no chart labels, entities decoded."""

    SKIP = ("style", "script", "svg", "title")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def everything(page: str) -> str:
    """Text and attributes with entities decoded: what a grep of the rendered page would find."""
    return html.unescape(page)


def assert_inert_markdown(md: str) -> None:
    """Participants' text opens no heading, emphasis, code, link or HTML in Markdown: the only
    markup is the export's own."""
    markdown_read.assert_inert(md)
    rendered = MarkdownIt("commonmark").enable("table").render(md)
    for tag in RAW_TAGS:
        assert tag not in rendered


def unzip(body: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def as_cells(rows: Iterable[Iterable[object]]) -> list[list[str]]:
    return [["" if cell is None else str(cell) for cell in row] for row in rows]


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def by_kind(data: dict[str, Any], kind: str) -> dict[str, Any]:
    (exercise,) = [e for e in data["exercises"] if e["kind"] == kind]
    found: dict[str, Any] = exercise
    return found


def expected_habits(ratings: Iterable[Given]) -> list[tuple[str, list[int], Any, Any, Any]]:
    """(habit, distribution, partner mean, self mean, gap) from the ratings as sent."""
    given = list(ratings)
    rows = []
    for i, habit in enumerate(HABITS):
        partner = [g.scores[i] for g in given if g.role != "challenger"]
        own = [g.scores[i] for g in given if g.role == "challenger"]
        p_mean = sum(partner) / len(partner) if partner else None
        s_mean = sum(own) / len(own) if own else None
        gap = s_mean - p_mean if p_mean is not None and s_mean is not None else None
        rows.append((habit, [partner.count(s) for s in range(1, 6)], p_mean, s_mean, gap))
    return rows


def assert_habits(rows: list[dict[str, Any]], ratings: Iterable[Given]) -> None:
    expected = expected_habits(ratings)
    assert [(h["habit"], h["distribution"]) for h in rows] == [(e[0], e[1]) for e in expected]
    means = [h[key] for h in rows for key in ("partner_mean", "self_mean", "gap")]
    assert means == pytest.approx([value for e in expected for value in e[2:]])


def comments(ratings: Iterable[Given]) -> list[str]:
    return [flat(text) for g in ratings for text in (g.landed, g.try_next) if text]


def shown_posts(played: Played) -> list[Posted]:
    return [p for p in played.posts if not p.hidden]


# The full exports --------------------------------------------------------------------------------


def test_the_published_schema_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == json_schema()


def test_the_json_validates_and_holds_what_was_played(played_room: Session) -> None:
    played = played_room.played
    response = played_room.ok("json")
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    jsonschema.validate(data, schema())
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["date"])
    assert response.headers["content-disposition"] == (
        f'attachment; filename="workshop-{played.code}-{data["date"]}.json"'
    )
    assert (data["room"], data["anonymised"], data["hidden_items"]) == (played.code, False, 2)
    assert data["participants"] == [
        {"ref": f"P{n}", "name": name, "present": True} for n, name in enumerate(NAMES, start=1)
    ]
    assert [(e["kind"], e["run"]) for e in data["exercises"]] == [
        ("warmup_poll", "r1"),
        ("best_question", "r2"),
        ("challenge_pairs", "r3"),
        ("advocacy_debate", "r4"),
    ]

    poll = by_kind(data, "warmup_poll")
    assert [(r["option"], r["votes"]) for r in poll["results"]] == POLL_RESULTS
    assert {v["participant"]: v["option"] for v in poll["votes"]} == {
        name: POLL_LABELS[option] for name, option in POLL_VOTES.items()
    }

    (bq,) = by_kind(data, "best_question")["rounds"]
    assert bq["hidden"] == 1
    assert [
        (q["id"], q["rank"], q["tied"], q["dots"], q["text"], q["authors"]) for q in bq["questions"]
    ] == [
        (played.question_id(a), rank, tied, dots, flat(QUESTIONS[a]), [a])
        for a, rank, tied, dots in RANKED
    ]
    assert sorted((d["voter"], d["question"], d["dots"]) for d in bq["dots"]) == sorted(
        (voter, played.question_id(a), 1) for voter, authors in DOTS.items() for a in authors
    )

    (pairs,) = by_kind(data, "challenge_pairs")["rounds"]
    assert pairs["round"] == 1
    assert {
        p["pair"]: (
            p["number"],
            {s["participant"]: (s["first_role"], s["swapped_role"]) for s in p["seats"]},
        )
        for p in pairs["pairs"]
    } == {
        g.id: (
            g.number,
            {n: (role, SWAPPED[len(g.seats)][role]) for n, role in g.seats.items()},
        )
        for g in played.groups
    }
    assert_habits(pairs["habits"], played.ratings)
    assert sorted(
        (
            r["half"],
            r["rater"],
            r["rater_role"],
            r["target"],
            r["pair"],
            tuple(r["scores"][h.lower()] for h in HABITS),
            r["landed"],
            r["try_next"],
        )
        for r in pairs["ratings"]
    ) == sorted(
        (g.half, g.rater, g.role, g.target, g.pair, g.scores, flat(g.landed), flat(g.try_next))
        for g in played.ratings
    )

    (debate,) = by_kind(data, "advocacy_debate")["rounds"]
    assert {c: (debate["first"][c], debate["final"][c], debate["shift"][c]) for c in VERDICT} == (
        VERDICT
    )
    assert (debate["winner"], debate["voted_both"], debate["hidden"]) == ("for", 5, 1)
    assert debate["teams"] == [  # For first
        {
            "team": f"{side}-1",
            "label": f"{side.capitalize()} · team 1",
            "side": side,
            "members": sorted(members, key=lambda n: played.ids[n]),
        }
        for side, members in (("for", played.teams["for"]), ("against", played.teams["against"]))
    ]
    assert [
        (
            p["id"],
            p["author"],
            p["side"],
            p["team"],
            p["kind"],
            p["text"],
            p["upvotes"],
            p["answers"],
        )
        for p in debate["posts"]
    ] == [
        (p.id, p.author, p.side, p.team, p.kind, p.text, p.upvotes, p.answers)
        for p in shown_posts(played)
    ]
    assert {v["participant"]: (v["first"], v["final"]) for v in debate["votes"]} == {
        name: (FIRST[name], FINAL[name]) for name in NAMES
    }


def test_the_markdown_holds_what_was_played_and_user_text_stays_inert(played_room: Session) -> None:
    played = played_room.played
    response = played_room.ok("md")
    assert response.headers["content-type"].startswith("text/markdown")
    assert re.fullmatch(
        rf'attachment; filename="workshop-{played.code}-\d{{4}}-\d{{2}}-\d{{2}}\.md"',
        response.headers["content-disposition"],
    )
    md = response.text
    assert_inert_markdown(md)
    tables = markdown_read.tables(md)

    assert tables[("Option", "Votes")] == [[o, str(n)] for o, n in POLL_RESULTS]
    assert tables[("Rank", "Question", "Dots", "Written by")] == [
        [f"{rank}{'=' if tied else ''}", flat(QUESTIONS[a]), str(dots), a]
        for a, rank, tied, dots in RANKED
    ]
    assert tables[("Habit", "1", "2", "3", "4", "5", "Partners", "Self", "Gap")] == [
        [h, *map(str, dist), one_decimal(p), one_decimal(s), one_decimal(gap, True)]
        for h, dist, p, s, gap in expected_habits(played.ratings)
    ]
    assert tables[("Group", "Person", "First conversation", "Swapped", "Trio's turn")] == [
        [
            f"{g.colour} {g.number}",
            name,
            *roles_of(len(g.seats), role),
            *(["-"] * (3 - len(g.seats))),
        ]
        for g in played.groups
        for name, role in g.seats.items()
    ]
    assert tables[("Vote", "First", "Final", "Shift (points)")] == [
        [c.capitalize(), str(first), str(final), f"{shift:+.0f}"]
        for c, (first, final, shift) in VERDICT.items()
    ]

    shown = markdown_read.texts(md)
    today = words.day(time.time())
    assert f"Room {played.code} · {today} · 5 participants" in shown
    assert any(re.fullmatch(rf"Exported {today}, \d\d:\d\d UTC\.", line) for line in shown)
    people = shown.index("Participants") + 1
    assert shown[people : people + len(NAMES)] == list(NAMES)
    assert "5 votes cast." in shown
    assert "2 posts and questions the facilitator hid are left out." in shown
    assert "1 hidden question left out." in shown
    assert "1 hidden post left out." in shown
    assert (
        "Winner by shift: For, the side that moved more of the room "
        "(counted over 5 people who voted both times)." in shown
    )
    assert "6 partner ratings and 4 self-ratings" in md

    # Teams and posts by the labels the screens use, never by their ids; each rebuttal says whose.
    for side, label in (("for", "For · team 1"), ("against", "Against · team 1")):
        assert f"{label}: {', '.join(sorted(played.teams[side], key=played.ids.get))}" in shown
    assert not re.search(r"\b(for|against)-\d", md)
    loud, margins = played.posts[0], played.posts[1]
    business, account = played.posts[4], played.posts[5]
    assert f"{loud.text} (2 upvotes, {loud.author}, For · team 1)" in shown
    assert f"{margins.text} (1 upvote, {margins.author}, Against · team 1)" in shown
    assert f"Rebuttal from Against: {business.text} (0 upvotes, {business.author})" in shown
    assert f"Rebuttal from For: {account.text} (0 upvotes, {account.author})" in shown
    sections = md.split("#### Arguments against the motion")
    assert business.text in sections[0] and account.text in sections[1]
    for text in ("A question the facilitator hides", "A remark the facilitator hides"):
        assert text not in md
    assert not re.search(r"\b1 (participants|upvotes|votes|people|hidden \w+s)\b", md)


def test_the_csv_reads_back_as_the_records_of_the_json_summary(played_room: Session) -> None:
    played = played_room.played
    summary = Summary.model_validate_json(played_room.ok("json").text)
    response = played_room.ok("csv")
    assert response.headers["content-type"] == "application/zip"
    assert re.fullmatch(
        rf'attachment; filename="workshop-{played.code}-{summary.date}-csv\.zip"',
        response.headers["content-disposition"],
    )
    files = unzip(response.content)
    records = csv_records(summary)
    assert sorted(files) == sorted(records) == sorted(CSV_FILES)
    tables = {}
    for name, (header, rows) in records.items():
        tables[name] = read_csv(files[name])
        assert tables[name] == [header, *as_cells(rows)], name

    # And against what was played, so that the records are not just self-consistent.
    ratings = [
        dict(zip(tables["ratings.csv"][0], row, strict=True)) for row in tables["ratings.csv"][1:]
    ]
    assert len(ratings) == len(played.ratings) == 10
    assert {r["round"] for r in ratings} == {"1"}
    hostile = next(r for r in ratings if r["what_to_try"] == flat(HOSTILE_TRY))
    assert hostile["what_landed"] == flat(HOSTILE_LANDED)
    submissions = [
        dict(zip(tables["submissions.csv"][0], r, strict=True))
        for r in tables["submissions.csv"][1:]
    ]
    assert [(s["rank"], s["tied"], s["dots"], s["text"], s["authors"]) for s in submissions] == [
        (str(rank), str(int(tied)), str(dots), flat(QUESTIONS[a]), a)
        for a, rank, tied, dots in RANKED
    ]
    votes = [dict(zip(tables["votes.csv"][0], r, strict=True)) for r in tables["votes.csv"][1:]]
    assert {v["participant"]: v["choice"] for v in votes if v["kind"] == "poll"} == {
        n: POLL_LABELS[o] for n, o in POLL_VOTES.items()
    }
    assert {v["participant"]: v["choice"] for v in votes if v["kind"] == "debate final"} == FINAL
    posts = [
        dict(zip(tables["debate_posts.csv"][0], r, strict=True))
        for r in tables["debate_posts.csv"][1:]
    ]
    assert [(p["post_id"], p["author"], p["text"], p["upvotes"]) for p in posts] == [
        (p.id, p.author, p.text, str(p.upvotes)) for p in shown_posts(played)
    ]


def test_the_printable_html_holds_what_was_played_and_escapes_user_text(
    played_room: Session,
) -> None:
    played = played_room.played
    response = played_room.ok("html")
    assert response.headers["content-type"].startswith("text/html")
    assert re.fullmatch(
        rf'attachment; filename="workshop-{played.code}-\d{{4}}-\d{{2}}-\d{{2}}\.html"',
        response.headers["content-disposition"],
    )
    page = response.text
    for tag in RAW_TAGS:
        assert tag not in page, tag
    assert str(escape(ZEB)) in page
    text = visible_text(page)
    for name in NAMES:
        assert name in text
    for option, votes in POLL_RESULTS:
        assert f"{option} {votes} " in text
    for author, rank, tied, dots in RANKED:
        assert f"{rank}{'=' if tied else ''} {flat(QUESTIONS[author])} {dots} {author}" in text
    for habit, dist, p, s, gap in expected_habits(played.ratings):
        row = " ".join([habit, *map(str, dist)])
        assert f"{row} {one_decimal(p)} {one_decimal(s)} {one_decimal(gap, True)}" in text
    for choice, (first, final, shift) in VERDICT.items():
        assert f"{choice.capitalize()} {first} {final} {shift:+.0f} pts" in text
    assert "Winner by shift: For" in text
    for post in played.posts:
        assert (post.text in text) is not post.hidden, post
    assert "A question the facilitator hides" not in everything(page)


def test_newlines_that_reach_a_summary_stay_inside_their_cell(played_room: Session) -> None:
    """Input folds white space, but the formats must not rely on it: put newlines back in."""
    data = played_room.ok("json").json()
    broken = 'line one\r\nline, "two" | *three* <b>#1</b>\n# four'
    by_kind(data, "best_question")["rounds"][0]["questions"][0]["text"] = broken
    by_kind(data, "challenge_pairs")["rounds"][0]["ratings"][0]["landed"] = broken
    by_kind(data, "advocacy_debate")["rounds"][0]["posts"][0]["text"] = broken
    data["participants"][0]["name"] = broken
    summary = Summary.model_validate(data)

    files = unzip(to_csv_zip(summary))
    for name, (header, rows) in csv_records(summary).items():
        assert read_csv(files[name]) == [header, *as_cells(rows)], name
    assert (
        sum(broken in cell for rows in map(read_csv, files.values()) for r in rows for cell in r)
        == 3
    )

    md = to_markdown(summary)
    assert_inert_markdown(md)
    question_rows = markdown_read.tables(md)[("Rank", "Question", "Dots", "Written by")]
    assert question_rows[0][1] == flat(broken)

    page = Renderer().page("export.html", summary=summary)
    for tag in RAW_TAGS:
        assert tag not in page
    assert flat(broken) in " ".join(everything(page).split())


# Privacy and access ------------------------------------------------------------------------------


def test_an_anonymised_export_names_nobody_in_any_file(played_room: Session) -> None:
    files: dict[str, str] = {}
    for fmt in FORMATS:
        response = played_room.ok(fmt, "?anonymise=1")
        assert "-anonymised" in response.headers["content-disposition"]
        if fmt == "csv":
            files.update(unzip(response.content))
        else:
            files[fmt] = everything(response.text) if fmt == "html" else response.text
    assert sorted(files) == sorted(["md", "json", "html", *CSV_FILES])
    for filename, body in files.items():
        leaked = [token for token in TOKENS.values() if token in body]
        assert not leaked, f"{filename} names {leaked}"
    data = json.loads(files["json"])
    jsonschema.validate(data, schema())
    assert data["anonymised"] is True
    assert [p["name"] for p in data["participants"]] == [f"Participant {n}" for n in range(1, 6)]
    # Still the same session: the pseudonyms follow the order of arrival.
    poll = by_kind(data, "warmup_poll")
    assert {v["participant"]: v["option"] for v in poll["votes"]} == {
        f"Participant {NAMES.index(n) + 1}": POLL_LABELS[o] for n, o in POLL_VOTES.items()
    }
    assert "Participant 1" in files["md"] and "Participant 1" in files["html"]
    assert flat(HOSTILE_QUESTION) in files["html"]


def test_exports_are_for_the_facilitator_only(played_room: Session) -> None:
    played = played_room.played
    someone = played.cookies[XAN]
    for fmt in FORMATS:
        for cookie in ("", someone, f"workshop_host_{played.code}=not-the-secret"):
            response = played_room.export(fmt, cookie=cookie)
            assert response.status_code == 403, (fmt, cookie)
            assert "Only the facilitator can export." in response.text
            assert "content-disposition" not in response.headers
    unknown = played_room.export("pdf")
    assert unknown.status_code == 404
    assert "Choose one of: md, json, csv, html." in unknown.text
    # A wrong code is refused exactly as a right one without the console's cookie.
    wrong = played_room.client.get("/host/ZZZZZZ/export/md")
    assert wrong.status_code == 403 and "Only the facilitator can export." in wrong.text


def test_a_personal_card_holds_only_what_is_theirs(played_room: Session) -> None:
    played = played_room.played
    visible = shown_posts(played)
    for name in NAMES:
        response = played_room.card(played.cookies[name])
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/html")
        assert re.fullmatch(
            rf'attachment; filename="workshop-{played.code}-\d{{4}}-\d{{2}}-\d{{2}}-my-feedback\.html"',
            response.headers["content-disposition"],
        )
        page = response.text
        for tag in RAW_TAGS:
            assert tag not in page, (name, tag)
        text, grep = visible_text(page), everything(page)

        mine = [flat(QUESTIONS[name])] if name in QUESTIONS and name != BAR else []
        mine += [p.text for p in visible if p.author == name]
        to_me = comments(g for g in played.ratings if g.target == name and g.rater != name)
        for own in [*mine, *to_me]:
            assert own in text, (name, own)

        others = [TOKENS[n] for n in NAMES if n != name]
        others += [flat(q) for author, q in QUESTIONS.items() if author != name]
        others += [p.text for p in played.posts if p.author != name]
        others += comments(g for g in played.ratings if g.target != name)
        leaked = [item for item in others if item in grep]
        assert not leaked, f"{name}'s card shows {leaked}"


EMPTY_CARD = (
    "No questions this time.",
    "No partner feedback this time.",
    "No debate posts this time.",
)


def test_a_phone_links_to_its_card_exactly_when_the_card_holds_something(
    played_room: Session,
) -> None:
    played = played_room.played
    holders = 0
    for name in NAMES:
        cookie = played.cookies[name]
        card = played_room.card(cookie).text
        has_something = not all(empty in card for empty in EMPTY_CARD)
        holders += has_something
        phone = played_room.client.get(f"/r/{played.code}", headers={"cookie": cookie}).text
        assert ("Download my feedback card" in phone) == has_something, name
    assert holders, "nobody in the played room has anything on their card"


def test_a_card_needs_the_phone_that_joined(played_room: Session) -> None:
    played = played_room.played
    for cookie in ("", played.host_cookie, f"workshop_p_{played.code}=forged"):
        response = played_room.card(cookie)
        assert response.status_code == 403
        assert "content-disposition" not in response.headers


def test_only_one_debate_team(played_room: Session) -> None:
    played = played_room.played
    members = played.teams["for"]
    others = played.teams["against"]
    data = played_room.ok("json", "?only=for-1").json()
    jsonschema.validate(data, schema())
    assert [e["kind"] for e in data["exercises"]] == ["advocacy_debate"]
    (debate,) = data["exercises"][0]["rounds"]
    assert [t["team"] for t in debate["teams"]] == ["for-1"]
    assert {v["participant"] for v in debate["votes"]} == set(members)
    assert sorted(p["name"] for p in data["participants"]) == sorted(members)
    # The team's own posts, and the other side's answers to them (their threads); nothing else.
    ours = [p for p in played.posts if p.team == "for-1"]
    threads = [p for p in shown_posts(played) if p.answers in {o.id for o in ours}]
    assert sorted(p["id"] for p in debate["posts"]) == sorted(p.id for p in [*ours, *threads])
    theirs = [p.text for p in played.posts if p.team != "for-1" and p not in threads]
    assert theirs
    md = played_room.ok("md", "?only=for-1").text
    assert_inert_markdown(md)
    page = everything(played_room.ok("html", "?only=for-1").text)
    csv_files = unzip(played_room.ok("csv", "?only=for-1").content)
    shown = " ".join(markdown_read.texts(md))
    for body in (json.dumps(data, ensure_ascii=False), shown, page, *csv_files.values()):
        assert not [text for text in theirs if text in body]
        for absent in (flat(QUESTIONS[XAN]), "Being curious"):
            assert absent not in body
    assert "#### Arguments against the motion\n\nNo arguments against the motion." in md
    # The team's rebuttal to the other side's argument stands alone, and says why; what is left
    # out is counted for this team's exercise only.
    shown_md = markdown_read.texts(md)
    assert (
        "These answer an argument not in this summary: another team's, or a hidden one." in shown_md
    )
    assert "1 post or question the facilitator hid is left out." in shown_md
    assert not [r for r in read_csv(csv_files["votes.csv"])[1:] if r[4] in others]


def test_only_one_pair(played_room: Session) -> None:
    played = played_room.played
    pair = next(g for g in played.groups if len(g.seats) == 2)
    outside = [n for n in NAMES if n not in pair.seats]
    data = played_room.ok("json", f"?only={pair.id}").json()
    jsonschema.validate(data, schema())
    assert [e["kind"] for e in data["exercises"]] == ["challenge_pairs"]
    (rnd,) = data["exercises"][0]["rounds"]
    assert [p["pair"] for p in rnd["pairs"]] == [pair.id]
    assert sorted(r["rater"] for r in rnd["ratings"]) == sorted([*pair.seats, *pair.seats])
    assert sorted(p["name"] for p in data["participants"]) == sorted(pair.seats)
    elsewhere = comments(g for g in played.ratings if g.pair != pair.id)
    md = played_room.ok("md", f"?only={pair.id}").text
    assert_inert_markdown(md)
    page = everything(played_room.ok("html", f"?only={pair.id}").text)
    for body in (json.dumps(data, ensure_ascii=False), " ".join(markdown_read.texts(md)), page):
        assert not [TOKENS[n] for n in outside if TOKENS[n] in body]
        assert not [text for text in elsewhere if text in body]


def test_a_one_pair_export_downloads_as_csv(played_room: Session) -> None:
    played = played_room.played
    pair = next(g for g in played.groups if len(g.seats) == 2)
    csv_files = unzip(played_room.ok("csv", f"?only={pair.id}").content)
    ratings = read_csv(csv_files["ratings.csv"])
    assert len(ratings) == 1 + 4 and {row[2] for row in ratings[1:]} == {"1"}
    outside = [TOKENS[n] for n in NAMES if n not in pair.seats]
    assert not [t for body in csv_files.values() for t in outside if t in body]


def test_a_one_pair_export_sums_up_that_pair_only(played_room: Session) -> None:
    played = played_room.played
    pair = next(g for g in played.groups if len(g.seats) == 2)
    data = played_room.ok("json", f"?only={pair.id}").json()
    (rnd,) = data["exercises"][0]["rounds"]
    assert_habits(rnd["habits"], [g for g in played.ratings if g.pair == pair.id])


# Regressions -------------------------------------------------------------------------------------


def test_pair_ratings_export_to_csv_without_a_best_question_round(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    cookies = [join(client, code, name) for name in (XAN, OTT)]
    with live(client, code, "host", host_cookie) as host, ExitStack() as stack:
        phones = [stack.enter_context(live(client, code, "phone", c)) for c in cookies]
        host.act("Added", type="add_exercise", exercise_id="challenge-pairs-respectful-challenge")
        host.act("Started", type="start_run", run_id="r1")
        for phase in ("brief", "pair", "read", "converse"):
            host.act("Now: round 1", type="next_phase", seen_phase=f"r1.0:{phase}")
        for phone in phones:
            phone.act(
                "saved ✓",
                type="rate",
                seen_phase="r1.0:rate",
                candid=3,
                collaborative=3,
                compassionate=3,
                curious=3,
            )
    response = client.get(f"/host/{code}/export/csv", headers={"cookie": host_cookie})
    assert response.status_code == 200
    ratings = read_csv(unzip(response.content)["ratings.csv"])
    assert [row[2] for row in ratings[1:]] == ["1", "1"]


# The command line --------------------------------------------------------------------------------


def test_cli_export_without_a_store_says_to_use_the_console(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("WORKSHOP_REDIS_URL", raising=False)
    assert main(["export", "ABCDEF", "--format", "md"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "WORKSHOP_REDIS_URL" in err and "Export from the console" in err


def _act(payload: dict[str, Any]) -> Any:
    return action_adapter.validate_python(payload)


@pytest.mark.redis
def test_cli_exports_a_room_from_redis(
    clean_redis_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def setup() -> str:
        store = Store.connect(clean_redis_url, 3600)
        try:
            rooms = Rooms(store, load_library(DEFAULT_EXERCISES))
            code, _ = await rooms.create()
            voters = {name: await rooms.join(code, name) for name in (ZEB, XAN, OTT)}
            for n, payload in enumerate(
                [
                    {"type": "add_exercise", "exercise_id": "warmup-hardest-habit"},
                    {"type": "start_run", "run_id": "r1"},
                ]
            ):
                await rooms.act(code, engine.HOST, _act({**payload, "action_id": f"host-{n:04d}"}))
            for n, (name, pid) in enumerate(voters.items()):
                vote = {"type": "vote", "action_id": f"vote-{n:04d}", "option": POLL_VOTES[name]}
                await rooms.act(code, engine.Actor("participant", pid), _act(vote))
        finally:
            await store.close()
        return code

    code = asyncio.run(setup())
    target = tmp_path / "s.json"
    argv = ["export", code, "--format", "json", "--redis-url", clean_redis_url, "-o", str(target)]
    assert main(argv) == 0
    assert f"Wrote {target}" in capsys.readouterr().err
    data = json.loads(target.read_text(encoding="utf-8"))
    jsonschema.validate(data, schema())
    assert data["room"] == code
    assert [p["name"] for p in data["participants"]] == [ZEB, XAN, OTT]
    (poll,) = data["exercises"]
    assert [(r["option"], r["votes"]) for r in poll["results"]] == [
        ("Being candid", 1),
        ("Being collaborative", 0),
        ("Being compassionate", 0),
        ("Being curious", 2),
    ]

    assert (
        main(["export", code, "--format", "md", "--anonymise", "--redis-url", clean_redis_url]) == 0
    )
    md = capsys.readouterr().out
    assert "| Being curious | 2 |" in md and "Participant 1" in md
    assert not [token for token in ("Zebedee", XAN, OTT) if token in md]

    assert main(["export", "ZZZZZZ", "--format", "md", "--redis-url", clean_redis_url]) == 1
    assert "There is no room ZZZZZZ" in capsys.readouterr().err
