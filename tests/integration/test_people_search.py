"""In a big room the console lists only the latest arrivals; the facilitator finds anyone else by
name and can remove them from the results."""

import re

from starlette.testclient import TestClient

from tests.integration.helpers import HOSTILE_NAME, create_room, join, live
from tests.security.inert import assert_inert_html
from workshop.render import FOUND_LISTED, ROSTER_LISTED

REMOVE = re.compile(
    r'name="participant_id" value="([^"]+)">\s*<button type="submit">Remove ([^<]+)</button>'
)


def search(client: TestClient, code: str, cookie: str, text: str) -> str:
    response = client.get(f"/host/{code}/people", params={"find": text}, headers={"cookie": cookie})
    assert response.status_code == 200, response.text
    assert response.text.startswith('<div id="found"')
    return response.text


def test_an_early_joiner_missing_from_a_big_roster_is_found_and_removed(
    client: TestClient,
) -> None:
    code, host = create_room(client)
    join(client, code, "Zoë Early")
    for n in range(ROSTER_LISTED + 4):
        join(client, code, f"P{n:03d}")
    console = client.get(f"/host/{code}", headers={"cookie": host}).text
    assert "Zoë Early" not in console
    assert 'id="find-name"' in console

    # Any case, with or without the accents, and spaces around it are ignored.
    for typed in ("  zoe ", "ZOË", "zoë ear"):
        found = search(client, code, host, typed)
        [(participant_id, name)] = REMOVE.findall(found)
        assert name == "Zoë Early"
        assert "1 found." in found

    with live(client, code, "host", host) as screen:
        screen.act("Removed Zoë Early", type="remove_participant", participant_id=participant_id)
    assert REMOVE.findall(search(client, code, host, "Zoë")) == []
    assert "Nobody in the room has “Zoë” in their name." in search(client, code, host, "Zoë")


def test_results_are_capped_and_say_how_many_more_match(client: TestClient) -> None:
    code, host = create_room(client)
    for n in range(FOUND_LISTED + 3):
        join(client, code, f"Sam {n:02d}")
    join(client, code, "Alex")
    found = search(client, code, host, "sam")
    names = [name for _, name in REMOVE.findall(found)]
    assert names == [f"Sam {n:02d}" for n in range(FOUND_LISTED)]  # in order of arrival
    assert f"{FOUND_LISTED} found; 3 more match: type more of the name." in found
    assert [name for _, name in REMOVE.findall(search(client, code, host, "sam 2"))] == [
        "Sam 20",
        "Sam 21",
        "Sam 22",
    ]
    # Nothing typed lists nobody; a text longer than any name matches nobody.
    assert REMOVE.findall(search(client, code, host, "   ")) == []
    assert "Nobody" in search(client, code, host, "s" * 500)


def test_only_the_facilitator_can_search_and_names_stay_text(client: TestClient) -> None:
    code, host = create_room(client)
    phone = join(client, code, HOSTILE_NAME)
    for cookie in ("", phone):
        response = client.get(
            f"/host/{code}/people", params={"find": "b"}, headers={"cookie": cookie}
        )
        assert response.status_code == 403
        assert "Only the facilitator can search." in response.text
    wrong = client.get("/host/ZZZZZZ/people", params={"find": "b"})
    assert wrong.status_code == 403 and "Only the facilitator can search." in wrong.text
    found = search(client, code, host, "<script>")
    assert HOSTILE_NAME in assert_inert_html(found, "search results")
    assert "Remove &lt;script&gt;alert(1)&lt;/script&gt;&lt;b hx-get=&#34;/x&#34;&gt;" in found


def test_search_compares_names_as_uniqueness_does(client: TestClient) -> None:
    code, host = create_room(client)
    join(client, code, "\uff21lice Early")  # fullwidth A
    join(client, code, "\U0001d401en")  # mathematical bold B: no lower case of its own
    join(client, code, "\ufb01ona")  # the fi ligature
    join(client, code, "Carol")
    for typed, shown in (
        ("alice", "\uff21lice Early"),
        ("ALICE e", "\uff21lice Early"),
        ("\uff41lice", "\uff21lice Early"),
        ("ben", "\U0001d401en"),
        ("FIO", "\ufb01ona"),
        ("\uff23arol", "Carol"),
    ):
        found = search(client, code, host, typed)
        assert [name for _, name in REMOVE.findall(found)] == [shown], typed
        assert "1 found." in found
