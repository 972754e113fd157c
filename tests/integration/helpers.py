"""Drive the app like browsers do: several cookie jars on one TestClient."""

import itertools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

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


class _FormReader(HTMLParser):
    """What a browser would send for the page's first form with method POST: every named input,
    text box and choice list, with ticked boxes only, and no submit button."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[str, str]] = []
        self._depth = 0
        self._text: tuple[str, list[str]] | None = None
        self._select: str | None = None
        self._first_option: str | None = None
        self._chosen: str | None = None
        self._option: tuple[bool, str | None, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form" and found.get("method") == "post" and self._depth == 0:
            self._depth = 1
            return
        if self._depth != 1:
            return
        name = found.get("name", "")
        if tag == "input" and name and found.get("type") not in ("submit", "file"):
            if found.get("type") != "checkbox" or "checked" in found:
                self.items.append((name, found.get("value", "")))
        elif tag == "textarea" and name:
            self._text = (name, [])
        elif tag == "select" and name:
            self._select, self._first_option, self._chosen = name, None, None
        elif tag == "option" and self._select:
            # A choice sends its value, else its words.
            self._option = ("selected" in found, dict(attrs).get("value"), [])

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text[1].append(data)
        if self._option is not None:
            self._option[2].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._depth == 1:
            self._depth = 2
        elif tag == "textarea" and self._text is not None:
            name, parts = self._text
            # A browser drops the one line break that follows <textarea>.
            self.items.append((name, "".join(parts).removeprefix("\n")))
            self._text = None
        elif tag == "option" and self._option is not None:
            selected, value, parts = self._option
            text = "".join(parts) if value is None else value
            if self._first_option is None:
                self._first_option = text
            if selected:
                self._chosen = text
            self._option = None
        elif tag == "select" and self._select is not None:
            self.items.append((self._select, self._chosen or self._first_option or ""))
            self._select = None


def form_items(page: str) -> list[tuple[str, str]]:
    """The fields the page's form would post, in order, as a browser fills them in."""
    reader = _FormReader()
    reader.feed(page)
    return reader.items


def post_form(
    client: TestClient, url: str, items: list[tuple[str, str]], cookie: str, **options: Any
) -> Any:
    """Posts `items` as a browser posts a form: URL-encoded, from this site."""
    headers = {**ORIGIN, "cookie": cookie, "content-type": "application/x-www-form-urlencoded"}
    return client.post(url, content=urlencode(items), headers=headers, **options)
