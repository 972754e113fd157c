"""Every action sent twice, out of order, through two app processes on one Redis, ends in the same
room as every action sent once, in order.

One script plays a warm-up poll, a best-question round (questions, a hidden one, dots, dots taken
back) and a debate (votes, arguments, upvotes, rebuttals). It is played twice, in two rooms, with
the same action ids:

- in order: each frame once, through process A, one after the other;
- replayed: the script's steps stay in order (a vote waits for its phase), but within a step every
  frame is sent twice, one copy through each process, all copies shuffled and sent at once from
  each sender's two connections. Afterwards the whole log is sent once more, shuffled, each frame
  through either process.

Both rooms are then read from Redis, ids replaced by names (or, for the debate's random teams, by
each person's place on their side), and must be equal.
"""

import asyncio
import contextlib
import json
import random
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis

from tests.integration.live_clients import AppProcess, text
from tests.integration.live_clients import create_room as create_room_on
from tests.integration.live_clients import join as join_on
from tests.integration.test_two_processes import Apps
from tests.security.peers import Peer, peer

pytestmark = pytest.mark.redis

NAMES = ("Ada", "Grace", "Linus", "Barbara")
ALREADY_SAVED = "Already saved"


@dataclass(frozen=True)
class Sent:
    sender: str
    """"host" or a participant's name."""
    frame: dict[str, Any]

    @property
    def action_id(self) -> str:
        return str(self.frame["action_id"])


@dataclass
class Context:
    """What a step of the script needs to know about the room it is played in."""

    salt: str
    ids: dict[str, str]
    side: dict[str, str] = field(default_factory=dict)
    posts: dict[str, str] = field(default_factory=dict)

    def host(self, label: str, kind: str, **fields: Any) -> Sent:
        return self.send("host", label, kind, **fields)

    def send(self, sender: str, label: str, kind: str, **fields: Any) -> Sent:
        return Sent(sender, {"type": kind, "action_id": f"{self.salt}-{label}", **fields})

    def question(self, author: str, slot: int) -> str:
        return f"{self.ids[author]}.{slot}"

    def member(self, place: str) -> str:
        """ "F0" is the first (by name) of the people arguing for, "A1" the second against."""
        side = "for" if place[0] == "F" else "against"
        return sorted(n for n in NAMES if self.side.get(n) == side)[int(place[1:])]

    def post(self, place: str, step: str, answers: str = "") -> Sent:
        author = self.member(place)
        sent = self.send(
            author,
            f"post-{place}-{step}",
            "post",
            seen_phase=f"r3.0:{step}",
            text=f"{step} by {place}",
            answers=self.posts[answers] if answers else "",
        )
        self.posts[f"{place}-{step}"] = f"{self.ids[author]}.{sent.action_id}"
        return sent

    def upvote(self, voter: str, post: str) -> Sent:
        post_id = self.posts[post]
        return self.send(
            self.member(voter),
            f"up-{voter}-{post}",
            "upvote",
            seen_phase="r3.0:arguments",
            post=post_id,
            on="true",
        )


Step = Callable[[Context], list[Sent]]

FIRST_POLL = {"Ada": "curious", "Grace": "curious", "Linus": "candid", "Barbara": "compassionate"}
CHANGED_POLL = {"Ada": "candid", "Linus": "curious"}
QUESTIONS = (("Ada", 1), ("Ada", 2), ("Grace", 1), ("Linus", 1), ("Barbara", 1))
DOTS = {
    "Ada": (("Grace", 1), ("Linus", 1)),
    "Grace": (("Ada", 1), ("Ada", 2), ("Linus", 1)),
    "Linus": (("Ada", 1), ("Grace", 1)),
    "Barbara": (("Ada", 2), ("Grace", 1), ("Linus", 1)),
}
TAKEN_BACK = {"Grace": ("Ada", 2), "Barbara": ("Linus", 1)}
FIRST_DEBATE = {"Ada": "for", "Grace": "against", "Linus": "undecided", "Barbara": "for"}
FINAL_DEBATE = {"Ada": "against", "Grace": "against", "Linus": "for", "Barbara": "for"}


def next_phase(label: str, seen: str) -> Step:
    return lambda c: [c.host(label, "next_phase", seen_phase=seen)]


SCRIPT: list[Step] = [
    lambda c: [c.host("add-poll", "add_exercise", exercise_id="warmup-hardest-habit")],
    lambda c: [c.host("add-best", "add_exercise", exercise_id="best-question-turnarounds")],
    lambda c: [
        c.host("add-debate", "add_exercise", exercise_id="advocacy-debate-customer-advocate")
    ],
    lambda c: [c.host("start-poll", "start_run", run_id="r1")],
    lambda c: [
        c.send(n, f"vote-{n}", "vote", option=o, seen_phase="r1.0:vote")
        for n, o in FIRST_POLL.items()
    ],
    lambda c: [
        c.send(n, f"revote-{n}", "vote", option=o, seen_phase="r1.0:vote")
        for n, o in CHANGED_POLL.items()
    ],
    next_phase("reveal-poll", "r1.0:vote"),
    lambda c: [c.host("start-best", "start_run", run_id="r2")],
    next_phase("write", "r2.0:brief"),
    lambda c: [
        c.send(
            n, f"q-{n}-{s}", "submit_question", seen_phase="r2.0:write", slot=s, text=f"{n} {s}?"
        )
        for n, s in QUESTIONS
    ],
    lambda c: [
        c.host(
            "hide",
            "hide_question",
            seen_phase="r2.0:write",
            question=c.question("Barbara", 1),
            hidden="true",
        )
    ],
    next_phase("dots", "r2.0:write"),
    lambda c: [
        c.send(
            v, f"dot-{v}-{a}-{s}", "place_dot", seen_phase="r2.0:vote", question=c.question(a, s)
        )
        for v, picks in DOTS.items()
        for a, s in picks
    ],
    lambda c: [
        c.send(v, f"undot-{v}", "remove_dot", seen_phase="r2.0:vote", question=c.question(a, s))
        for v, (a, s) in TAKEN_BACK.items()
    ],
    next_phase("reveal-best", "r2.0:vote"),
    lambda c: [c.host("start-debate", "start_run", run_id="r3")],
    next_phase("first-vote", "r3.0:case"),
    lambda c: [
        c.send(n, f"first-{n}", "vote", option=o, seen_phase="r3.0:first_vote")
        for n, o in FIRST_DEBATE.items()
    ],
    next_phase("teams", "r3.0:first_vote"),
    next_phase("arguments", "r3.0:teams"),
    lambda c: [c.post("F0", "arguments"), c.post("A0", "arguments"), c.post("F1", "arguments")],
    lambda c: [
        c.upvote("F1", "F0-arguments"),
        c.upvote("A1", "A0-arguments"),
        c.upvote("F0", "F1-arguments"),
    ],
    next_phase("rebuttals", "r3.0:arguments"),
    lambda c: [
        c.post("A1", "rebuttals", answers="F0-arguments"),
        c.post("F0", "rebuttals", answers="A0-arguments"),
    ],
    next_phase("final-vote", "r3.0:rebuttals"),
    lambda c: [
        c.send(n, f"final-{n}", "vote", option=o, seen_phase="r3.0:final_vote")
        for n, o in FINAL_DEBATE.items()
    ],
    next_phase("verdict", "r3.0:final_vote"),
]


# Connections -------------------------------------------------------------------------------------


@dataclass
class Room:
    code: str
    ctx: Context
    peers: dict[tuple[str, str], Peer]
    """(sender, "a" or "b") -> connection."""


@contextlib.asynccontextmanager
async def connected(apps: Apps, db: redis.Redis, salt: str) -> AsyncIterator[Room]:
    code, secret = create_room_on(apps.a)
    cookies = {
        name: join_on(apps.b if n % 2 else apps.a, code, name) for n, name in enumerate(NAMES)
    }
    people = db.hgetall(f"room:{{{code}}}:people")
    ids = {json.loads(doc)["name"]: pid for pid, doc in people.items()}
    processes: dict[str, AppProcess] = {"a": apps.a, "b": apps.b}
    async with contextlib.AsyncExitStack() as stack:
        peers: dict[tuple[str, str], Peer] = {}
        for which, app in processes.items():
            host_cookie = f"workshop_host_{code}={secret}"
            peers[("host", which)] = await stack.enter_async_context(
                peer(app, code, "host", host_cookie)
            )
            for name in NAMES:
                phone_cookie = f"workshop_p_{code}={cookies[name]}"
                peers[(name, which)] = await stack.enter_async_context(
                    peer(app, code, "phone", phone_cookie)
                )
        yield Room(code, Context(salt, ids), peers)


def read_sides(db: redis.Redis, room: Room) -> None:
    teams = db.hgetall(f"room:{{{room.code}}}:run:r3:0:teams")
    names = {pid: name for name, pid in room.ctx.ids.items()}
    room.ctx.side = {names[pid]: team.split("-", 1)[0] for pid, team in teams.items()}


def is_success(notice: str) -> bool:
    return 'class="notice ok"' in notice and ALREADY_SAVED not in text(notice)


def is_replay(notice: str) -> bool:
    return 'class="notice ok"' in notice and ALREADY_SAVED in text(notice)


# Playing -----------------------------------------------------------------------------------------


async def play_in_order(room: Room, db: redis.Redis) -> list[Sent]:
    log: list[Sent] = []
    for step in SCRIPT:
        read_sides(db, room)
        for sent in step(room.ctx):
            (notice,) = await room.peers[(sent.sender, "a")].exchange([sent.frame])
            assert is_success(notice), f"{sent.frame} -> {text(notice)}"
            log.append(sent)
    return log


async def send_shuffled(room: Room, copies: list[tuple[Sent, str]]) -> dict[str, list[str]]:
    """Sends every (frame, process) at once, each sender's frames in the given order; returns the
    notices per action id."""
    batches: dict[tuple[str, str], list[Sent]] = {}
    for sent, which in copies:
        batches.setdefault((sent.sender, which), []).append(sent)
    answers = await asyncio.gather(
        *(room.peers[key].exchange([s.frame for s in batch]) for key, batch in batches.items())
    )
    notices: dict[str, list[str]] = {}
    for batch, answer in zip(batches.values(), answers, strict=True):
        for sent, notice in zip(batch, answer, strict=True):
            notices.setdefault(sent.action_id, []).append(notice)
    return notices


async def play_replayed(room: Room, db: redis.Redis, rng: random.Random) -> list[Sent]:
    log: list[Sent] = []
    for step in SCRIPT:
        read_sides(db, room)
        sent_now = step(room.ctx)
        copies = []
        for sent in sent_now:
            first = rng.choice("ab")
            copies += [(sent, first), (sent, "b" if first == "a" else "a")]
        rng.shuffle(copies)
        notices = await send_shuffled(room, copies)
        for sent in sent_now:
            answers = notices[sent.action_id]
            outcomes = sorted(
                "applied" if is_success(n) else "replay" if is_replay(n) else text(n)
                for n in answers
            )
            assert outcomes == ["applied", "replay"], f"{sent.frame}: {[text(n) for n in answers]}"
        log += sent_now
    # The whole log once more, in any order, through either process: nothing is applied again.
    again = [(sent, rng.choice("ab")) for sent in log]
    rng.shuffle(again)
    for action, answers in (await send_shuffled(room, again)).items():
        assert all(is_replay(n) for n in answers), f"{action}: {[text(n) for n in answers]}"
    return log


# Reading the room back ---------------------------------------------------------------------------


def _relabel(value: Any, labels: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            _relabel(k, labels): _relabel(v, labels) for k, v in value.items() if k not in ("at",)
        }
    if isinstance(value, list):
        return [_relabel(v, labels) for v in value]
    if isinstance(value, str):
        for pid, label in labels.items():
            value = value.replace(pid, label)
        return value
    return value


def _decode(value: str) -> Any:
    return json.loads(value) if value.startswith(("{", "[")) else value


def final_state(db: redis.Redis, room: Room) -> dict[str, Any]:
    prefix = f"room:{{{room.code}}}:"
    by_name = {pid: name for name, pid in room.ctx.ids.items()}
    by_place = {room.ctx.ids[room.ctx.member(place)]: place for place in ("F0", "F1", "A0", "A1")}
    meta = json.loads(db.hget(f"{prefix}meta", "doc") or "{}")
    state: dict[str, Any] = {
        "agenda": [
            (r["id"], r["exercise"]["id"], r["phase"], r["round"], r["started"], r["spotlight"])
            for r in meta["agenda"]
        ],
        "current": meta["current"],
        "locked": meta["locked"],
        "people": sorted(json.loads(doc)["name"] for doc in db.hgetall(f"{prefix}people").values()),
        "applied": sorted(
            aid for aid in db.smembers(f"{prefix}seen") if not aid.startswith("auto-")
        ),
    }
    for key in sorted(db.scan_iter(match=f"{prefix}run:*")):
        name = key.removeprefix(prefix)
        seated = name.startswith("run:r3:") and not name.endswith((":first", ":final"))
        labels = by_place if seated else by_name
        state[name] = {
            _relabel(f, labels): _relabel(_decode(v), labels) for f, v in db.hgetall(key).items()
        }
    return state


@pytest.mark.timeout(180)
def test_every_action_replayed_out_of_order_across_processes_changes_nothing(
    apps: Apps, clean_redis_url: str
) -> None:
    salt = secrets.token_hex(4)
    seed = secrets.randbits(32)
    db = redis.Redis.from_url(clean_redis_url, decode_responses=True)

    async def scenario() -> tuple[dict[str, Any], dict[str, Any], int]:
        async with connected(apps, db, salt) as once:
            log = await play_in_order(once, db)
            expected = final_state(db, once)
        async with connected(apps, db, salt) as twice:
            await play_replayed(twice, db, random.Random(seed))
            return expected, final_state(db, twice), len(log)

    try:
        expected, replayed, actions = apps.run(scenario())
    finally:
        db.close()
    assert actions == 56
    assert replayed == expected, f"seed {seed}"
    # And the state is the one the script means, so the two runs cannot agree on nothing.
    assert expected["run:r1:votes"] == {**FIRST_POLL, **CHANGED_POLL}
    dots = {voter: sum(d.values()) for voter, d in expected["run:r2:0:dots"].items()}
    assert dots == {"Ada": 2, "Grace": 2, "Linus": 2, "Barbara": 2}
    assert expected["run:r2:0:mod"] == {"Barbara.1": "hidden"}
    assert expected["run:r3:0:first"] == FIRST_DEBATE
    assert expected["run:r3:0:final"] == FINAL_DEBATE
    assert len(expected["run:r3:0:posts"]) == 5 and len(expected["run:r3:0:upvotes"]) == 3
    assert len(expected["applied"]) == actions
    assert expected["agenda"][2][2] == 6  # the debate reached its verdict
