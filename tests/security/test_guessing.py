"""Knowing a room code is not enough to watch its projector, and no page tells a right code from a
wrong one to a device without the room's keys; guessing through any page is throttled like joining.
Forms that change a room refuse requests another site makes the browser send."""

import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.integration.helpers import ORIGIN, create_room, join, live, projector_cookie
from workshop.app import create_app
from workshop.runtime import Runtime
from workshop.settings import Settings
from workshop.views import FAILED_JOINS_ALLOWED

FOREIGN = {"origin": "http://evil.example"}
WRONG = "ZZZZZZ"

Ask = Callable[[TestClient, str], httpx.Response]
"""One request about a room code, made by a device that holds none of the room's keys."""

ROUTES: dict[str, Ask] = {
    "projector": lambda c, code: c.get(f"/screen/{code}"),
    "projector link, sent": lambda c, code: c.post(
        f"/screen/{code}/open", data={"key": "guess"}, headers=ORIGIN
    ),
    "console": lambda c, code: c.get(f"/host/{code}"),
    "co-facilitator link, sent": lambda c, code: c.post(
        f"/host/{code}/claim", data={"secret": "guess"}, headers=ORIGIN
    ),
    "export": lambda c, code: c.get(f"/host/{code}/export/md"),
    "people search": lambda c, code: c.get(f"/host/{code}/people", params={"find": "a"}),
    "delete": lambda c, code: c.post(f"/host/{code}/delete", headers=ORIGIN),
    "feedback card": lambda c, code: c.get(f"/r/{code}/card"),
}


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = create_app(Settings(redis_url=None, secret_key="test-signing-key", coalesce_seconds=0.0))
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def forget_guesses(client: TestClient) -> None:
    """Clears the wrong-code counter, so each route is judged on its own guesses."""
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    store = runtime.store.client
    for key in client.portal.call(store.keys, "workshop:join-failures:*"):  # type: ignore[union-attr]
        client.portal.call(store.delete, key)  # type: ignore[union-attr]


def without(code: str, response: httpx.Response) -> tuple[int, str]:
    """A response as a guesser compares it: its status and its page, with the code it asked
    about taken out."""
    return response.status_code, response.text.replace(code, "CODE").replace(WRONG, "CODE")


@pytest.mark.parametrize("route", list(ROUTES))
def test_a_right_and_a_wrong_code_look_the_same_to_a_device_without_the_rooms_keys(
    client: TestClient, route: str
) -> None:
    code, _ = create_room(client)
    join(client, code, "Ada")
    forget_guesses(client)
    right = ROUTES[route](client, code)
    wrong = ROUTES[route](client, WRONG)
    assert right.status_code == 403, (route, right.status_code)
    assert without(code, right) == without(code, wrong), route


@pytest.mark.parametrize("audience", ["screen", "host"])
def test_a_websocket_refuses_a_right_and_a_wrong_code_alike(
    client: TestClient, audience: str
) -> None:
    code, _ = create_room(client)
    codes = []
    for asked in (code, WRONG):
        with pytest.raises(WebSocketDisconnect) as refused, live(client, asked, audience):
            pass
        codes.append(refused.value.code)
    assert codes == [1008, 1008]


@pytest.mark.parametrize("route", list(ROUTES))
def test_thirty_guesses_through_any_page_end_in_429(client: TestClient, route: str) -> None:
    code, host_cookie = create_room(client)
    forget_guesses(client)
    statuses = [ROUTES[route](client, WRONG).status_code for _ in range(30)]
    assert statuses[:FAILED_JOINS_ALLOWED] == [403] * FAILED_JOINS_ALLOWED, statuses
    assert statuses[-1] == 429 and set(statuses[FAILED_JOINS_ALLOWED:]) == {429}, statuses
    assert "Too many wrong room codes" in ROUTES[route](client, code).text
    # Whoever holds the room's keys is not held up by the guessing: the console still opens.
    assert client.get(f"/host/{code}", headers={"cookie": host_cookie}).status_code == 200


def test_the_projector_link_opens_the_projector_view_and_nothing_more(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    cookie = join(client, code, "Ada")
    assert client.get(f"/screen/{code}").status_code == 403
    assert client.get(f"/screen/{code}", headers={"cookie": cookie}).status_code == 403
    projector = projector_cookie(client, code, host_cookie)
    page = client.get(f"/screen/{code}", headers={"cookie": projector})
    assert page.status_code == 200 and f"/r/{code}" in page.text
    with live(client, code, "screen", projector) as screen:
        screen.act("read-only", type="set_locked", locked="true")
    # It opens neither the console nor its socket, nor another room's projector.
    assert client.get(f"/host/{code}", headers={"cookie": projector}).status_code == 403
    with pytest.raises(WebSocketDisconnect), live(client, code, "host", projector):
        pass
    other, _ = create_room(client)
    moved = projector.replace(code, other)
    assert client.get(f"/screen/{other}", headers={"cookie": moved}).status_code == 403
    # The console's own browser opens the projector view without the link.
    assert client.get(f"/screen/{code}", headers={"cookie": host_cookie}).status_code == 200


def test_a_deleted_room_takes_its_projector_key_with_it(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    projector = projector_cookie(client, code, host_cookie)
    deleted = client.post(f"/host/{code}/delete", headers={"cookie": host_cookie, **ORIGIN})
    assert deleted.status_code == 200
    assert client.get(f"/screen/{code}", headers={"cookie": projector}).status_code == 403


def form_token(client: TestClient, code: str, host_cookie: str) -> str:
    console = client.get(f"/host/{code}", headers={"cookie": host_cookie}).text
    (token,) = set(re.findall(r'name="token" value="([^"]+)"', console))
    return token


def room_exists(client: TestClient, code: str, host_cookie: str) -> bool:
    return client.get(f"/host/{code}", headers={"cookie": host_cookie}).status_code == 200


def test_a_cross_site_post_to_every_form_is_refused_and_changes_nothing(
    client: TestClient,
) -> None:
    code, host_cookie = create_room(client)
    secret = host_cookie.split("=", 1)[1]
    key = projector_cookie(client, code, host_cookie).split("=", 1)[1]
    token = form_token(client, code, host_cookie)
    refusals = {
        "delete": client.post(
            f"/host/{code}/delete",
            data={"token": token},
            headers={"cookie": host_cookie, **FOREIGN},
        ),
        "claim": client.post(f"/host/{code}/claim", data={"secret": secret}, headers=FOREIGN),
        "projector link": client.post(f"/screen/{code}/open", data={"key": key}, headers=FOREIGN),
        "new room": client.post("/rooms", headers=FOREIGN),
        "join": client.post("/join", data={"code": code, "name": "Mallory"}, headers=FOREIGN),
        "new exercise": client.post(
            f"/host/{code}/new",
            data={"token": token, "kind": "warmup_poll", "op": "save"},
            headers={"cookie": host_cookie, **FOREIGN},
        ),
        "exercise upload": client.post(
            f"/host/{code}/upload",
            data={"token": token},
            files={"file": ("x.yaml", b"kind: warmup_poll\n", "application/yaml")},
            headers={"cookie": host_cookie, **FOREIGN},
        ),
        "referer only": client.post(
            f"/host/{code}/delete",
            data={"token": token},
            headers={"cookie": host_cookie, "referer": "http://evil.example/page"},
        ),
    }
    for form, response in refusals.items():
        assert response.status_code == 403, form
        assert "came from another site" in response.text, form
        assert "set-cookie" not in response.headers, form
    assert room_exists(client, code, host_cookie)
    state = client.portal.call(client.app.state.runtime.store.load, code)  # type: ignore[attr-defined]
    assert state is not None and not state.participants


def test_a_form_without_origin_needs_its_token(client: TestClient) -> None:
    """A browser that sends neither Origin nor Referer (or "Origin: null") is let through only with
    the form's token, which only the console's page holds."""
    code, host_cookie = create_room(client)
    cookie = {"cookie": host_cookie}
    assert client.post(f"/host/{code}/delete", headers=cookie).status_code == 403
    assert (
        client.post(
            f"/host/{code}/delete", data={"token": "guess"}, headers={**cookie, "origin": "null"}
        ).status_code
        == 403
    )
    assert room_exists(client, code, host_cookie)
    token = form_token(client, code, host_cookie)
    # The editor's and the upload's forms carry the same token.
    file = {"file": ("x.yaml", b"kind: nothing\n", "application/yaml")}
    null = {**cookie, "origin": "null"}
    guessed = client.post(f"/host/{code}/upload", data={"token": "guess"}, files=file, headers=null)
    assert guessed.status_code == 403
    held = client.post(f"/host/{code}/upload", data={"token": token}, files=file, headers=null)
    assert held.status_code == 400 and "not a kind of exercise" in held.text
    deleted = client.post(
        f"/host/{code}/delete", data={"token": token}, headers={**cookie, "origin": "null"}
    )
    assert deleted.status_code == 200 and "Room deleted" in deleted.text


def test_a_same_site_post_works(client: TestClient) -> None:
    assert client.post("/rooms", headers=ORIGIN).status_code == 303
    code, host_cookie = create_room(client)
    assert (
        client.post("/join", data={"code": code, "name": "Ada"}, headers=ORIGIN).status_code == 303
    )
    referer = {"referer": f"http://testserver/host/{code}", "cookie": host_cookie}
    assert client.post(f"/host/{code}/delete", headers=referer).status_code == 200
