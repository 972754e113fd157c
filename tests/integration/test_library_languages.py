"""The console's library says which languages each exercise can be played in."""

from starlette.testclient import TestClient

from tests.integration.helpers import create_room
from workshop.exercises import load_library
from workshop.settings import DEFAULT_EXERCISES

LIBRARY = load_library(DEFAULT_EXERCISES)


def test_the_library_shows_the_languages_of_each_exercise(client: TestClient) -> None:
    code, host = create_room(client)
    console = client.get(f"/host/{code}", headers={"cookie": host}).text
    translated = [e for e in LIBRARY.exercises if LIBRARY.languages(e) == ("en", "de", "es")]
    assert "warmup-hardest-habit" in translated
    badges = '<span aria-hidden="true">EN · DE · ES</span>'
    label = '<span class="visually-hidden">Languages: English, German, Spanish</span>'
    assert console.count(badges + label) == len(translated)
    only_english = len(LIBRARY.exercises) - len(LIBRARY.translations)
    assert only_english > 0
    assert console.count('<span aria-hidden="true">EN</span>') == only_english
    assert console.count("Languages: English</span>") == only_english
    # Each badge sits with its own exercise.
    entry = console[console.index("<strong>Warm-up: the hardest habit</strong>") :]
    assert entry.index(badges) < entry.index("</li>")
