"""Malformed and fuzzed frames never crash a connection, never change the room unless they are a
valid action, and never disturb anyone else in the room.

Frames go to a participant's and the facilitator's connections: hand-picked edge cases first, then
frames drawn by hypothesis. Each must be answered with a notice or, when over 16 KiB, a clean close
(1009); nothing may be logged as an error. Afterwards a participant who was connected all along
still votes, and the projector, also connected all along, shows it.
"""

import json
import logging
import re
import typing
from contextlib import AbstractContextManager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from starlette.testclient import TestClient, WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from tests.integration.helpers import ORIGIN, create_room, join, live
from tests.integration.live_clients import create_room as create_room_on
from tests.integration.live_clients import join as join_on
from tests.integration.live_clients import text
from tests.integration.test_two_processes import Apps, open_screen
from tests.security.peers import peer
from tests.security.workshop_run import load_room
from workshop import live as live_module
from workshop.actions import HostAction, ParticipantAction, action_adapter
from workshop.models import RoomState

ACTION_TYPES = sorted(
    typing.get_args(model.model_fields["type"].annotation)[0]
    for model in (*typing.get_args(HostAction), *typing.get_args(ParticipantAction))
)
FIELDS = sorted(
    {
        name
        for model in (*typing.get_args(HostAction), *typing.get_args(ParticipantAction))
        for name in model.model_fields
    }
)
VALID_ID = "fuzz-0000"
COMBINING = "\u0301"

Frame = str | bytes
BAD_UTF8_LINE = re.compile(
    r"WARNING: +a websocket frame was not valid UTF-8; the connection was closed \(1007\)\n",
    re.S,
)

EDGE_CASES: list[tuple[str, Frame]] = [
    ("not JSON", "hello"),
    ("empty", ""),
    ("half an object", '{"type": "vote"'),
    ("NUL", "\x00"),
    ("array", "[1, 2, 3]"),
    ("empty array", "[]"),
    ("null", "null"),
    ("true", "true"),
    ("number", "12"),
    ("string", '"vote"'),
    ("overflowing number", "1e999"),
    ("nesting deeper than the parser's stack", "[" * 8000 + "]" * 8000),
    ("nested objects", '{"a":' * 2500 + "1" + "}" * 2500),
    ("unknown type", json.dumps({"type": "launch_missiles", "action_id": VALID_ID})),
    ("no type", json.dumps({"action_id": VALID_ID, "option": "curious"})),
    ("no action id", json.dumps({"type": "vote", "option": "curious"})),
    ("action id too short", json.dumps({"type": "vote", "action_id": "abc", "option": "x"})),
    ("action id too long", json.dumps({"type": "vote", "action_id": "a" * 65, "option": "x"})),
    ("action id as a number", json.dumps({"type": "vote", "action_id": 12345678, "option": "x"})),
    ("type as a list", json.dumps({"type": ["vote"], "action_id": VALID_ID, "option": "x"})),
    ("option as an object", json.dumps({"type": "vote", "action_id": VALID_ID, "option": {}})),
    ("slot 2**70", json.dumps({"type": "withdraw_question", "action_id": VALID_ID, "slot": 2**70})),
    ("slot -0", '{"type": "withdraw_question", "action_id": "fuzz-0001", "slot": -0}'),
    ("minutes 1e308", '{"type": "timer_start", "action_id": "fuzz-0002", "minutes": 1e308}'),
    ("minutes NaN", '{"type": "timer_start", "action_id": "fuzz-0003", "minutes": NaN}'),
    ("minutes Infinity", '{"type": "timer_start", "action_id": "fuzz-0004", "minutes": Infinity}'),
    ("seconds -Infinity", '{"type": "timer_add", "action_id": "fuzz-0005", "seconds": -Infinity}'),
    ("seconds -0.0", '{"type": "timer_add", "action_id": "fuzz-0006", "seconds": -0.0}'),
    ("locked as a string", '{"type": "set_locked", "action_id": "fuzz-0007", "locked": "maybe"}'),
    ("escaped lone surrogate", '{"type": "vote", "action_id": "fuzz-0008", "option": "\\ud800"}'),
    (
        "lone surrogate in the text",
        '{"type": "vote", "action_id": "fuzz-0009", "option": "\ud800"}',
    ),
    ("escaped NUL", '{"type": "vote", "action_id": "fuzz-0010", "option": "cur\\u0000ious"}'),
    (
        "RTL override",
        json.dumps({"type": "set_title", "action_id": "fuzz-0011x", "title": "\u202e" + "evil"}),
    ),
    (
        "zero-width joiners",
        json.dumps({"type": "vote", "action_id": "fuzz-0012", "option": "cur\u200b\u200dious"}),
    ),
    (
        "7,000 combining marks (14 KB)",
        json.dumps(
            {"type": "post", "action_id": "fuzz-0013", "text": "a" + COMBINING * 7000},
            ensure_ascii=False,
        ),
    ),
    (
        "10,000 combining marks (20 KB)",
        json.dumps(
            {"type": "post", "action_id": "fuzz-0014", "text": "a" + COMBINING * 10000},
            ensure_ascii=False,
        ),
    ),
    (
        "17,000 characters",
        json.dumps({"type": "vote", "action_id": "fuzz-0015", "option": "x" * 17000}),
    ),
    (
        "extra fields",
        json.dumps(
            {
                "type": "vote",
                "action_id": "fuzz-0016",
                "option": "nope",
                "participant_id": "someone",
                "__proto__": {"admin": True},
            }
        ),
    ),
    (
        "duplicate keys",
        '{"type": "vote", "type": "set_locked", "action_id": "fuzz-0017", "locked": true}',
    ),
    ("HEADERS only", json.dumps({"HEADERS": {"HX-Request": "true"}})),
    (
        "HEADERS not an object",
        json.dumps({"type": "vote", "action_id": "fuzz-0018", "option": "x", "HEADERS": 5}),
    ),
    ("binary", b"\x00\xff\xfe"),
    ("binary JSON", b'{"type": "vote", "action_id": "fuzz-0019", "option": "curious"}'),
]

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["curious", "r1.0:vote", "r1", VALID_ID, "\u202e", "\u200b", "\x00"])
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
_action_like = st.fixed_dictionaries(
    {
        "type": st.sampled_from([*ACTION_TYPES, "", "VOTE", "vote "]),
        "action_id": st.from_regex(r"[A-Za-z0-9_-]{8,64}", fullmatch=True) | _scalars,
    },
    optional={name: _json for name in FIELDS if name not in ("type", "action_id")},
)
FRAMES: st.SearchStrategy[Frame] = st.one_of(
    _action_like.map(json.dumps),
    _json.map(json.dumps),
    st.text(max_size=200),
    st.binary(max_size=64),
)


def parses_as_action(frame: Frame) -> bool:
    """What the server would accept as an action: a JSON object that validates."""
    if isinstance(frame, bytes):
        return False
    try:
        payload = json.loads(frame)
        if not isinstance(payload, dict):
            return False
        payload.pop("HEADERS", None)
        action_adapter.validate_python(payload)
    except (ValueError, RecursionError, ValidationError):
        return False
    return True


def fingerprint(client: TestClient, code: str) -> object:
    state: RoomState | None = load_room(client, code)
    assert state is not None
    return (state.meta, state.rev, state.participants, state.run_data)


class Connection:
    """A websocket that is opened again whenever the server closes it."""

    def __init__(self, client: TestClient, code: str, audience: str, cookie: str) -> None:
        self.client = client
        self.path = f"/ws/{code}/{audience}"
        self.headers = {**ORIGIN, "cookie": cookie}
        self.closes: list[int] = []
        self._context: AbstractContextManager[WebSocketTestSession] | None = None
        self.ws = self._open()

    def _open(self) -> WebSocketTestSession:
        self._context = self.client.websocket_connect(self.path, headers=self.headers)
        ws = self._context.__enter__()
        ws.receive_text()  # the snapshot
        return ws

    def close(self) -> None:
        if self._context is not None:
            self._context.__exit__(None, None, None)
            self._context = None

    def answer(self, frame: Frame) -> str:
        """Sends one frame; returns its notice, or "closed <code>" (and reconnects)."""
        if isinstance(frame, bytes):
            self.ws.send_bytes(frame)
        else:
            self.ws.send_text(frame)
        try:
            for _ in range(200):
                html = self.ws.receive_text()
                if 'id="notice"' in html:
                    return html
        except WebSocketDisconnect as closed:
            self.closes.append(closed.code)
            self.close()
            self.ws = self._open()
            return f"closed {closed.code}"
        raise AssertionError(f"{self.path}: no notice after a frame")


def oversized(frame: Frame) -> bool:
    size = len(frame) if isinstance(frame, bytes) else len(frame.encode("utf-8", "surrogatepass"))
    return size > live_module.MAX_FRAME_BYTES


def check(connection: Connection, client: TestClient, code: str, frame: Frame, what: str) -> None:
    before = fingerprint(client, code)
    answer = connection.answer(frame)
    if oversized(frame):
        assert answer == "closed 1009", f"{what}: {answer[:200]}"
    else:
        assert 'id="notice"' in answer, f"{what}: {answer[:200]}"
    if not parses_as_action(frame):
        assert fingerprint(client, code) == before, f"{what} changed the room"


@pytest.mark.timeout(60)
def test_fuzzed_frames_get_an_answer_change_nothing_and_disturb_no_one(
    client: TestClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Parsing is under test here, not the flood limit (tested on its own).
    monkeypatch.setattr(live_module, "FRAME_RATE", 1e6)
    monkeypatch.setattr(live_module, "FRAME_BURST", 1e6)
    caplog.set_level(logging.INFO)
    code, host_cookie = create_room(client)
    ada, grace = join(client, code, "Ada"), join(client, code, "Grace")
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "phone", grace) as bystander,
        live(client, code, "screen", host_cookie) as projector,
    ):
        host.act("Added", type="add_exercise", exercise_id="warmup-hardest-habit")
        host.act("Started", type="start_run", run_id="r1")
        connections = {
            "participant": Connection(client, code, "phone", ada),
            "facilitator": Connection(client, code, "host", host_cookie),
        }
        try:
            for who, connection in connections.items():
                for what, frame in EDGE_CASES:
                    check(connection, client, code, frame, f"{what} to the {who}")

            @settings(max_examples=250, deadline=None, database=None)
            @given(frame=FRAMES, who=st.sampled_from(sorted(connections)))
            def fuzzed(frame: Frame, who: str) -> None:
                check(connections[who], client, code, frame, f"{frame!r:.200} to the {who}")

            fuzzed()
            # Oversized frames, and only they, closed a connection.
            closes = [1009] * sum(oversized(frame) for _, frame in EDGE_CASES)
            assert len(closes) == 2
            assert connections["participant"].closes == closes
            assert connections["facilitator"].closes == closes
            # Both fuzzed connections still work.
            restarted = connections["facilitator"].answer(
                json.dumps({"type": "start_run", "run_id": "r1", "action_id": "fuzz-restart"})
            )
            assert "Started" in restarted, restarted
            voted = connections["participant"].answer(
                json.dumps(
                    {
                        "type": "vote",
                        "option": "candid",
                        "seen_phase": "r1.0:vote",
                        "action_id": "fuzz-ada",
                    }
                )
            )
            assert "Vote saved" in voted, voted
        finally:
            for connection in connections.values():
                connection.close()

        # Someone connected all along votes, and the projector connected all along shows it.
        bystander.act("Vote saved", type="vote", option="curious", seen_phase="r1.0:vote")
        projector.until("stage", "<strong>2</strong> of 2 voted")

    problems = [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records
        if record.levelno >= logging.WARNING or record.exc_info
    ]
    assert not problems, problems


@pytest.mark.redis
def test_frames_no_browser_sends_are_answered_cleanly_by_a_real_server(apps: Apps) -> None:
    """Over a real socket: bytes that are not UTF-8 in a text frame (closed with 1007 by the
    server's websocket layer), binary frames, JSON nested too deep and 20 KB of combining marks.
    Another phone, on the other process, still votes and the projector shows it; neither process
    logs an error."""
    with apps.logs_on_failure():
        code, secret = create_room_on(apps.a)
        ada = f"workshop_p_{code}={join_on(apps.a, code, 'Ada')}"
        grace = f"workshop_p_{code}={join_on(apps.b, code, 'Grace')}"

    async def scenario() -> None:
        async with (
            peer(apps.b, code, "host", f"workshop_host_{code}={secret}") as host,
            peer(apps.b, code, "phone", grace) as bystander,
            open_screen(apps.b, code, "screen", f"workshop_host_{code}={secret}") as projector,
        ):
            started = await host.exchange(
                [
                    {
                        "type": "add_exercise",
                        "exercise_id": "warmup-hardest-habit",
                        "action_id": "real-add",
                    },
                    {"type": "start_run", "run_id": "r1", "action_id": "real-start"},
                ]
            )
            assert all('class="notice ok"' in notice for notice in started), started
            async with peer(apps.a, code, "phone", ada) as phone:
                answers = await phone.exchange_raw(
                    [
                        b"\x00\xff\xfe",
                        "[" * 8000 + "]" * 8000,
                        '{"type": "vote", "action_id": "real-0001", "option": "\\ud800"}',
                        json.dumps(
                            {
                                "type": "post",
                                "action_id": "real-0002",
                                "text": "a" + COMBINING * 7000,
                            },
                            ensure_ascii=False,
                        ),
                    ]
                )
                assert all("not understood" in text(notice) for notice in answers), answers
                marks = json.dumps(
                    {"type": "post", "action_id": "real-0003", "text": "a" + COMBINING * 10000},
                    ensure_ascii=False,
                )
                assert await phone.closed_by(marks) == 1009
            async with peer(apps.a, code, "phone", ada) as phone:
                lone_surrogate = (
                    b'{"type": "vote", "action_id": "real-0004", "option": "\xed\xa0\x80"}'
                )
                assert await phone.closed_by(lone_surrogate, text=True) == 1007
            (voted,) = await bystander.exchange(
                [
                    {
                        "type": "vote",
                        "option": "curious",
                        "seen_phase": "r1.0:vote",
                        "action_id": "real-vote",
                    }
                ]
            )
            assert "Vote saved" in text(voted), voted
            await projector.expect("stage", r"\b1 of 2 voted\b")

    apps.run(scenario())
    # The one frame that is not UTF-8 is logged as one line, without a traceback, before the app
    # sees anything; nothing else may be an error or a warning.
    log_a = apps.a.output()
    assert len(BAD_UTF8_LINE.findall(log_a)) == 1, log_a
    for app, log in ((apps.a, BAD_UTF8_LINE.sub("", log_a)), (apps.b, apps.b.output())):
        for sign in ("Traceback", "ERROR", "WARNING", "ended by an error"):
            assert sign not in log, f"app {app.name} logged {sign!r}:\n{log}"
