"""Drive the app like browsers do: several cookie jars on one TestClient."""

import itertools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.testclient import TestClient, WebSocketTestSession

ORIGIN = {"origin": "http://testserver"}
HOSTILE_NAME = '<script>alert(1)</script><b hx-get="/x">'
_ids = itertools.count(1)
_REGION_ROOT = re.compile(
    r'<\w+ id="(room-header|roster|agenda|stage|timer|join-panel|me|card-link|notice)"'
)


def action_id() -> str:
    return f"test-{next(_ids):08d}"


def create_room(client: TestClient) -> tuple[str, str]:
    """Returns the room code and the facilitator's cookie header."""
    response = client.post("/rooms", follow_redirects=False)
    assert response.status_code == 303
    code = response.headers["location"].rsplit("/", 1)[-1]
    cookie = response.cookies[f"workshop_host_{code}"]
    client.cookies.clear()
    return code, f"workshop_host_{code}={cookie}"


def projector_cookie(client: TestClient, code: str, host_cookie: str) -> str:
    """Opens the console's projector link as another device would; returns that device's cookie
    header for the projector view."""
    console = client.get(f"/host/{code}", headers={"cookie": host_cookie})
    (link,) = re.findall(r'value="[^"]*(/screen/[^"#]+/open)#([^"]+)"', console.text)
    page, key = link
    assert client.get(page).status_code == 200
    response = client.post(page, data={"key": key}, headers=ORIGIN, follow_redirects=False)
    assert response.status_code == 303, response.text
    cookie = response.cookies[f"workshop_screen_{code}"]
    client.cookies.clear()
    return f"workshop_screen_{code}={cookie}"


def join(client: TestClient, code: str, name: str) -> str:
    """Joins and returns the participant's cookie header."""
    response = client.post("/join", data={"code": code, "name": name}, follow_redirects=False)
    assert response.status_code == 303, response.text
    cookie = response.cookies[f"workshop_p_{code}"]
    client.cookies.clear()
    return f"workshop_p_{code}={cookie}"


@contextmanager
def live(client: TestClient, code: str, audience: str, cookie: str = "") -> Iterator["Screen"]:
    headers = {**ORIGIN, **({"cookie": cookie} if cookie else {})}
    with client.websocket_connect(f"/ws/{code}/{audience}", headers=headers) as ws:
        yield Screen(ws)


class Screen:
    """A websocket session that remembers the latest HTML of each region it was sent."""

    def __init__(self, ws: WebSocketTestSession) -> None:
        self.ws = ws
        self.regions: dict[str, str] = {}

    def send(self, **payload: Any) -> None:
        payload.setdefault("action_id", action_id())
        self.ws.send_text(json.dumps({**payload, "HEADERS": {"HX-Request": "true"}}))

    def receive(self) -> str:
        html = self.ws.receive_text()
        starts = [m for m in _REGION_ROOT.finditer(html)]
        for i, match in enumerate(starts):
            end = starts[i + 1].start() if i + 1 < len(starts) else len(html)
            self.regions[match.group(1)] = html[match.start() : end]
        return html

    def until(self, region: str, text: str, limit: int = 30) -> str:
        """Reads frames until `region` contains `text`; returns that region's HTML."""
        for _ in range(limit):
            if text in self.regions.get(region, ""):
                return self.regions[region]
            self.receive()
        raise AssertionError(
            f"{region!r} never showed {text!r}; last: {self.regions.get(region)!r}"
        )

    def act(self, expect: str = "", **payload: Any) -> str:
        """Sends an action and returns the notice it produced."""
        self.send(**payload)
        for _ in range(30):
            html = self.receive()
            if 'id="notice"' in html:
                notice = self.regions["notice"]
                if expect:
                    assert expect in notice, notice
                return notice
        raise AssertionError("no notice came back")
