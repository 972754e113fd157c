"""After changes to the timer alone, a screen drawn from the room as its feed last drew it is sent
its timer regions only (`Refresh.timer_alone_since`); one first drawn from an older read of its
own is drawn whole. A screen reads the room before it subscribes to its changes, and the feed's
next draw must bring it up to date with whatever happened in between."""

import contextlib
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.integration.helpers import create_room, join, live
from tests.integration.test_live import start_poll
from workshop.models import RoomState
from workshop.runtime import Runtime

QUESTION = "which habit is hardest for you?"
RESULTS = "bar-count"


def test_a_screen_that_connected_with_an_older_read_is_drawn_whole(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, host_cookie = create_room(client)
    app: Any = client.app
    runtime: Runtime = app.state.runtime
    with live(client, code, "host", host_cookie) as host:
        start_poll(host)
        host.until("stage", QUESTION)
        portal = client.portal
        assert portal is not None
        older = portal.call(runtime.hub.reads.read, code)
        assert older is not None
        host.act("Now: Results", type="next_phase", seen_phase="r1.0:vote")
        host.until("stage", RESULTS)

        # The projector's read is made before the results step, its subscription after.
        async def read_before_the_step(_: str) -> RoomState:
            return older

        monkeypatch.setattr(runtime.hub.reads, "read", read_before_the_step)
        with live(client, code, "screen", host_cookie) as screen:
            screen.receive()
            assert QUESTION in screen.regions["stage"]
            assert RESULTS not in screen.regions["stage"]
            # Only the timer changes from here on: the feed's draws are of the timer alone.
            host.act("Timer started", type="timer_start", minutes="1")
            screen.until("timer", 'data-running="true"')
            assert RESULTS in screen.regions["stage"], screen.regions["stage"]


def test_phones_handed_a_timer_change_stay_grouped_as_they_show(client: TestClient) -> None:
    """Phones that show the same are drawn once, the others handed what it was sent and moved
    to its group together: after each change every phone is filed under what it shows."""
    code, host_cookie = create_room(client)
    cookies = [join(client, code, name) for name in ("Ada", "Grace", "Linus", "Alan")]
    app: Any = client.app
    runtime: Runtime = app.state.runtime
    portal = client.portal
    assert portal is not None
    with live(client, code, "host", host_cookie) as host, contextlib.ExitStack() as stack:
        start_poll(host)
        phones = [stack.enter_context(live(client, code, "phone", c)) for c in cookies]
        for phone in phones:
            phone.until("stage", "Being curious")
        for action, running in (("timer_start", "true"), ("timer_pause", "false")) * 2:
            host.act("", type=action, minutes="1")
            for phone in phones:
                phone.until("timer", f'data-running="{running}"')
            assert portal.call(grouping, runtime, code) == (4, 1)


def grouping(runtime: Runtime, code: str) -> tuple[int, int]:
    """How many phones the room's feed has filed by what they show, in how many groups, once
    each is checked to be filed under what it shows now."""
    feed = runtime.hub.feeds[code]
    phones = feed.subscribers - feed.leading
    filed = {member: group for group, members in feed._groups.items() for member in members}
    assert filed == feed._grouped
    assert all(filed[phone] == phone.group for phone in phones)
    return len(filed), len(feed._groups)
