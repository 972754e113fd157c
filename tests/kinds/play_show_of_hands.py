"""The throwaway show of hands, played end to end over websockets: a console, a projector and two
phones; the export carries its rows. Run by `tests/integration/test_a_kind_of_ones_own.py` in a
process of its own, started with `WORKSHOP_EXTRA_KINDS=tests.kinds.show_of_hands` (the registry
reads it when the app is first imported); it is not collected on its own.
"""

import io
import zipfile
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.integration.helpers import (
    create_room,
    form_items,
    join,
    live,
    post_form,
    projector_cookie,
)
from workshop.app import create_app
from workshop.kinds import KINDS
from workshop.settings import Settings

EXERCISE = """\
kind: show_of_hands
id: hands-up
title: "Hands up"
summary: The smallest exercise there is.
seeds: ["000"]
minutes: 2
question: Have you ever changed a customer's mind?
"""


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    (tmp_path / "hands-up.yaml").write_text(EXERCISE, encoding="utf-8")
    settings = Settings(
        redis_url=None,
        data_dir=None,
        exercises_dir=tmp_path,
        secret_key="test-signing-key",
        coalesce_seconds=0.0,
    )
    return TestClient(create_app(settings))


def test_the_kind_is_loaded_from_its_package_alone() -> None:
    assert "show_of_hands" in KINDS
    assert KINDS["show_of_hands"].package == "tests.kinds.show_of_hands"


def test_a_show_of_hands_plays_end_to_end(client: TestClient) -> None:
    with client:
        code, host_cookie = create_room(client)
        screen_cookie = projector_cookie(client, code, host_cookie)
        ada, grace = join(client, code, "Ada"), join(client, code, "Grace")
        with (
            live(client, code, "host", host_cookie) as host,
            live(client, code, "screen", screen_cookie) as screen,
            live(client, code, "phone", ada) as ada_phone,
            live(client, code, "phone", grace) as grace_phone,
        ):
            host.act("Added", type="add_exercise", exercise_id="hands-up")
            host.act("Started", type="start_run", run_id="r1")
            screen.until("stage", "Answer on your phone.")
            ada_phone.until("stage", "Hand up")

            ada_phone.act("Hand up", type="raise_hand", seen_phase="r1.0:ask", up="true")
            ada_phone.until("stage", "Your hand is up.")
            grace_phone.act("Hand down", type="raise_hand", seen_phase="r1.0:ask", up="false")
            # The kind's own facilitator action, and the same action refused to a phone.
            grace_phone.act("Only the facilitator", type="lower_all_hands", seen_phase="r1.0:ask")
            host.act("Every hand is down", type="lower_all_hands", seen_phase="r1.0:ask")
            ada_phone.act("Hand up", type="raise_hand", seen_phase="r1.0:ask", up="true")
            grace_phone.act("Hand up", type="raise_hand", seen_phase="r1.0:ask", up="true")

            host.act("Now: The count", type="next_phase", seen_phase="r1.0:ask")
            screen.until("stage", "2 up · 0 down")
            # The kind's rule, not a template, refuses a hand raised after the count.
            late = grace_phone.act(type="raise_hand", seen_phase="r1.0:count", up="false")
            assert "too late" in late

        markdown = client.get(f"/host/{code}/export/md", headers={"cookie": host_cookie}).text
        assert "Have you ever changed a customer" in markdown and "2 up, 0 down." in markdown
        archive = client.get(f"/host/{code}/export/csv", headers={"cookie": host_cookie})
        with zipfile.ZipFile(io.BytesIO(archive.content)) as csvs:
            rows = csvs.read("hands.csv").decode().splitlines()
        assert rows[1].endswith(",2,0")
        report = client.get(f"/host/{code}/export/html", headers={"cookie": host_cookie}).text
        assert "Show of hands" in report and "2 up, 0 down." in report


def test_a_kind_of_ones_own_gets_an_editor_with_nothing_written_for_it(client: TestClient) -> None:
    with client:
        code, host_cookie = create_room(client)
        page = client.get(f"/host/{code}/new?kind=show_of_hands", headers={"cookie": host_cookie})
        assert page.status_code == 200
        assert '<label for="f-question">Question</label>' in page.text
        typed = {
            "title": "Hands up, adapted",
            "summary": "One question.",
            "seeds": "000",
            "question": "Have you asked a customer why, today?",
        }
        items = [(key, typed.get(key, value)) for key, value in form_items(page.text)]
        shown = post_form(
            client,
            f"/host/{code}/new",
            [*items, ("op", "preview"), ("preview_step", "1")],
            host_cookie,
        )
        assert shown.status_code == 200 and "Have you asked a customer why, today?" in shown.text
        saved = post_form(
            client,
            f"/host/{code}/new",
            [*items, ("op", "save")],
            host_cookie,
            follow_redirects=False,
        )
        assert saved.status_code == 303, saved.text
        download = client.get(f"/host/{code}/exercise/r1.yaml", headers={"cookie": host_cookie})
        assert "question: Have you asked a customer why, today?" in download.text
