"""The app on its embedded store (no Redis at all) is killed with SIGKILL and started again.

One `workshop serve` with no WORKSHOP_REDIS_URL, its data folder (WORKSHOP_DATA_DIR) a temporary
one, as on a facilitator's laptop. Six people join and keep their cookies. They play a warm-up poll
(everyone votes), a best-question round (four write a question, everyone puts a dot on one) and a
challenge-pairs exercise (everyone is seated in a pair and rates). Once the newest acknowledged
change is more than a second old, the console's JSON export is taken as the reference; then one
phone changes its ratings and, as soon as that is acknowledged, the process is killed with SIGKILL:
no shutdown, no last write. It is started again on the same folder.

The room must be back as the reference has it: the export equal to the reference (or to the
reference plus the late change: a change acknowledged less than a second before the kill may be
kept or lost, but nothing else), every vote, question, dot, pair and rating there; every phone's
cookie still opens its phone page as that person (not the join form) and its websocket; the
facilitator's cookie still opens the console.
"""

import asyncio
import json
import secrets
import time
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import Apps, get
from tests.faults.screens import Screen, Screens, bounded
from tests.faults.test_sleep_and_return import checked, scores_for
from tests.integration.live_clients import AppProcess, create_room, join, region, text
from tests.integration.test_challenge_pairs_live import board
from tests.integration.test_concurrent_votes import ballot, forms

NAMES = ("Ada", "Grace", "Linus", "Barbara", "Alan", "Edsger")
WRITERS = ("Ada", "Grace", "Linus", "Barbara")
OPTIONS = ("candid", "collaborative", "compassionate", "curious")
POLL, QUESTIONS, PAIRS = "r1", "r2", "r3"
SETTLED_SECONDS = 1.1
"""How old the newest acknowledged change is when the reference is taken: more than a second."""
SCENARIO_SECONDS = 120.0


def action(type_: str, **fields: str) -> dict[str, str]:
    return {"type": type_, **fields, "action_id": secrets.token_hex(12)}


def question(name: str) -> str:
    return f"{name}: what would change your mind about renewing?"


@pytest.mark.timeout(180)
def test_the_embedded_store_keeps_the_room_through_a_kill_9_and_a_restart(
    apps: Apps, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    (a,) = apps.start("", "A", data_dir=data)
    with apps.logs_on_failure():
        code, host_secret = create_room(a)
        cookies = {name: f"workshop_p_{code}={join(a, code, name)}" for name in NAMES}
        host_cookie = f"workshop_host_{code}={host_secret}"
        asyncio.run(bounded(_scenario(apps, a, data, code, host_cookie, cookies), SCENARIO_SECONDS))
        assert not apps.problems(), apps.problems()
        restored = [line for line in apps.log_lines() if "Restored 1 room(s)" in line]
        assert len(restored) == 1, apps.log_lines()


async def _scenario(
    apps: Apps, a: AppProcess, data: Path, code: str, host_cookie: str, cookies: dict[str, str]
) -> None:
    screens = Screens(code)
    try:
        host = await screens.open(a, "host", "console", host_cookie)
        phones = {name: await screens.open(a, "phone", name, cookies[name]) for name in NAMES}
        await host.region_matching("roster", rf"\({len(NAMES)} connected\)", visible=True)
        votes = await play_poll(host, phones)
        questions = await play_best_question(host, phones)
        groups = await play_pairs(host, phones)
        settled = time.monotonic()  # every change so far is acknowledged

        await asyncio.sleep(max(0.0, settled + SETTLED_SECONDS - time.monotonic()))
        reference = await export(a, code, host_cookie)
        late = await phones["Linus"].act(
            action("rate", seen_phase=f"{PAIRS}.0:rate", **scores_for("Linus", 1))
        )
        assert late.tone == "ok", late
        with_late = await export(a, code, host_cookie)
        assert with_late != reference
        apps.kill(a)
        killed = time.monotonic()
        size = (data / "embedded-store.json").stat().st_size
        await screens.aclose()

        apps.restart(a)
        await asyncio.to_thread(apps.wait_ready, a)
        back_in = time.monotonic() - killed

        # The room, as it was a second before the kill (the late rating kept or lost, whole).
        after = await export(a, code, host_cookie)
        assert after in (reference, with_late), json.dumps(after, indent=1)
        assert_everything_there(after, votes, questions, groups)

        # Every cookie still works: phone pages, websockets, the console.
        for name, cookie in cookies.items():
            page = await asyncio.to_thread(get, a, f"/r/{code}", cookie)
            assert page.status_code == 200, (name, page.status_code)
            me = region(page.text, "me")
            assert me is not None and name in text(me), (name, text(page.text)[:300])
            assert 'action="/join"' not in page.text, f"{name} is shown the join form"
        console_page = await asyncio.to_thread(get, a, f"/host/{code}", host_cookie)
        assert console_page.status_code == 200, console_page.status_code
        screens = Screens(code)
        console = await screens.open(a, "host", "console, back", host_cookie)
        await console.region_matching("stage", f'value="{PAIRS}.0:rate"')
        for name in NAMES:
            phone = await screens.open(a, "phone", f"{name}, back", cookies[name])
            await phone.region_matching("me", rf"\b{name}\b", visible=True)
            if name != "Linus":
                await phone.region_matching("stage", checked(scores_for(name)))
        await console.region_matching("roster", rf"\({len(NAMES)} connected\)", visible=True)
        print(
            f"embedded store: {len(NAMES)} people, {len(votes)} votes, {len(questions)} questions, "
            f"{len(groups)} pairs; file {size:,} bytes; healthy again {back_in:.2f} s after the "
            f"kill; the late rating was {'kept' if after == with_late else 'lost'}"
        )
    finally:
        await screens.aclose()


async def play_poll(host: Screen, phones: dict[str, Screen]) -> dict[str, str]:
    await host.host_act(action("add_exercise", exercise_id="warmup-hardest-habit"), "Added")
    await host.host_act(action("start_run", run_id=POLL), "Started")
    votes = {name: OPTIONS[n % len(OPTIONS)] for n, name in enumerate(NAMES)}
    for name, phone in phones.items():
        frame = action("vote", option=votes[name], seen_phase=f"{POLL}.0:vote")
        notice = await phone.act(frame)
        assert notice.tone == "ok" and notice.message.startswith("Vote saved"), notice
    return votes


async def play_best_question(host: Screen, phones: dict[str, Screen]) -> dict[str, str]:
    """Four questions, and a dot from everyone; returns question text -> author."""
    await host.host_act(action("add_exercise", exercise_id="best-question-turnarounds"), "Added")
    await host.host_act(action("start_run", run_id=QUESTIONS), "Started")
    await host.host_act(action("next_phase", seen_phase=f"{QUESTIONS}.0:brief"), "Now: round 1")
    for name in WRITERS:
        stage = await phones[name].region_matching("stage", r'value="submit_question"')
        slot = next(f for f in forms(stage) if f.get("type") == "submit_question")
        frame = {**slot, "slot": "1", "text": question(name)}
        notice = await phones[name].act({**frame, "action_id": secrets.token_hex(12)})
        assert notice.tone == "ok" and notice.message.startswith("Question saved"), notice
    await host.host_act(action("next_phase", seen_phase=f"{QUESTIONS}.0:write"), "Now: round 1")
    for phone in phones.values():
        stage = await phone.region_matching("stage", r'value="place_dot"')
        seen_phase, offered = ballot(stage)
        frame = action("place_dot", seen_phase=seen_phase, question=offered[0])
        notice = await phone.act(frame)
        assert notice.tone == "ok" and notice.message.startswith("Dot placed"), notice
    return {question(name): name for name in WRITERS}


async def play_pairs(host: Screen, phones: dict[str, Screen]) -> list[set[str]]:
    """Everyone seated and rating; returns who sits together."""
    exercise = "challenge-pairs-respectful-challenge"
    await host.host_act(action("add_exercise", exercise_id=exercise), "Added")
    await host.host_act(action("start_run", run_id=PAIRS), "Started")
    for phase, following in (
        ("brief", "pair"),
        ("pair", "read"),
        ("read", "converse"),
        ("converse", "rate"),
    ):
        await host.host_act(action("next_phase", seen_phase=f"{PAIRS}.0:{phase}"), "Now: round 1")
        await host.region_matching("stage", f'value="{PAIRS}.0:{following}"')
    groups = [set(group.seats) for group in board(host.regions["stage"])]
    assert sorted(name for group in groups for name in group) == sorted(NAMES), groups
    for name, phone in phones.items():
        await phone.region_matching("stage", r'name="type" value="rate"')
        notice = await phone.act(action("rate", seen_phase=f"{PAIRS}.0:rate", **scores_for(name)))
        assert notice.tone == "ok" and "saved" in notice.message, (name, notice)
    return groups


async def export(app: AppProcess, code: str, host_cookie: str) -> dict[str, Any]:
    """The console's JSON export, without the moment it was taken."""
    response = await asyncio.to_thread(get, app, f"/host/{code}/export/json", host_cookie)
    assert response.status_code == 200, response.status_code
    summary: dict[str, Any] = response.json()
    summary.pop("exported_at")
    return summary


def assert_everything_there(
    summary: dict[str, Any],
    votes: dict[str, str],
    questions: dict[str, str],
    groups: list[set[str]],
) -> None:
    """Every vote, question, dot, pair and rating, as the export names them."""
    assert sorted(p["name"] for p in summary["participants"]) == sorted(NAMES)
    poll, best, pairs = summary["exercises"]
    labels = {name: f"Being {option}" for name, option in votes.items()}
    assert {v["participant"]: v["option"] for v in poll["votes"]} == labels, poll
    (round_,) = best["rounds"]
    assert {q["text"]: q["authors"] for q in round_["questions"]} == {
        text_: [author] for text_, author in questions.items()
    }, round_
    assert sorted(dot["voter"] for dot in round_["dots"]) == sorted(NAMES), round_
    (seating,) = pairs["rounds"]
    seated = [{seat["participant"] for seat in pair["seats"]} for pair in seating["pairs"]]
    assert sorted(map(sorted, seated)) == sorted(map(sorted, groups)), (seated, groups)
    assert sorted(r["rater"] for r in seating["ratings"]) == sorted(NAMES), seating
