"""Who may do what: a cookie works in its own room only, participants drive nothing, a removed
participant stays out on every process, and the facilitator's secret never leaves the console."""

import asyncio
import json
import re
import typing
from urllib.parse import urlsplit

import httpx
import pytest
import redis
from pydantic import BaseModel
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.integration.helpers import (
    ORIGIN,
    action_id,
    create_room,
    join,
    live,
    projector_cookie,
)
from tests.integration.live_clients import create_room as create_room_on
from tests.integration.live_clients import join as join_on
from tests.integration.test_two_processes import Apps, action, open_screen
from tests.security.workshop_run import load_room, recording
from workshop.actions import HostAction, action_adapter
from workshop.identity import hash_secret
from workshop.models import RoomState

ONLY_HOST = "Only the facilitator can do that."
REFERRER_POLICIES = ("no-referrer", "same-origin")


def state_of(client: TestClient, code: str) -> RoomState:
    state = load_room(client, code)
    assert state is not None, f"room {code} is gone"
    return state


def fingerprint(state: RoomState) -> object:
    """Everything a decision can change: the meta document, people and every run's data."""
    return (state.meta, state.rev, state.participants, state.run_data)


def refused(client: TestClient, path: str, cookie: str) -> int:
    """The close code of a websocket the server refuses."""
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect(path, headers={**ORIGIN, "cookie": cookie}),
    ):
        pass
    return closed.value.code


def test_cookies_from_one_room_open_nothing_in_another(client: TestClient) -> None:
    room_a, host_a = create_room(client)
    room_b, _ = create_room(client)
    ada = join(client, room_a, "Ada")
    join(client, room_b, "Grace")
    secret_a = host_a.split("=", 1)[1]
    # Room A's values, sent under room B's cookie names: signed, genuine, and of no use in B.
    as_participant = f"workshop_p_{room_b}={ada.split('=', 1)[1]}"
    as_host = f"workshop_host_{room_b}={secret_a}"
    before = fingerprint(state_of(client, room_b))

    for cookie in (ada, as_participant):
        page = client.get(f"/r/{room_b}", headers={"cookie": cookie})
        assert page.status_code == 200 and "Join the workshop" in page.text
        assert "Ada" not in page.text
        assert refused(client, f"/ws/{room_b}/phone", cookie) == 1008
        assert client.get(f"/r/{room_b}/card", headers={"cookie": cookie}).status_code == 403
    for cookie in (host_a, as_host):
        assert client.get(f"/host/{room_b}", headers={"cookie": cookie}).status_code == 403
        assert refused(client, f"/ws/{room_b}/host", cookie) == 1008
        for fmt in ("md", "json", "csv", "html"):
            export = client.get(f"/host/{room_b}/export/{fmt}", headers={"cookie": cookie})
            assert export.status_code == 403, fmt
        deleted = client.post(f"/host/{room_b}/delete", headers={"cookie": cookie})
        assert deleted.status_code == 403
    claimed = client.post(f"/host/{room_b}/claim", data={"secret": secret_a})
    assert claimed.status_code == 403
    assert fingerprint(state_of(client, room_b)) == before

    # The same cookies do work in their own room.
    assert client.get(f"/host/{room_a}", headers={"cookie": host_a}).status_code == 200
    with live(client, room_a, "phone", ada) as phone:
        assert "Ada" in phone.until("me", "Ada")


def literal_type(model: type[BaseModel]) -> str:
    (value,) = typing.get_args(model.model_fields["type"].annotation)
    return str(value)


AN_EXERCISE = {
    "kind": "warmup_poll",
    "id": "taken-over",
    "title": "Taken over",
    "summary": "Written by someone who is not the facilitator.",
    "seeds": ["000"],
    "minutes": 2,
    "question": "Who is in charge?",
    "options": [{"id": "me", "label": "Me"}, {"id": "you", "label": "You"}],
}
HOST_FRAMES: dict[str, dict[str, object]] = {
    "add_exercise": {"exercise_id": "warmup-why-meet"},
    "add_own_exercise": {"exercise": AN_EXERCISE},
    "edit_exercise": {"run_id": "r2", "exercise": AN_EXERCISE},
    "start_agenda": {"agenda_id": "breakthrough-90"},
    "remove_run": {"run_id": "r2"},
    "start_run": {"run_id": "r2"},
    "next_phase": {"seen_phase": "r1.0:vote"},
    "previous_phase": {"seen_phase": "r1.0:vote"},
    "timer_start": {"minutes": 5},
    "timer_pause": {},
    "timer_resume": {},
    "timer_add": {"seconds": 60},
    "timer_clear": {},
    "set_locked": {"locked": "true"},
    "set_language": {"language": "de"},
    "set_screen": {"blank": "true"},
    "remove_participant": {"participant_id": "(Grace)"},
    "set_title": {"title": "Taken over"},
    "hide_question": {"seen_phase": "r1.0:vote", "question": "x.1", "hidden": "true"},
    "merge_questions": {"seen_phase": "r1.0:vote", "question": "x.1", "into": "y.1"},
    "spotlight": {"seen_phase": "r1.0:vote", "question": ""},
    "repair_pairs": {"seen_phase": "r1.0:vote"},
    "move_participant": {"seen_phase": "r1.0:vote", "participant_id": "(Grace)", "to_pair": "new"},
    "reseat": {},
    "hide_post": {"seen_phase": "r1.0:vote", "post": "x.y", "hidden": "true"},
    "balance_teams": {"seen_phase": "r1.0:vote"},
}
"""A well-formed frame for every facilitator action; "(Grace)" is replaced by her id."""


def test_every_facilitator_action_is_refused_to_participants_and_the_projector(
    client: TestClient,
) -> None:
    host_types = {literal_type(model) for model in typing.get_args(HostAction)}
    assert set(HOST_FRAMES) == host_types, "a facilitator action has no frame in this test"
    code, host_cookie = create_room(client)
    ada = join(client, code, "Ada")
    join(client, code, "Grace")
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "phone", ada) as phone,
        live(client, code, "screen", host_cookie) as screen,
    ):
        host.act("Added", type="add_exercise", exercise_id="warmup-hardest-habit")
        host.act("Added", type="add_exercise", exercise_id="best-question-turnarounds")
        host.act("Started", type="start_run", run_id="r1")
        host.act("Timer started", type="timer_start", minutes=5)
        phone.until("stage", "Being curious")
        screen.receive()
        ids = {p.name: p.id for p in state_of(client, code).participants.values()}
        before = fingerprint(state_of(client, code))
        for kind, fields in HOST_FRAMES.items():
            frame = {
                "type": kind,
                "action_id": action_id(),
                **{k: ids["Grace"] if v == "(Grace)" else v for k, v in fields.items()},
            }
            action_adapter.validate_python(frame)  # well formed: refused for who sends it
            notice = phone.act(**frame)
            assert 'class="notice error"' in notice and ONLY_HOST in notice, (kind, notice)
            assert "read-only" in screen.act(**frame), kind
            assert fingerprint(state_of(client, code)) == before, kind

        # A participant's own action names no one else, whatever extra fields it carries.
        phone.act(
            "Vote saved",
            type="vote",
            option="curious",
            seen_phase="r1.0:vote",
            participant_id=ids["Grace"],
            actor="host",
            role="host",
        )
        votes = state_of(client, code).data("run:r1:votes")
        assert votes == {ids["Ada"]: "curious"}
        # The same kind of frame from the console does what it says.
        host.act("locked", type="set_locked", locked="true")


@pytest.mark.redis
def test_a_removed_participant_is_closed_on_every_process_and_stays_out(
    apps: Apps, clean_redis_url: str
) -> None:
    with apps.logs_on_failure():
        code, secret = create_room_on(apps.a)
        cookie = join_on(apps.a, code, "Ada")
        join_on(apps.b, code, "Grace")
    store = redis.Redis.from_url(clean_redis_url, decode_responses=True)
    try:
        people = store.hgetall(f"room:{{{code}}}:people")
    finally:
        store.close()
    ada_id = next(pid for pid, doc in people.items() if json.loads(doc)["name"] == "Ada")
    phone_cookie = f"workshop_p_{code}={cookie}"

    async def scenario() -> None:
        async with (
            open_screen(apps.a, code, "host", f"workshop_host_{code}={secret}") as host,
            open_screen(apps.b, code, "phone", phone_cookie) as phone_b,
            open_screen(apps.a, code, "phone", phone_cookie) as phone_a,
        ):
            await phone_b.expect("me", r"\bAda\b")
            await phone_a.expect("me", r"\bAda\b")
            await host.act(action("remove_participant", participant_id=ada_id), "Removed Ada")
            for phone in (phone_a, phone_b):
                with pytest.raises(ConnectionClosed) as closed:
                    async with asyncio.timeout(10):
                        while True:
                            await phone.ws.recv()
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
        for app in (apps.a, apps.b):
            with pytest.raises(InvalidStatus):
                async with open_screen(app, code, "phone", phone_cookie):
                    pass

    apps.run(scenario())
    with apps.logs_on_failure():
        for app in (apps.a, apps.b):
            with httpx.Client(base_url=app.url, trust_env=False) as http:
                page = http.get(f"/r/{code}", headers={"cookie": phone_cookie})
                assert "Join the workshop" in page.text and "Ada" not in page.text
                again = http.post("/join", data={"code": code, "name": "Ada"})
                assert again.status_code == 400 and "already taken" in again.text


def test_the_facilitator_secret_stays_on_the_console(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    secret = host_cookie.split("=", 1)[1]
    ada = join(client, code, "Ada")
    projector = projector_cookie(client, code, host_cookie)
    # The projector's own key opens the projector view only: it too stays on the console.
    leaks = (secret, hash_secret(secret), projector.split("=", 1)[1])

    console = client.get(f"/host/{code}", headers={"cookie": host_cookie})
    links = re.findall(r'value="([^"]*/claim[^"]*)"', console.text)
    assert len(links) == 1, links
    link = urlsplit(links[0])
    # The secret rides after "#": browsers never send it to a server, so no log or Referer has it.
    assert (link.path, link.query, link.fragment) == (f"/host/{code}/claim", "", secret)
    assert console.text.count(secret) == 1

    pages = {
        "home": client.get("/"),
        "projector": client.get(f"/screen/{code}", headers={"cookie": projector}),
        "phone": client.get(f"/r/{code}", headers={"cookie": ada}),
        "join page": client.get(f"/r/{code}"),
        "claim page": client.get(link.path),
        "unknown room": client.get("/screen/ZZZZZZ"),
        "console refused": client.get(f"/host/{code}"),
        "card": client.get(f"/r/{code}/card", headers={"cookie": ada}),
    }
    with (
        recording(client, code, "host", "console", host_cookie) as host,
        recording(client, code, "screen", "projector", projector) as screen,
        recording(client, code, "phone", "phone", ada) as phone,
    ):
        host.act("Added", type="add_exercise", exercise_id="warmup-hardest-habit")
        host.act("Started", type="start_run", run_id="r1")
        phone.act("Vote saved", type="vote", option="candid", seen_phase="r1.0:vote")
        host.act("Now:", type="next_phase", seen_phase="r1.0:vote")
        screen.until("stage", "bar-count")
        phone.sync()
        fragments = [*screen.frames, *phone.frames]
    for fmt in ("md", "json", "csv", "html"):
        pages[f"{fmt} export"] = client.get(
            f"/host/{code}/export/{fmt}", headers={"cookie": host_cookie}
        )
    claimed = client.post(link.path, data={"secret": secret}, follow_redirects=False)
    assert claimed.status_code == 303 and claimed.headers["location"] == f"/host/{code}"

    assert len(fragments) >= 4
    for where, response in pages.items():
        assert not [leak for leak in leaks if leak in response.text], where
        assert response.headers.get("referrer-policy") in REFERRER_POLICIES, where
    for fragment in fragments:
        assert not [leak for leak in leaks if leak in fragment], fragment
    assert console.headers.get("referrer-policy") in REFERRER_POLICIES
    assert '<meta name="referrer" content="no-referrer">' in console.text


@pytest.mark.redis
def test_the_facilitator_secret_and_participant_cookies_never_reach_the_logs(apps: Apps) -> None:
    with apps.logs_on_failure():
        code, secret = create_room_on(apps.a)
        cookie = join_on(apps.b, code, "Ada")
    host_cookie = {"cookie": f"workshop_host_{code}={secret}"}
    phone_cookie = f"workshop_p_{code}={cookie}"
    with apps.logs_on_failure():
        with httpx.Client(base_url=apps.b.url, trust_env=False) as http:
            assert http.get(f"/host/{code}/claim").status_code == 200
            claimed = http.post(f"/host/{code}/claim", data={"secret": secret})
            assert claimed.status_code == 303
            assert http.get(f"/host/{code}", headers=host_cookie).status_code == 200
            assert http.post(f"/host/{code}/claim", data={"secret": "guess"}).status_code == 403

        async def session() -> None:
            async with (
                open_screen(apps.b, code, "host", host_cookie["cookie"]) as host,
                open_screen(apps.a, code, "phone", phone_cookie) as phone,
            ):
                await host.act(action("add_exercise", exercise_id="warmup-hardest-habit"), "Added")
                await host.act(action("start_run", run_id="r1"), "Started")
                await phone.act(action("vote", option="curious", seen_phase="r1.0:vote"), "saved")

        apps.run(session())
        with httpx.Client(base_url=apps.a.url, trust_env=False) as http:
            for fmt in ("md", "json", "csv", "html"):
                assert http.get(f"/host/{code}/export/{fmt}", headers=host_cookie).is_success
            assert http.get(f"/r/{code}/card", headers={"cookie": phone_cookie}).is_success
            deleted = http.post(
                f"/host/{code}/delete", headers={**host_cookie, "origin": apps.a.origin}
            )
            assert deleted.is_success
    for app in (apps.a, apps.b):
        log = app.output()
        assert f"/host/{code}/claim" in log or f"/host/{code}/delete" in log  # requests are logged
        assert secret not in log, app.name
        assert cookie not in log, app.name
        assert hash_secret(secret) not in log, app.name
