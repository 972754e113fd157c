"""The exercise editor over HTTP: only the facilitator reaches it; saving goes through the engine;
an upload that is not an exercise file is refused with the reason and changes nothing; an exercise
that has started cannot be edited; what is typed survives every refusal."""

import re
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from tests.integration.helpers import (
    ORIGIN,
    create_room,
    form_items,
    join,
    live,
    post_form,
)
from workshop.editing import UPLOAD_BYTES_MAX
from workshop.exercises import parse_exercise
from workshop.settings import DEFAULT_EXERCISES

POLL = "warmup-hardest-habit"
PAIRS = "challenge-pairs-respectful-challenge"


def agenda_titles(client: TestClient, code: str, cookie: str) -> list[str]:
    console = client.get(f"/host/{code}", headers={"cookie": cookie}).text
    return re.findall(r'<span class="run-title">([^<]*)</span>', console)


def replaced(items: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    return [(key, values.get(key.replace(".", "__"), value)) for key, value in items]


def upload(client: TestClient, code: str, cookie: str, body: bytes, name: str = "x.yaml") -> Any:
    console = client.get(f"/host/{code}", headers={"cookie": cookie}).text
    (token,) = set(re.findall(r'name="token" value="([^"]+)"', console))
    return client.post(
        f"/host/{code}/upload",
        data={"token": token},
        files={"file": (name, body, "application/yaml")},
        headers={**ORIGIN, "cookie": cookie},
        follow_redirects=False,
    )


def test_a_copy_is_adapted_checked_and_saved_for_the_room(client: TestClient) -> None:
    code, host = create_room(client)
    page = client.get(f"/host/{code}/new?from={POLL}", headers={"cookie": host})
    assert page.status_code == 200
    assert "Adapt a copy of" in page.text
    items = form_items(page.text)
    assert dict(items)["id"] == f"{POLL}-copy"

    too_long = replaced(items, question="Which habit " * 30, title="Mine")
    refused = post_form(client, f"/host/{code}/new", [*too_long, ("op", "save")], host)
    assert refused.status_code == 422
    assert "Question: too long, 360 of 200 characters" in refused.text
    assert "Nothing was saved; everything you typed is still here." in refused.text
    kept = dict(form_items(refused.text))
    assert kept["question"] == "Which habit " * 30 and kept["title"] == "Mine"
    assert agenda_titles(client, code, host) == []

    fixed = replaced(form_items(refused.text), question="Which habit will you practise?")
    saved = post_form(
        client, f"/host/{code}/new", [*fixed, ("op", "save")], host, follow_redirects=False
    )
    assert (saved.status_code, saved.headers["location"]) == (303, f"/host/{code}")
    # A double-tap on Save sends the same form twice: one exercise is added.
    again = post_form(
        client, f"/host/{code}/new", [*fixed, ("op", "save")], host, follow_redirects=False
    )
    assert again.status_code == 303
    assert agenda_titles(client, code, host) == ["Mine"]

    download = client.get(f"/host/{code}/exercise/r1.yaml", headers={"cookie": host})
    assert download.headers["content-disposition"] == f'attachment; filename="{POLL}-copy.yaml"'
    exercise, problems = parse_exercise(download.text, "download")
    assert problems == [] and exercise is not None
    assert exercise.title == "Mine"
    assert yaml.safe_load(download.text)["question"] == "Which habit will you practise?"


def test_an_agenda_exercise_is_edited_in_place_and_the_phone_shows_the_new_words(
    client: TestClient,
) -> None:
    code, host = create_room(client)
    ada = join(client, code, "Ada")
    with live(client, code, "host", host) as console, live(client, code, "phone", ada) as phone:
        console.act("Added", type="add_exercise", exercise_id=POLL)
        page = client.get(f"/host/{code}/edit/r1", headers={"cookie": host})
        items = replaced(form_items(page.text), question="Which habit do you skip first?")
        saved = post_form(
            client, f"/host/{code}/edit/r1", [*items, ("op", "save")], host, follow_redirects=False
        )
        assert saved.status_code == 303
        console.until("agenda", "Warm-up")
        console.act("Started", type="start_run", run_id="r1")
        phone.until("stage", "Which habit do you skip first?")

        # Once started, the editor refuses it, and says how to adapt it instead.
        refused = client.get(f"/host/{code}/edit/r1", headers={"cookie": host})
        assert refused.status_code == 409
        assert "has already started, so its text can no longer change" in refused.text
        late = post_form(client, f"/host/{code}/edit/r1", [*items, ("op", "save")], host)
        assert late.status_code == 409


def test_an_edit_saved_after_the_exercise_started_is_refused_and_keeps_the_text(
    client: TestClient,
) -> None:
    code, host = create_room(client)
    with live(client, code, "host", host) as console:
        console.act("Added", type="add_exercise", exercise_id=POLL)
        page = client.get(f"/host/{code}/edit/r1", headers={"cookie": host})
        console.act("Started", type="start_run", run_id="r1")
    # The page was opened before the start: the engine refuses the save itself.
    items = replaced(form_items(page.text), question="Too late to change?")
    late = post_form(client, f"/host/{code}/edit/r1", [*items, ("op", "save")], host)
    assert late.status_code == 409


def test_add_remove_and_preview_keep_what_was_typed(client: TestClient) -> None:
    code, host = create_room(client)
    page = client.get(f"/host/{code}/new?from={PAIRS}", headers={"cookie": host})
    items = replaced(form_items(page.text), cases__0__first__customer__role="Head of oncology")
    added = post_form(client, f"/host/{code}/new", [*items, ("op", "add:cases")], host)
    grown = dict(form_items(added.text))
    assert grown["cases.0.first.customer.role"] == "Head of oncology"
    assert "cases.3.title" in grown and 'id="f-cases-3-title" name="cases.3.title"' in added.text
    assert re.search(r'id="f-cases-3-title"[^>]*autofocus', added.text)

    assert "Move case 2 up" in added.text and "Move case 1 up" not in added.text
    moved = post_form(client, f"/host/{code}/new", [*items, ("op", "up:cases.1")], host)
    assert dict(form_items(moved.text))["cases.1.first.customer.role"] == "Head of oncology"

    removed = post_form(
        client, f"/host/{code}/new", [*form_items(added.text), ("op", "remove:cases.0")], host
    )
    shrunk = dict(form_items(removed.text))
    assert "cases.3.title" not in shrunk
    assert shrunk["cases.0.first.customer.role"] != "Head of oncology"

    shown = post_form(
        client,
        f"/host/{code}/new",
        [*items, ("op", "preview"), ("preview_step", "2"), ("preview_as", "p2")],
        host,
    )
    assert shown.status_code == 200
    frames = re.findall(r'<iframe title="(\w+) preview" srcdoc="([^"]*)"', shown.text)
    assert [title for title, _ in frames] == ["Projector", "Phone"]
    assert all("ws-connect" not in doc for _, doc in frames)
    assert '<option value="2" selected>Round 1: Read your card</option>' in shown.text
    assert dict(form_items(shown.text))["cases.0.first.customer.role"] == "Head of oncology"


def test_a_participant_cannot_reach_the_editor(client: TestClient) -> None:
    code, host = create_room(client)
    ada = join(client, code, "Ada")
    with live(client, code, "host", host) as console:
        console.act("Added", type="add_exercise", exercise_id=POLL)
    page = client.get(f"/host/{code}/new?from={POLL}", headers={"cookie": host})
    items = [*form_items(page.text), ("op", "save")]
    for response in (
        client.get(f"/host/{code}/edit/r1", headers={"cookie": ada}),
        client.get(f"/host/{code}/new?kind=warmup_poll", headers={"cookie": ada}),
        client.get(f"/host/{code}/exercise/r1.yaml", headers={"cookie": ada}),
        post_form(client, f"/host/{code}/new", items, ada),
        post_form(client, f"/host/{code}/edit/r1", items, ada),
        client.post(
            f"/host/{code}/upload",
            files={"file": ("x.yaml", b"kind: warmup_poll\n", "application/yaml")},
            headers={**ORIGIN, "cookie": ada},
        ),
    ):
        assert response.status_code == 403
        assert "Facilitators only" in response.text
    assert agenda_titles(client, code, host) == ["Warm-up: the hardest habit"]


def test_a_form_sent_from_another_site_is_refused(client: TestClient) -> None:
    code, host = create_room(client)
    page = client.get(f"/host/{code}/new?from={POLL}", headers={"cookie": host})
    response = client.post(
        f"/host/{code}/new",
        content="&".join(f"{k}={v}" for k, v in [("op", "save"), ("kind", "warmup_poll")]),
        headers={
            "cookie": host,
            "origin": "https://elsewhere.example",
            "content-type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 403 and "came from another site" in response.text
    assert page.status_code == 200 and agenda_titles(client, code, host) == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"kind: warmup_poll\ntitle: [unclosed\n", "That is not a YAML file"),
        (b"\xff\xfe\x00binary", "That is not a text file"),
        (b"- just\n- a list\n", "That is not an exercise file"),
        (b"kind: quiz_show\ntitle: Quiz\n", "“quiz_show” is not a kind of exercise this app knows"),
        (b"title: No kind\n", "“(no kind)” is not a kind of exercise"),
        (b"x" * (UPLOAD_BYTES_MAX + 1), "That file is too big"),
        (b"# " + b"x" * (UPLOAD_BYTES_MAX + 40_000), "bigger than 128 KB"),
    ],
    ids=["not-yaml", "not-text", "not-a-mapping", "unknown-kind", "no-kind", "too-big", "huge"],
)
def test_an_upload_that_is_not_an_exercise_file_is_refused_with_the_reason(
    client: TestClient, body: bytes, reason: str
) -> None:
    code, host = create_room(client)
    response = upload(client, code, host, body)
    assert response.status_code in (400, 413)
    assert reason in response.text
    assert "Nothing was changed." in response.text
    assert "Back to the console" in response.text
    assert agenda_titles(client, code, host) == []


def test_an_uploaded_file_goes_on_the_agenda(client: TestClient) -> None:
    code, host = create_room(client)
    mine = client.get(f"/host/{code}/new?from={POLL}", headers={"cookie": host})
    file = post_form(
        client, f"/host/{code}/new", [*form_items(mine.text), ("op", "download")], host
    )
    response = upload(client, code, host, file.content, name=f"{POLL}-copy.yaml")
    assert (response.status_code, response.headers["location"]) == (303, f"/host/{code}")
    assert agenda_titles(client, code, host) == ["Warm-up: the hardest habit"]


def test_a_library_file_with_translations_is_uploaded_in_its_own_language(
    client: TestClient,
) -> None:
    code, host = create_room(client)
    library_file = DEFAULT_EXERCISES / f"{POLL}.yaml"
    assert "translations:" in library_file.read_text(encoding="utf-8")
    response = upload(client, code, host, library_file.read_bytes(), name=f"{POLL}.yaml")
    assert (response.status_code, response.headers["location"]) == (303, f"/host/{code}")
    assert agenda_titles(client, code, host) == ["Warm-up: the hardest habit"]


def test_an_uploaded_file_with_mistakes_opens_in_the_editor_to_fix(client: TestClient) -> None:
    code, host = create_room(client)
    text = (
        "kind: warmup_poll\nid: typo\ntitle: ''\nsummary: S\nseeds: ['000']\nminutes: 4\n"
        "questoin: Which?\noptions:\n- {id: a, label: A}\n- {id: b, label: B}\n"
    )
    response = upload(client, code, host, text.encode())
    assert response.status_code == 422
    assert "Title: cannot be empty" in response.text
    assert "Questoin: no such field here (a typo?)" in response.text
    assert "Question: missing" in response.text
    assert dict(form_items(response.text))["options.1.label"] == "B"
    assert agenda_titles(client, code, host) == []


def german_room(client: TestClient) -> tuple[str, str]:
    """A room its facilitator's browser opened in German: the room's language."""
    response = client.post("/rooms", headers={"accept-language": "de"}, follow_redirects=False)
    code = response.headers["location"].rsplit("/", 1)[-1]
    cookie = response.cookies[f"workshop_host_{code}"]
    client.cookies.clear()
    return code, f"workshop_host_{code}={cookie}"


def test_a_german_rooms_editor_speaks_german(client: TestClient) -> None:
    code, host = german_room(client)
    page = client.get(f"/host/{code}/new?from={PAIRS}", headers={"cookie": host})
    assert page.status_code == 200
    assert '<html lang="de">' in page.text
    assert "Eine Kopie von „" in page.text and "Für diesen Raum speichern" in page.text
    assert "Karten für das erste Gespräch" in page.text and "Karte Kunde" in page.text
    assert '<option value="firm" selected>Bestimmt</option>' in page.text
    assert "Höchstens 1.200 Zeichen." in page.text
    # The page counts what is typed near a limit in German too.
    assert 'data-count-now="(jetzt #)"' in page.text
    assert "Cards for the first talk" not in page.text and "At most" not in page.text

    # A typo'd save: the problem is in German and names the field in the facilitator's words.
    items = form_items(page.text)
    typo = replaced(items, cases__1__first__customer__situation="x" * 1400, minutes="9o")
    refused = post_form(client, f"/host/{code}/new", [*typo, ("op", "save")], host)
    assert refused.status_code == 422
    assert '<html lang="de">' in refused.text
    assert "2 Sachen zu korrigieren" in refused.text
    assert "Minuten: bitte eine ganze Zahl" in refused.text
    assert (
        "Fall 2, Karten für das erste Gespräch, Karte Kunde, Situation: zu lang, 1.400 von "
        "1.200 Zeichen"
    ) in refused.text
    assert "Es wurde nichts gespeichert; alles, was Sie eingegeben haben, ist noch da." in (
        refused.text
    )
    # What the page sends back is still the exercise's own words: the choice's value, not its
    # German.
    fixed = replaced(form_items(refused.text), cases__1__first__customer__situation="Kurz.")
    fixed = replaced(fixed, minutes="9")
    saved = post_form(
        client, f"/host/{code}/new", [*fixed, ("op", "save")], host, follow_redirects=False
    )
    assert (saved.status_code, saved.headers["location"]) == (303, f"/host/{code}")


def test_a_german_rooms_editor_refusals_speak_german(client: TestClient) -> None:
    code, host = german_room(client)
    missing = client.get(f"/host/{code}/edit/r9", headers={"cookie": host})
    assert missing.status_code == 404 and '<html lang="de">' in missing.text
    assert "Diese Übung steht nicht auf der Agenda." in missing.text
    assert "Zurück zur Konsole" in missing.text
    unknown = client.get(f"/host/{code}/new?kind=quiz", headers={"cookie": host})
    assert "Wählen Sie in der Konsole eine Übung oder eine Art von Übung." in unknown.text
    refused = upload(client, code, host, b"kind: quiz_show\ntitle: Quiz\n")
    assert refused.status_code == 400 and "Nicht hochgeladen" in refused.text
    assert "„quiz_show“ ist keine Art von Übung, die diese App kennt" in refused.text
    assert "Es wurde nichts geändert." in refused.text
    mistaken = upload(client, code, host, b"kind: warmup_poll\nid: typo\nquestoin: Which?\n")
    assert mistaken.status_code == 422
    assert "Questoin: dieses Feld gibt es hier nicht (ein Tippfehler?)" in mistaken.text
    assert "Frage: fehlt" in mistaken.text
