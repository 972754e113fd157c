"""Pages, joining and the facilitator's HTTP controls, on the embedded store."""

import re

import pytest
from starlette.testclient import TestClient

from tests.integration.helpers import ORIGIN, create_room, join
from workshop.app import create_app
from workshop.network import Interface
from workshop.settings import Settings

HOSTILE = '<script>alert(1)</script><b hx-get="/x">'


def test_health_reports_the_embedded_store(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "store": "embedded"}


def test_the_app_has_its_icons(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/x-icon"
    # An icon file whose one image is a PNG, as every browser reads it.
    assert icon.content[:4] == b"\x00\x00\x01\x00" and b"\x89PNG" in icon.content
    page = client.get("/").text
    for link in ('href="/static/mark.svg?v=', 'href="/favicon.ico"', 'rel="manifest"'):
        assert link in page
    manifest = client.get("/static/icons/app.webmanifest")
    assert manifest.status_code == 200
    for icon_entry in manifest.json()["icons"]:
        assert client.get(icon_entry["src"]).status_code == 200


def test_pages_carry_a_strict_content_security_policy(client: TestClient) -> None:
    policy = client.get("/").headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "http" not in policy  # no third-party source anywhere


def test_the_landing_page_speaks_to_participants_and_the_start_page_to_the_facilitator(
    client: TestClient,
) -> None:
    home = client.get("/").text
    assert 'action="/join"' in home
    assert "/rooms" not in home and "Start a workshop" not in home and "Run a workshop" not in home
    start = client.get("/host")
    assert start.status_code == 200
    assert '<form method="post" action="/rooms">' in start.text
    assert "Start a workshop" in start.text


def test_a_phone_in_the_lobby_has_no_feedback_card_link(client: TestClient) -> None:
    code, _ = create_room(client)
    cookie = join(client, code, "Ada")
    phone = client.get(f"/r/{code}", headers={"cookie": cookie}).text
    assert 'id="card-link"' in phone
    assert "Download my feedback card" not in phone


def test_start_a_workshop_opens_the_console(client: TestClient) -> None:
    response = client.post("/rooms", follow_redirects=False)
    code = response.headers["location"].rsplit("/", 1)[-1]
    assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}", code)
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    console = client.get(f"/host/{code}")
    assert console.status_code == 200
    assert f'Console · <span class="code">{code}</span>' in console.text


def test_console_needs_the_facilitator_secret(client: TestClient) -> None:
    code, _ = create_room(client)
    response = client.get(f"/host/{code}")
    assert response.status_code == 403
    assert "Facilitators only" in response.text


def test_co_facilitator_link_opens_the_console_on_another_device(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    secret = host_cookie.split("=", 1)[1]
    console = client.get(f"/host/{code}", headers={"cookie": host_cookie})
    assert f"/host/{code}/claim#{secret}" in console.text
    assert client.get(f"/host/{code}/claim").status_code == 200
    wrong = client.post(f"/host/{code}/claim", data={"secret": "guess"}, follow_redirects=False)
    assert wrong.status_code == 403
    right = client.post(f"/host/{code}/claim", data={"secret": secret}, follow_redirects=False)
    assert right.status_code == 303
    assert client.get(f"/host/{code}").status_code == 200


def test_projector_shows_code_and_qr_but_no_secret(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    screen = client.get(f"/screen/{code}", headers={"cookie": host_cookie})
    assert screen.status_code == 200
    assert code in screen.text
    assert 'class="qr"><path' in screen.text
    assert f"http://testserver/r/{code}" in screen.text
    assert host_cookie.split("=", 1)[1] not in screen.text
    assert "claim" not in screen.text


def test_wrong_code_gets_a_clear_message_and_keeps_the_name(client: TestClient) -> None:
    response = client.post("/join", data={"code": "ZZZZZZ", "name": "Ada"})
    assert response.status_code == 404
    assert "There is no workshop with the code ZZZZZZ" in response.text
    assert 'value="Ada"' in response.text
    assert client.post("/join", data={"code": "hello", "name": "Ada"}).status_code == 404
    assert client.get("/r/ZZZZZZ").status_code == 404


def test_code_is_accepted_in_lower_case_with_spaces(client: TestClient) -> None:
    code, _ = create_room(client)
    typed = f"{code[:3].lower()} {code[3:].lower()}"
    response = client.post("/join", data={"code": typed, "name": "Ada"}, follow_redirects=False)
    assert response.headers["location"] == f"/r/{code}"


def test_qr_target_prefills_the_code_and_keeps_the_page_on_errors(client: TestClient) -> None:
    code, _ = create_room(client)
    page = client.get(f"/r/{code}")
    assert page.status_code == 200
    assert f'value="{code}"' in page.text and "Join the workshop" in page.text
    assert 'action="/join?from=room"' in page.text
    error = client.post("/join?from=room", data={"code": code, "name": "x" * 41})
    assert "Join the workshop" in error.text and "at most 40 characters" in error.text


def test_names_are_trimmed_unique_and_at_most_40_characters(client: TestClient) -> None:
    code, _ = create_room(client)
    join(client, code, "  Ada   Lovelace ")
    duplicate = client.post("/join", data={"code": code, "name": "ada lovelace"})
    assert duplicate.status_code == 400
    assert "already taken" in duplicate.text
    too_long = client.post("/join", data={"code": code, "name": "x" * 41})
    assert too_long.status_code == 400
    assert "at most 40 characters" in too_long.text
    assert 'value="' + "x" * 41 + '"' in too_long.text  # what was typed is kept
    join(client, code, "y" * 40)
    assert client.post("/join", data={"code": code, "name": "   "}).status_code == 400


def test_a_look_alike_name_is_refused_and_the_form_keeps_what_was_typed(
    client: TestClient,
) -> None:
    code, host = create_room(client)
    join(client, code, "Alice")
    for typed, status in (
        ("\uff21lice", 400),  # fullwidth A
        ("\uff21\uff2c\uff29\uff23\uff25", 400),  # all fullwidth
        ("\U0001d400lice", 400),  # mathematical bold A
    ):
        for form in ("", "?from=room"):
            refused = client.post(f"/join{form}", data={"code": code, "name": typed})
            assert refused.status_code == status
            assert "That name is already taken in this room. Please add an initial." in (
                refused.text
            )
            assert f'value="{typed}"' in refused.text  # kept as typed, not folded
            assert client.cookies.get(f"workshop_p_{code}") is None
    console = client.get(f"/host/{code}", headers={"cookie": host}).text
    assert "\uff21" not in console and "\U0001d400" not in console
    assert 'People <span class="count">1</span>' in console
    assert console.count("Remove Alice") == 1

    # The name shown is the one typed: a fullwidth name joins where nobody has it yet.
    join(client, code, "\uff22ob")  # fullwidth B
    console = client.get(f"/host/{code}", headers={"cookie": host}).text
    assert 'People <span class="count">2</span>' in console
    assert "Remove \uff22ob" in console
    assert client.post("/join", data={"code": code, "name": "bob"}).status_code == 400


def test_participant_cookie_brings_back_the_same_person(client: TestClient) -> None:
    code, _ = create_room(client)
    cookie = join(client, code, "Ada")
    page = client.get(f"/r/{code}", headers={"cookie": cookie})
    assert '<span class="me-name" hx-disable>Ada</span>' in page.text
    forged = cookie[:-3] + "abc"
    assert "Join the workshop" in client.get(f"/r/{code}", headers={"cookie": forged}).text


def test_hostile_name_is_inert_text_on_every_page(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    phone_cookie = join(client, code, HOSTILE)
    pages = [
        client.get(f"/host/{code}", headers={"cookie": host_cookie}).text,
        client.get(f"/r/{code}", headers={"cookie": phone_cookie}).text,
        client.get(f"/screen/{code}", headers={"cookie": host_cookie}).text,
    ]
    for html in pages:
        assert "<script>alert" not in html
        assert '<b hx-get="/x">' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b hx-get=&#34;/x&#34;&gt;" in pages[0]
    assert "&lt;script&gt;alert(1)" in pages[1]


def test_facilitator_deletes_the_room(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    join(client, code, "Ada")
    assert client.post(f"/host/{code}/delete", headers=ORIGIN).status_code == 403
    response = client.post(f"/host/{code}/delete", headers={"cookie": host_cookie, **ORIGIN})
    assert response.status_code == 200
    assert client.get(f"/screen/{code}", headers={"cookie": host_cookie}).status_code == 403


def test_guessing_room_codes_is_throttled_and_right_codes_are_not_counted(
    client: TestClient,
) -> None:
    code, _ = create_room(client)
    for _ in range(30):  # a whole room joining from one network address is never throttled
        join(client, code, f"Person {_}")
    for attempt in range(20):
        wrong = client.post(
            "/join", data={"code": f"ZZZZZ{'23456789AB'[attempt % 10]}", "name": "Eve"}
        )
        assert wrong.status_code == 404
    refused = client.post("/join", data={"code": code, "name": "Eve"})
    assert refused.status_code == 429
    assert "Too many wrong room codes" in refused.text
    assert 'value="Eve"' in refused.text  # nothing typed is lost
    assert client.get(f"/r/{code}").status_code == 429


ON_WIFI = [
    Interface("lo", up=True, addresses=("127.0.0.1",)),
    Interface("docker0", up=True, addresses=("172.17.0.1",)),
    Interface("wlp2s0", up=True, addresses=("192.168.1.20",)),
]
OFFLINE = [Interface("lo", up=True, addresses=("127.0.0.1",))]


@pytest.mark.parametrize(
    ("listening_on", "shown"),
    [("0.0.0.0", "http://192.168.1.20:8000"), ("127.0.0.1", "http://localhost:8000")],
)
def test_a_projector_opened_as_localhost_sends_phones_to_the_network_address(
    listening_on: str, shown: str
) -> None:
    settings = Settings(redis_url=None, secret_key="k", host=listening_on, coalesce_seconds=0.0)
    app = create_app(settings, interfaces=lambda: ON_WIFI)
    with TestClient(app, base_url="http://localhost:8000") as local:
        code, host_cookie = create_room(local)
        screen = local.get(f"/screen/{code}", headers={"cookie": host_cookie}).text
    typed = shown.removeprefix("http://")
    assert f'Join at <strong class="join-address">{typed}</strong>' in screen
    assert f'aria-label="QR code for {shown}/r/{code}"' in screen


@pytest.mark.parametrize(
    ("interfaces", "listening_on", "warning"),
    [
        (OFFLINE, "0.0.0.0", "It is not connected to a network"),
        (ON_WIFI, "127.0.0.1", "The app was started for this computer only"),
        (ON_WIFI, "0.0.0.0", None),
    ],
)
def test_the_console_warns_when_phones_cannot_reach_the_laptop(
    interfaces: list[Interface], listening_on: str, warning: str | None
) -> None:
    settings = Settings(redis_url=None, secret_key="k", host=listening_on, coalesce_seconds=0.0)
    app = create_app(settings, interfaces=lambda: interfaces)
    with TestClient(app, base_url="http://localhost:8000") as local:
        code, host_cookie = create_room(local)
        console = local.get(f"/host/{code}", headers={"cookie": host_cookie}).text
    if warning is None:
        assert "reach-warning" not in console
        assert f"Phones join at <strong>http://192.168.1.20:8000/r/{code}</strong>" in console
    else:
        assert '<p class="reach-warning"><strong>Phones cannot reach this laptop' in console
        assert warning in console
