"""The websocket screens: snapshots, live updates, the warm-up poll, and hostile frames."""

import json
import re

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.integration.helpers import HOSTILE_NAME, ORIGIN, action_id, create_room, join, live


def bar_count(stage: str, label: str) -> int:
    """The votes a results chart gives an answer, read from its row."""
    row = re.search(
        rf'<span class="bar-label"[^>]*>{re.escape(label)}</span>.*?<span class="bar-count">(\d+)</span>',
        stage,
        re.DOTALL,
    )
    assert row is not None, f"no bar for {label!r} in {stage}"
    return int(row.group(1))


def start_poll(host) -> None:  # type: ignore[no-untyped-def]
    host.act("Added", type="add_exercise", exercise_id="warmup-hardest-habit")
    host.act("Started", type="start_run", run_id="r1")


def test_foreign_origin_is_refused_before_accept(client: TestClient) -> None:
    code, _ = create_room(client)
    for headers in ({"origin": "http://evil.example"}, {}):
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect(f"/ws/{code}/screen", headers=headers),
        ):
            pass
        assert refused.value.code == 1008


def test_unknown_room_and_missing_identity_are_refused(client: TestClient) -> None:
    code, _ = create_room(client)
    for path in ("/ws/ZZZZZZ/screen", f"/ws/{code}/host", f"/ws/{code}/phone", f"/ws/{code}/other"):
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect(path, headers=ORIGIN),
        ):
            pass
        assert refused.value.code == 1008


def test_every_connection_starts_with_a_full_snapshot(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    with live(client, code, "host", host_cookie) as host:
        host.receive()
        assert set(host.regions) == {"room-header", "roster", "agenda", "stage", "timer"}
    with live(client, code, "screen", host_cookie) as screen:
        screen.receive()
        assert set(screen.regions) == {"join-panel", "stage", "timer"}


def test_roster_and_headcount_update_live(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "screen", host_cookie) as screen,
    ):
        screen.until("join-panel", "<strong>0</strong> joined")
        cookie = join(client, code, "Ada")
        screen.until("join-panel", "<strong>1</strong> joined")
        host.until("roster", "Ada")
        with live(client, code, "phone", cookie):
            host.until("roster", "(1 connected)")
        host.until("roster", "(0 connected)")


def test_warm_up_poll_hides_results_until_reveal(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    cookies = [join(client, code, name) for name in ("Ada", "Grace", "Linus")]
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "screen", host_cookie) as screen,
    ):
        start_poll(host)
        screen.until("stage", "which habit is hardest for you?")
        choices = ["curious", "curious", "candid"]
        for cookie, choice in zip(cookies, choices, strict=True):
            with live(client, code, "phone", cookie) as phone:
                phone.until("stage", "Being curious")
                phone.act("Vote saved", type="vote", option=choice, seen_phase="r1.0:vote")
                stage = phone.until("stage", 'aria-pressed="true"')
                assert f'value="{choice}"' in stage
        stage = screen.until("stage", "<strong>3</strong> of 3 voted")
        assert "bar-count" not in stage  # nothing revealed yet
        host.act("Now: Results", type="next_phase", seen_phase="r1.0:vote")
        stage = screen.until("stage", "bar-count")
        assert bar_count(stage, "Being curious") == 2
        assert bar_count(stage, "Being candid") == 1
        # A second "Next" click from the same screen is stale, not a second step.
        host.act("moved on", type="next_phase", seen_phase="r1.0:vote")


def test_double_tapped_and_replayed_votes_count_once(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    cookie = join(client, code, "Ada")
    with live(client, code, "host", host_cookie) as host:
        start_poll(host)
        with live(client, code, "phone", cookie) as phone:
            phone.until("stage", "Being curious")
            phone.act("Vote saved", type="vote", option="curious", seen_phase="r1.0:vote")
            phone.act("Vote saved", type="vote", option="curious", seen_phase="r1.0:vote")
            replayed = action_id()
            phone.act(
                "Vote saved",
                type="vote",
                option="candid",
                seen_phase="r1.0:vote",
                action_id=replayed,
            )
            phone.act(
                "Already saved",
                type="vote",
                option="candid",
                seen_phase="r1.0:vote",
                action_id=replayed,
            )
        host.until("stage", "1 of 1 voted")
        host.act("Now: Results", type="next_phase", seen_phase="r1.0:vote")
        stage = host.until("stage", "Results")
        assert bar_count(stage, "Being candid") == 1
        assert bar_count(stage, "Being curious") == 0


def test_vote_after_close_is_refused_and_kept_out(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    cookie = join(client, code, "Ada")
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "phone", cookie) as phone,
    ):
        start_poll(host)
        phone.until("stage", "Being curious")
        host.act("Now: Results", type="next_phase", seen_phase="r1.0:vote")
        phone.act("moved on", type="vote", option="curious", seen_phase="r1.0:vote")
        phone.act("Voting is closed", type="vote", option="curious")


def test_locked_room_refuses_new_joins(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    with live(client, code, "host", host_cookie) as host:
        host.act("locked", type="set_locked", locked="true")
        refused = client.post("/join", data={"code": code, "name": "Late"})
        assert refused.status_code == 400
        assert "closed to new participants" in refused.text
        host.act("open for joining", type="set_locked", locked="false")
    join(client, code, "Late")


def test_removed_participant_loses_the_room(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    cookie = join(client, code, "Ada")
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "phone", cookie) as phone,
    ):
        start_poll(host)
        roster = host.until("roster", "Ada")
        participant_id = roster.split('name="participant_id" value="', 1)[1].split('"', 1)[0]
        host.act("Removed Ada", type="remove_participant", participant_id=participant_id)
        phone.until("stage", "You are no longer in this workshop")
        with pytest.raises(WebSocketDisconnect) as closed:
            phone.receive()
        assert closed.value.code == 1008
    assert "Join the workshop" in client.get(f"/r/{code}", headers={"cookie": cookie}).text
    with pytest.raises(WebSocketDisconnect) as refused, live(client, code, "phone", cookie):
        pass
    assert refused.value.code == 1008


def test_participants_cannot_drive_the_room(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    cookie = join(client, code, "Ada")
    with (
        live(client, code, "phone", cookie) as phone,
        live(client, code, "screen", host_cookie) as screen,
    ):
        phone.act("Only the facilitator", type="set_locked", locked="true")
        screen.receive()
        screen.act("read-only", type="set_locked", locked="true")


def test_oversized_frame_closes_the_connection(client: TestClient) -> None:
    code, _ = create_room(client)
    cookie = join(client, code, "Ada")
    with live(client, code, "phone", cookie) as phone:
        phone.receive()
        phone.ws.send_text(json.dumps({"type": "vote", "option": "x" * 17000}))
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                phone.receive()
        assert closed.value.code == 1009


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        "[1, 2, 3]",
        "null",
        json.dumps({"type": "launch_missiles", "action_id": "abcdefgh"}),
        json.dumps({"type": "vote", "action_id": "abc", "option": "curious"}),
        json.dumps({"type": "vote", "action_id": "abcdefgh", "option": 10**100}),
        json.dumps({"type": "timer_start", "action_id": "abcdefgh", "minutes": 1e308}),
        json.dumps({"type": "vote", "action_id": "abcdefgh\u0000\ud800", "option": "curious"}),
    ],
)
def test_malformed_frames_get_a_message_and_change_nothing(client: TestClient, frame: str) -> None:
    code, host_cookie = create_room(client)
    cookie = join(client, code, "Ada")
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "phone", cookie) as phone,
    ):
        start_poll(host)
        phone.until("stage", "Being curious")
        phone.ws.send_text(frame)
        notice = phone.until("notice", "error")
        assert "not understood" in notice or "moved on" in notice or "not part" in notice
        phone.act("Vote saved", type="vote", option="curious", seen_phase="r1.0:vote")


def test_a_flood_is_throttled(client: TestClient) -> None:
    code, _ = create_room(client)
    cookie = join(client, code, "Ada")
    with live(client, code, "phone", cookie) as phone:
        phone.receive()
        for _ in range(80):
            phone.send(type="vote", option="curious")
        notices = []
        for _ in range(200):
            html = phone.receive()
            if 'id="notice"' in html:
                notices.append(phone.regions["notice"])
            if len(notices) == 80:
                break
        assert any("Too many actions" in n for n in notices)


def test_hostile_name_is_inert_in_live_fragments(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    cookie = join(client, code, HOSTILE_NAME)
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "phone", cookie) as phone,
    ):
        start_poll(host)
        roster = host.until("roster", "&lt;script&gt;")
        me = phone.until("me", "&lt;script&gt;")
        for html in (roster, me):
            assert "<script>" not in html and '<b hx-get="/x">' not in html
