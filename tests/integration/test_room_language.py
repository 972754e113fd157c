"""A room speaks one language, set on the console (at first the facilitator's browser's); the
projector and every phone speak it, and a phone may choose a language of its own."""

from starlette.testclient import TestClient

from tests.integration.helpers import create_room, join, live, projector_cookie
from workshop.identity import LANGUAGE_COOKIE


def test_a_room_starts_in_the_language_its_facilitators_browser_asks_for(
    client: TestClient,
) -> None:
    response = client.post(
        "/rooms", headers={"accept-language": "fr-CH, de;q=0.9, en;q=0.5"}, follow_redirects=False
    )
    code = response.headers["location"].rsplit("/", 1)[-1]
    host_cookie = f"workshop_host_{code}={response.cookies[f'workshop_host_{code}']}"
    client.cookies.clear()
    console = client.get(f"/host/{code}", headers={"cookie": host_cookie})
    assert '<html lang="de">' in console.text
    assert "Sprache des Raums" in console.text
    assert '<option value="de" lang="de" selected>Deutsch</option>' in console.text
    # The library offers the German version of an exercise that has one.
    assert "Zum Einstieg: die schwierigste Gewohnheit" in console.text
    assert "Warm-up: the hardest habit" not in console.text
    english, _ = create_room(client)
    assert '<html lang="en">' in client.get(f"/r/{english}").text


def test_the_console_sets_the_language_of_the_projector_and_the_phones(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    ada, grace = join(client, code, "Ada"), join(client, code, "Grace")
    screen_cookie = projector_cookie(client, code, host_cookie)
    with (
        live(client, code, "host", host_cookie) as console,
        live(client, code, "screen", screen_cookie) as projector,
        live(client, code, "phone", ada) as phone,
        live(client, code, "phone", f"{grace}; {LANGUAGE_COOKIE}=en") as own_choice,
    ):
        phone.until("stage", "You're in")
        console.act("Deutsch", type="set_language", language="de")
        phone.until("stage", "Sie sind dabei")
        assert "room" not in phone.regions["me"] and "Raum" in phone.regions["me"]
        projector.until("join-panel", "So nehmen Sie teil")
        console.until("room-header", "Konsole")
        # The room's next words come in German: an exercise added now is the German one.
        console.act("hinzugefügt", type="add_exercise", exercise_id="warmup-hardest-habit")
        console.act("gestartet", type="start_run", run_id="r1")
        german = phone.until("stage", "Tippen Sie")
        assert "Zum Einstieg: die schwierigste Gewohnheit" in german
        assert "Tap your answer" not in german
        # Grace's phone chose English for itself: its words stay English (the exercise is the
        # room's, in German).
        mine = own_choice.until("stage", "Tap your answer")
        assert "Zum Einstieg" in mine and "You're in" not in mine
        console.act("Español", type="set_language", language="es")
        phone.until("me", "sala")
        # The exercise on the agenda, running, comes along in Spanish: the room reads one text.
        spanish = phone.until("stage", "¿qué hábito te cuesta más?")
        assert "Zum Einstieg" not in spanish and "Para empezar" in spanish
        # A notice speaks the phone's language too.
        assert "not understood" in own_choice.act("", type="nonsense")
        assert "entendió" in phone.act("", type="nonsense")


def test_a_phone_chooses_its_own_language_for_every_room(client: TestClient) -> None:
    code, _ = create_room(client)
    ada = join(client, code, "Ada")
    chosen = client.get(f"/language/es?next=/r/{code}", follow_redirects=False)
    assert chosen.status_code == 303
    assert chosen.headers["location"] == f"/r/{code}"
    assert chosen.cookies[LANGUAGE_COOKIE] == "es"
    client.cookies.clear()
    page = client.get(f"/r/{code}", headers={"cookie": f"{ada}; {LANGUAGE_COOKIE}=es"})
    assert '<html lang="es">' in page.text
    assert 'aria-current="true">Español</a>' in page.text
    # Only a page of this site, and only a language the app speaks.
    away = client.get("/language/de?next=//elsewhere.example/", follow_redirects=False)
    assert away.headers["location"] == "/"
    unknown = client.get(f"/language/xx?next=/r/{code}", follow_redirects=False)
    assert LANGUAGE_COOKIE not in unknown.cookies
    client.cookies.clear()
    home = client.get("/", headers={"cookie": f"{LANGUAGE_COOKIE}=de"})
    assert '<html lang="de">' in home.text
