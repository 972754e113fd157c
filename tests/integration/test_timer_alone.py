"""After changes to the timer alone, a screen drawn from the room as its feed last drew it is sent
its timer regions only (`Refresh.timer_alone_since`); one first drawn from an older read of its
own is drawn whole. A screen reads the room before it subscribes to its changes, and the feed's
next draw must bring it up to date with whatever happened in between."""

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.integration.helpers import create_room, live
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
