"""One workshop played through every kind of exercise over TestClient websockets.

A console, a projector and one phone per participant stay connected for the whole session, and every
frame they are sent is kept, so that tests can look at everything the server pushed. After each step
of the facilitator, `on_step` is called (to fetch full pages, for instance).
"""

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.testclient import TestClient

from tests.integration.helpers import ORIGIN, Screen, action_id, create_room, join, projector_cookie
from workshop.models import RoomState
from workshop.runtime import Runtime

EXERCISES = (
    "warmup-hardest-habit",
    "best-question-turnarounds",
    "challenge-pairs-respectful-challenge",
    "advocacy-debate-customer-advocate",
)
POLL_OPTIONS = ("candid", "collaborative", "compassionate", "curious")
DEBATE_CHOICES = ("for", "against", "undecided")


class Recorder(Screen):
    """A screen that keeps every frame it was sent."""

    def __init__(self, where: str, ws: Any) -> None:
        super().__init__(ws)
        self.where = where
        self.frames: list[str] = []

    def receive(self) -> str:
        html = super().receive()
        self.frames.append(html)
        return html

    def act(self, expect: str = "", **payload: Any) -> str:
        """Sends an action and returns its notice, however many updates come first (a console
        that does not act for a while has many queued)."""
        self.send(**payload)
        for _ in range(1000):
            if 'id="notice"' in self.receive():
                notice = self.regions["notice"]
                assert expect in notice, f"{self.where}: {payload} -> {notice}"
                return notice
        raise AssertionError(f"{self.where}: no notice came back for {payload}")

    def sync(self) -> None:
        """Reads everything the server queued for this screen so far: a frame it cannot parse is
        answered with a notice, queued behind what was already on its way."""
        self.ws.send_text("sync")
        for _ in range(500):
            html = self.receive()
            if 'id="notice"' in html and "not understood" in html:
                return
        raise AssertionError(f"{self.where}: no answer to a sync frame")


@contextmanager
def recording(
    client: TestClient, code: str, audience: str, where: str, cookie: str = ""
) -> Iterator[Recorder]:
    headers = {**ORIGIN, **({"cookie": cookie} if cookie else {})}
    with client.websocket_connect(f"/ws/{code}/{audience}", headers=headers) as ws:
        yield Recorder(where, ws)


@dataclass(frozen=True)
class Writing:
    """What the facilitator and each participant (by number) type in."""

    title: str
    long_text: Callable[[int], str]
    comment: Callable[[int, int], str]


def runtime_of(client: TestClient) -> Runtime:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def load_room(client: TestClient, code: str) -> RoomState | None:
    """A read of the room from the app's own store, on the app's event loop."""
    assert client.portal is not None
    store = runtime_of(client).store
    state: RoomState | None = client.portal.call(
        functools.partial(store.load, code, every_run=True)
    )
    return state


@dataclass
class LiveRoom:
    client: TestClient
    code: str
    host_cookie: str
    projector_cookie: str
    names: Sequence[str]
    cookies: dict[str, str]
    host: Recorder
    screen: Recorder
    phones: dict[str, Recorder]
    on_step: Callable[["LiveRoom", str], None]
    steps: list[str] = field(default_factory=list)

    def state(self) -> RoomState:
        state = load_room(self.client, self.code)
        assert state is not None, f"room {self.code} is gone"
        return state

    def ids(self) -> dict[str, str]:
        """Name -> participant id."""
        return {p.name: p.id for p in self.state().participants.values()}

    def recorders(self) -> list[Recorder]:
        return [self.host, self.screen, *self.phones.values()]

    def step(self, seen_phase: str) -> None:
        self.host.act("Now:", type="next_phase", seen_phase=seen_phase)
        self.steps.append(seen_phase)
        self.on_step(self, seen_phase)


@contextmanager
def live_room(
    client: TestClient,
    names: Sequence[str],
    on_step: Callable[[LiveRoom, str], None] = lambda room, step: None,
) -> Iterator[LiveRoom]:
    code, host_cookie = create_room(client)
    cookies = {name: join(client, code, name) for name in names}
    with ExitStack() as stack:
        host = stack.enter_context(recording(client, code, "host", "console", host_cookie))
        projector = projector_cookie(client, code, host_cookie)
        screen = stack.enter_context(recording(client, code, "screen", "projector", projector))
        phones = {
            name: stack.enter_context(
                recording(client, code, "phone", f"phone of {name!r}", cookies[name])
            )
            for name in names
        }
        room = LiveRoom(
            client, code, host_cookie, projector, names, cookies, host, screen, phones, on_step
        )
        host.until("roster", f"({len(names)} connected)")
        yield room


def play_every_kind(room: LiveRoom, writing: Writing) -> None:
    room.host.act("Title saved", type="set_title", title=writing.title)
    for exercise in EXERCISES:
        room.host.act("Added", type="add_exercise", exercise_id=exercise)
    play_poll(room)
    play_best_question(room, writing)
    play_pairs(room, writing)
    play_debate(room, writing)


def play_poll(room: LiveRoom) -> None:
    room.host.act("Started", type="start_run", run_id="r1")
    for n, name in enumerate(room.names):
        option = POLL_OPTIONS[n % len(POLL_OPTIONS)]
        room.phones[name].act("Vote saved", type="vote", option=option, seen_phase="r1.0:vote")
    room.step("r1.0:vote")


def play_best_question(room: LiveRoom, writing: Writing) -> None:
    room.host.act("Started", type="start_run", run_id="r2")
    room.step("r2.0:brief")
    for n, name in enumerate(room.names):
        room.phones[name].act(
            "Question saved",
            type="submit_question",
            seen_phase="r2.0:write",
            slot=1,
            text=writing.long_text(n),
        )
    room.step("r2.0:write")
    ids = room.ids()
    count = len(room.names)
    for n, name in enumerate(room.names):
        for offset in (1, 2, 3):
            author = room.names[(n + offset) % count]
            room.phones[name].act(
                "Dot placed", type="place_dot", seen_phase="r2.0:vote", question=f"{ids[author]}.1"
            )
    room.step("r2.0:vote")
    spotlit = f"{ids[room.names[0]]}.1"
    room.host.act("Spotlight on", type="spotlight", seen_phase="r2.0:reveal", question=spotlit)
    room.step("r2.0:reveal")


def play_pairs(room: LiveRoom, writing: Writing) -> None:
    room.host.act("Started", type="start_run", run_id="r3")
    for step in ("brief", "pair", "read", "converse"):
        room.step(f"r3.0:{step}")
    for phase, following in (("rate", "swap"), ("rate_swap", "debrief")):
        for n, name in enumerate(room.names):
            scores = [(n + habit) % 5 + 1 for habit in range(4)]
            room.phones[name].act(
                "saved ✓",
                type="rate",
                seen_phase=f"r3.0:{phase}",
                candid=scores[0],
                collaborative=scores[1],
                compassionate=scores[2],
                curious=scores[3],
                landed=writing.comment(n, 0),
                try_next=writing.comment(n, 1),
            )
        room.step(f"r3.0:{phase}")
        # On to the swapped talk after its reading step, or past a trio's turn to the debrief.
        for step in ("read_swap", "swap") if following == "swap" else ("trio", "rate_trio"):
            room.step(f"r3.0:{step}")


def play_debate(room: LiveRoom, writing: Writing) -> None:
    room.host.act("Started", type="start_run", run_id="r4")
    room.step("r4.0:case")
    for n, name in enumerate(room.names):
        choice = DEBATE_CHOICES[n % len(DEBATE_CHOICES)]
        room.phones[name].act(
            "Vote saved", type="vote", option=choice, seen_phase="r4.0:first_vote"
        )
    room.step("r4.0:first_vote")
    room.step("r4.0:teams")
    ids = room.ids()
    teams = room.state().data("run:r4:0:teams")
    side = {name: teams[ids[name]].split("-", 1)[0] for name in room.names}
    posts: dict[str, str] = {}
    for n, name in enumerate(room.names):
        sent = action_id()
        room.phones[name].act(
            "posted ✓",
            type="post",
            seen_phase="r4.0:arguments",
            text=writing.long_text(n),
            action_id=sent,
        )
        posts[name] = f"{ids[name]}.{sent}"
    for name in room.names:
        mate = next(
            (other for other in room.names if other != name and side[other] == side[name]), None
        )
        if mate is not None:
            room.phones[name].act(
                "Upvoted", type="upvote", seen_phase="r4.0:arguments", post=posts[mate], on="true"
            )
    room.step("r4.0:arguments")
    for n, name in enumerate(room.names):
        opponent = next(other for other in room.names if side[other] != side[name])
        room.phones[name].act(
            "posted ✓",
            type="post",
            seen_phase="r4.0:rebuttals",
            text=writing.long_text(n + 1),
            answers=posts[opponent],
        )
    room.step("r4.0:rebuttals")
    for n, name in enumerate(room.names):
        choice = DEBATE_CHOICES[(n + 1) % len(DEBATE_CHOICES)]
        room.phones[name].act(
            "Vote saved", type="vote", option=choice, seen_phase="r4.0:final_vote"
        )
    room.step("r4.0:final_vote")
