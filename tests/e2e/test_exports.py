"""Acceptance: after a warm-up poll the console downloads the session summary in every format,
an anonymised copy leaves the names out, and a phone whose card holds nothing has no link to it."""

import csv
import datetime
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import REPO
from tests.e2e.helpers import add_and_start, join, show_tab, start_workshop

EXERCISE = "Warm-up: the hardest habit"
QUESTION = "In a tough customer conversation, which habit is hardest for you?"
NAMES = ("Ada Lovelace", "Grace Hopper", "Linus Pauling")
PICKS = ("Being curious", "Being curious", "Being candid")
COUNTS = {
    "Being candid": 1,
    "Being collaborative": 0,
    "Being compassionate": 0,
    "Being curious": 2,
}
CSV_FILES = {"submissions.csv", "votes.csv", "ratings.csv", "debate_posts.csv"}
SCHEMA = REPO / "docs" / "summary.schema.json"


def utc_day() -> str:
    return datetime.datetime.now(datetime.UTC).date().isoformat()


def download(page: Page, link: Locator) -> tuple[str, bytes]:
    """Click a download link; return the browser's suggested filename and the file's bytes."""
    with page.expect_download() as info:
        link.click()
    item = info.value
    path = item.path()
    assert item.failure() is None, f"{item.suggested_filename}: {item.failure()}"
    return item.suggested_filename, Path(path).read_bytes()


def assert_filename(filename: str, code: str, days: set[str], suffix: str) -> None:
    """`workshop-CODE-DATE<suffix>`, DATE being the room's creation day (UTC)."""
    match = re.fullmatch(rf"workshop-{code}-(\d{{4}}-\d{{2}}-\d{{2}}){re.escape(suffix)}", filename)
    assert match is not None, f"unexpected filename {filename!r}"
    assert match.group(1) in days, f"{filename!r} is not dated {sorted(days)}"


def play_poll(facilitator: Page, phones: list[Page]) -> None:
    """Add the warm-up, start it, let each phone vote, and reveal the results."""
    add_and_start(facilitator, EXERCISE)

    for phone, pick in zip(phones, PICKS, strict=True):
        expect(phone.get_by_role("heading", name=QUESTION)).to_be_visible()
        answers = phone.get_by_role("group", name="Your answer")
        answers.get_by_role("button", name=re.compile(rf"^{re.escape(pick)}( ✓)?$")).click()
        expect(phone.get_by_role("status").filter(has_text="Vote saved ✓")).to_be_visible()
    expect(facilitator.get_by_text(re.compile(r"^3 of 3 voted"))).to_be_visible()

    facilitator.get_by_role("button", name="Next: Results →").click()
    for phone, pick in zip(phones, PICKS, strict=True):
        expect(phone.get_by_text(f"You voted: {pick}")).to_be_visible()


def check_markdown(text: str) -> None:
    assert QUESTION in text
    lines = text.splitlines()
    for option, votes in COUNTS.items():
        assert f"| {option} | {votes} |" in lines, f"no table row for {option} with {votes}"


def check_json(body: bytes) -> None:
    summary: dict[str, Any] = json.loads(body)
    jsonschema.validate(summary, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert summary["anonymised"] is False
    assert sorted(p["name"] for p in summary["participants"]) == sorted(NAMES)
    polls = [e for e in summary["exercises"] if e["kind"] == "warmup_poll"]
    assert len(polls) == 1
    poll = polls[0]
    assert poll["title"] == EXERCISE
    assert poll["question"] == QUESTION
    assert {r["option"]: r["votes"] for r in poll["results"]} == COUNTS
    assert sorted((v["participant"], v["option"]) for v in poll["votes"]) == sorted(
        zip(NAMES, PICKS, strict=True)
    )


def check_csv_zip(body: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert set(archive.namelist()) == CSV_FILES
        votes_csv = archive.read("votes.csv").decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(votes_csv, newline="")))
    assert sorted((r["kind"], r["participant"], r["choice"]) for r in rows) == sorted(
        ("poll", name, pick) for name, pick in zip(NAMES, PICKS, strict=True)
    )


def check_html(text: str) -> None:
    assert QUESTION in text
    assert "<script" not in text.lower()


@pytest.mark.browser
def test_console_exports_every_format_and_phone_downloads_its_card(
    facilitator: Page, phones: list[Page]
) -> None:
    # 1. A short warm-up poll: three phones join, vote, and the facilitator reveals the results.
    day_before = utc_day()
    code = start_workshop(facilitator)
    days = {day_before, utc_day()}
    for phone, name in zip(phones, NAMES, strict=True):
        join(phone, code, name, code)
    play_poll(facilitator, phones)

    # 2. The console's "Session summary" panel downloads each format, named by room and date.
    show_tab(facilitator, "Room")
    exports = facilitator.get_by_role("region", name="Session summary")
    full = exports.locator("p").filter(has=facilitator.get_by_role("link", name="CSV (zip)"))
    anonymised = exports.locator("p").filter(has_text="Anonymised")

    filename, body = download(facilitator, full.get_by_role("link", name="Markdown", exact=True))
    assert_filename(filename, code, days, ".md")
    check_markdown(body.decode("utf-8"))

    filename, body = download(facilitator, full.get_by_role("link", name="JSON", exact=True))
    assert_filename(filename, code, days, ".json")
    check_json(body)

    filename, body = download(facilitator, full.get_by_role("link", name="CSV (zip)"))
    assert_filename(filename, code, days, "-csv.zip")
    check_csv_zip(body)

    filename, body = download(facilitator, full.get_by_role("link", name="Printable report (HTML)"))
    assert_filename(filename, code, days, ".html")
    check_html(body.decode("utf-8"))

    # 3. The anonymised Markdown keeps the poll but names nobody.
    filename, body = download(
        facilitator, anonymised.get_by_role("link", name="Markdown", exact=True)
    )
    assert_filename(filename, code, days, "-anonymised.md")
    text = body.decode("utf-8")
    check_markdown(text)
    for name in NAMES:
        assert name not in text, f"the anonymised Markdown names {name}"

    # 4. The console says how long the room's data is kept.
    expect(
        exports.get_by_text(
            re.compile(r"^This room's data is kept until \d{1,2} \w+ \d{4}, \d{2}:\d{2} UTC\b")
        )
    ).to_be_visible()

    # 5. A poll puts nothing on anyone's feedback card, so no phone links to it; the card itself
    # still holds its owner's name and nobody else's.
    phone = phones[0]
    expect(phone.get_by_role("link", name="Download my feedback card")).to_have_count(0)
    response = phone.request.get(f"/r/{code}/card")
    assert response.ok, response.status
    disposition = response.headers["content-disposition"]
    filename = disposition.split('filename="', 1)[1].rstrip('"')
    assert_filename(filename, code, days, "-my-feedback.html")
    card = response.text()
    assert NAMES[0] in card
    for other in NAMES[1:]:
        assert other not in card, f"{NAMES[0]}'s card names {other}"
    assert "<script" not in card.lower()
