"""Phones share renders: a phone region is rendered once per distinct personal key in a refresh.

The sharing must never show one phone another's view. At every step of a workshop through every
kind of exercise, each phone's regions built through the shared cache equal the regions rendered
for that phone alone.
"""

import re

from starlette.requests import Request
from starlette.testclient import TestClient

from tests.integration.helpers import create_room, join
from tests.security.workshop_run import (
    LiveRoom,
    Writing,
    live_room,
    load_room,
    play_every_kind,
    runtime_of,
)
from workshop import i18n
from workshop.app import create_app
from workshop.caching import Refresh
from workshop.render import ROSTER_LISTED, Audience
from workshop.settings import Settings

NAMES = ("Ada", "Grace", "Linus", "Barbara", "Alan")
WRITING = Writing(
    title="Shared renders",
    long_text=lambda n: f"Question or post number {n}",
    comment=lambda rater, rated: f"Comment from {rater} to {rated}",
)
CONNECTION = Request(
    {"type": "http", "scheme": "http", "server": ("testserver", 80), "path": "/", "headers": []}
)


def compare_every_phone(room: LiveRoom, step: str, seen: list[tuple[str, int]]) -> None:
    runtime = runtime_of(room.client)
    state = room.state()
    shared = Refresh()
    # The same refresh serves phones in two languages: a region kept for one is never shown in
    # the other.
    for language in ("en", "de"):
        with i18n.speaking(language):
            for participant in state.present:
                phone = Audience("phone", participant.id)
                alone = runtime.render_regions(state, phone, CONNECTION)
                together = runtime.live_regions(state, phone, CONNECTION, shared)
                # The timer counts down from "now", which differs between two renders; nothing
                # else may.
                alone.pop("timer")
                together.pop("timer")
                assert together == alone, f"{participant.name}'s phone in {language} after {step}"
    stages = sum(
        1 for region, _, language in shared.regions if (region, language) == ("stage", "en")
    )
    seen.append((step, stages))


def test_shared_phone_renders_equal_each_phone_rendered_alone() -> None:
    app = create_app(Settings(redis_url=None, secret_key="test-signing-key", coalesce_seconds=0.0))
    seen: list[tuple[str, int]] = []
    with TestClient(app) as client:

        def on_step(room: LiveRoom, step: str) -> None:
            compare_every_phone(room, step, seen)

        with live_room(client, NAMES, on_step) as room:
            on_step(room, "the start")
            play_every_kind(room, WRITING)
            on_step(room, "the end")
    steps = dict(seen)
    assert len(seen) > 15, seen
    # With nothing running every phone shows the same stage; in the poll's vote, phones that
    # chose the same answer share one (the workshop's five people pick four answers at most).
    assert steps["the start"] == 1
    poll_steps = [count for step, count in seen if step.startswith("r1.")]
    assert poll_steps and all(count <= 5 for count in poll_steps), seen


def test_the_console_roster_is_rendered_again_only_when_its_people_change() -> None:
    app = create_app(Settings(redis_url=None, secret_key="test-signing-key", coalesce_seconds=0.0))
    with TestClient(app) as client:
        code, _ = create_room(client)
        runtime = runtime_of(client)
        console = Audience("host")

        def both() -> tuple[dict[str, str], dict[str, str]]:
            state = load_room(client, code)
            assert state is not None
            shared = runtime.live_regions(state, console, CONNECTION, Refresh())
            alone = runtime.render_regions(state, console, CONNECTION)
            shared.pop("timer")
            alone.pop("timer")
            return shared, alone

        shared, alone = both()
        assert shared == alone
        first = runtime.rosters.get(code)
        shared, alone = both()
        assert shared == alone
        assert runtime.rosters.get(code) is first  # nothing changed: the kept render was used
        join(client, code, "Ada")
        shared, alone = both()
        assert shared == alone and "Ada" in shared["roster"]
        assert runtime.rosters.get(code) is not first


def test_a_big_room_lists_its_latest_arrivals_on_the_console() -> None:
    app = create_app(Settings(redis_url=None, secret_key="test-signing-key", coalesce_seconds=0.0))
    with TestClient(app) as client:
        code, _ = create_room(client)
        runtime = runtime_of(client)
        names = [f"Person {n:03d}" for n in range(ROSTER_LISTED + 5)]
        for name in names:
            join(client, code, name)
        state = load_room(client, code)
        assert state is not None
        roster = runtime.render_regions(state, Audience("host"), CONNECTION)["roster"]
        listed = re.findall(r'<span class="person-name">(Person \d+)</span>', roster)
        assert listed == names[5:]
        assert f'<span class="count">{len(names)}</span>' in roster
        assert f"The {ROSTER_LISTED} who joined last; 5 more are in the room." in roster
        # Each listed person can be removed from the console.
        assert len(re.findall(r">Remove Person \d+<", roster)) == ROSTER_LISTED
