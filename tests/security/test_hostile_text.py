"""Hostile names, titles, questions, posts and rating comments stay inert on every screen and in
every export.

One workshop is played once for the module through all four kinds of exercise, every participant
named after an attack and every text carrying all of them. After each of the facilitator's steps
the full pages of the console, the projector and every phone are fetched; every fragment pushed over
the websockets is kept. Then each test looks at one surface.
"""

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from starlette.testclient import TestClient

from tests.security.inert import (
    NAMES,
    PAYLOADS,
    TITLE,
    assert_inert_html,
    assert_inert_markdown,
    comment,
    csv_rows,
    long_text,
    unguarded_cells,
)
from tests.security.workshop_run import LiveRoom, Writing, live_room, play_every_kind
from workshop.app import create_app
from workshop.settings import Settings

WRITING = Writing(title=TITLE, long_text=long_text, comment=comment)


@dataclass
class Played:
    client: TestClient
    code: str
    host_cookie: str
    cookies: dict[str, str]
    pages: list[tuple[str, str]]
    """(where, HTML) of every full page fetched along the way."""
    frames: list[tuple[str, str]]
    """(where, HTML) of every fragment pushed over a websocket."""

    def export(self, fmt: str, query: str = "") -> bytes:
        response = self.client.get(
            f"/host/{self.code}/export/{fmt}{query}", headers={"cookie": self.host_cookie}
        )
        assert response.status_code == 200, (fmt, query, response.text[:300])
        assert response.headers["content-disposition"].startswith("attachment;")
        return response.content


def fetch_pages(
    client: TestClient, pages: list[tuple[str, str]], room: LiveRoom, step: str
) -> None:
    """Every screen's full page as it is now; and every screen reads what it was pushed so far."""

    def get(path: str, cookie: str = "") -> str:
        response = client.get(path, headers={"cookie": cookie} if cookie else {})
        assert response.status_code == 200, (path, response.status_code)
        return response.text

    pages.append((f"console after {step}", get(f"/host/{room.code}", room.host_cookie)))
    pages.append((f"projector after {step}", get(f"/screen/{room.code}", room.projector_cookie)))
    for name, cookie in room.cookies.items():
        pages.append((f"phone of {name!r} after {step}", get(f"/r/{room.code}", cookie)))
    for recorder in (room.screen, *room.phones.values()):
        recorder.sync()


@pytest.fixture(scope="module")
def played() -> Iterator[Played]:
    app = create_app(Settings(redis_url=None, secret_key="test-signing-key", coalesce_seconds=0.0))
    with TestClient(app) as client:
        pages: list[tuple[str, str]] = []

        def on_step(room: LiveRoom, step: str) -> None:
            fetch_pages(client, pages, room, step)

        with live_room(client, NAMES, on_step) as room:
            play_every_kind(room, WRITING)
            room.host.sync()
            on_step(room, "the end")
            frames = [(r.where, frame) for r in room.recorders() for frame in r.frames]
        yield Played(client, room.code, room.host_cookie, room.cookies, pages, frames)


def surface_text(items: list[tuple[str, str]], prefix: str) -> str:
    """All visible text of the pages (or fragments) of one kind of screen, checked inert."""
    return " ".join(
        assert_inert_html(html, where) for where, html in items if where.startswith(prefix)
    )


def assert_shows(text: str, wanted: list[str], where: str) -> None:
    missing = [item for item in wanted if item not in text]
    assert not missing, f"{where} never showed {missing}"


@pytest.mark.timeout(180)
def test_full_pages_show_hostile_text_as_text(played: Played) -> None:
    assert len(played.pages) > 100
    console = surface_text(played.pages, "console")
    projector = surface_text(played.pages, "projector")
    assert_shows(console, [TITLE, *NAMES, *(long_text(n) for n in range(len(NAMES)))], "console")
    assert_shows(projector, [*NAMES, long_text(0)], "projector")
    for n, name in enumerate(NAMES):
        phone = surface_text(played.pages, f"phone of {name!r}")
        # Their own name and their own question, on their own phone.
        assert_shows(phone, [name, long_text(n)], f"phone of {name!r}")
    phones = surface_text(played.pages, "phone")
    assert_shows(phones, [comment(n, part) for n in range(len(NAMES)) for part in (0, 1)], "phones")


def test_pushed_fragments_show_hostile_text_as_text(played: Played) -> None:
    assert len(played.frames) > 100
    console = surface_text(played.frames, "console")
    projector = surface_text(played.frames, "projector")
    phones = surface_text(played.frames, "phone")
    assert_shows(console, [TITLE, *NAMES, long_text(3)], "console fragments")
    assert_shows(projector, [*NAMES, long_text(0)], "projector fragments")
    assert_shows(phones, [*NAMES, long_text(5), comment(2, 1)], "phone fragments")


@pytest.mark.parametrize("query", ["", "?anonymise=1", "?only=p1", "?only=for-1"])
def test_markdown_export_makes_no_link_or_html(played: Played, query: str) -> None:
    markdown = played.export("md", query).decode()
    rendered = assert_inert_markdown(markdown, f"Markdown export{query}")
    if not query:
        assert_shows(rendered, [TITLE, *NAMES, long_text(4)], "Markdown export")
    assert "{{ 7*7 }}" in rendered


def test_csv_export_guards_every_formula(played: Played) -> None:
    archive = zipfile.ZipFile(io.BytesIO(played.export("csv")))
    files = {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
    cells = []
    for name, content in files.items():
        rows = csv_rows(content)
        assert not unguarded_cells(rows), f"{name}: {unguarded_cells(rows)}"
        cells += [cell for row in rows for cell in row]
    # The hostile text is all there, only disarmed.
    for text in (
        "'=cmd|' /C calc'!A0",
        "'-2+3+cmd|' /C calc'!A0",
        "'@SUM(1+1)*cmd|' /C calc'!A0",
        *(f"'{long_text(n)}" for n in range(4)),
        f"'{comment(0, 0)}",
    ):
        assert text in cells, text
    assert NAMES[0] in cells


def test_json_export_keeps_every_text_verbatim(played: Played) -> None:
    response = played.client.get(
        f"/host/{played.code}/export/json", headers={"cookie": played.host_cookie}
    )
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-content-type-options"] == "nosniff"
    summary = json.loads(response.text)
    assert [person["name"] for person in summary["participants"]] == list(NAMES)
    assert summary["title"] == TITLE
    strings: list[str] = []

    def collect(value: object) -> None:
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(summary)
    for text in (*(long_text(n) for n in range(len(NAMES))), comment(1, 0), comment(1, 1)):
        assert text in strings, text


@pytest.mark.parametrize("query", ["", "?anonymise=1"])
def test_printable_report_shows_hostile_text_as_text(played: Played, query: str) -> None:
    text = assert_inert_html(played.export("html", query).decode(), f"HTML export{query}")
    if not query:
        assert_shows(text, [TITLE, *NAMES, long_text(6), comment(3, 1)], "HTML export")


def test_personal_cards_show_hostile_text_as_text(played: Played) -> None:
    for n, name in enumerate(NAMES):
        response = played.client.get(
            f"/r/{played.code}/card", headers={"cookie": played.cookies[name]}
        )
        assert response.status_code == 200
        assert response.headers["content-disposition"].startswith("attachment;")
        text = assert_inert_html(response.text, f"card of {name!r}")
        assert_shows(text, [name, long_text(n)], f"card of {name!r}")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_join_form_echoes_hostile_input_as_text(played: Played, payload: str) -> None:
    too_long = " ".join([payload] * 5)
    for code, name, status in ((payload, payload, 404), (played.code, too_long, 400)):
        response = played.client.post("/join?from=room", data={"code": code, "name": name})
        assert response.status_code == status
        text = assert_inert_html(response.text, f"join refused ({status}) for {name!r}")
        assert "Join the workshop" in text
