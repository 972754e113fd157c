"""Acceptance: a facilitator adapts a copy of a pairs exercise in the browser (renames the customer,
rewrites the card), is told what is too long and fixes it, previews it, starts it, and a phone
shows the new words; the file it downloads passes the check and loads back as what was saved."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.audit import check_page
from tests.e2e.helpers import join, show_tab, start_workshop
from workshop import cli
from workshop.editor import copy_id
from workshop.exercises import check_library, load_library

ORIGINAL_ID = "challenge-pairs-respectful-challenge"
ORIGINAL_TITLE = "Respectful challenge in pairs"
TITLE = "Respectful challenge: Northfield Clinic"
CUSTOMER = "Head of haematology at Northfield Clinic"
SITUATION = (
    "You lead the haematology service at Northfield Clinic. A new oral treatment came onto the "
    "formulary last month and your team has started four patients on it."
)
LIBRARY = load_library(Path(__file__).resolve().parents[2] / "exercises")


def first_customer_card(editor: Page) -> Locator:
    return (
        editor.get_by_role("group", name="Case 1", exact=True)
        .get_by_role("group", name="Cards for the first talk")
        .get_by_role("group", name="Customer card")
    )


def screenshot(page: Page, name: str) -> None:
    if folder := os.environ.get("WORKSHOP_E2E_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(folder) / name, full_page=False)


@pytest.mark.browser
def test_a_facilitator_adapts_a_pairs_case_and_a_phone_shows_it(
    facilitator: Page, phones: list[Page], tmp_path: Path
) -> None:
    code = start_workshop(facilitator)
    for phone, name in zip(phones[:2], ("Ada", "Grace"), strict=True):
        join(phone, code, name, code)

    # 1. From the library, a copy of the pairs exercise opens in the editor.
    show_tab(facilitator, "Library")
    library = facilitator.get_by_role("region", name="Exercise library")
    library.get_by_role("listitem").filter(has_text=ORIGINAL_TITLE).get_by_role(
        "link", name="Adapt a copy"
    ).click()
    editor = facilitator
    expect(editor.get_by_role("heading", level=1)).to_contain_text(
        f"Adapt a copy of “{ORIGINAL_TITLE}”"
    )
    problems = check_page(editor, live=False)
    assert problems == [], problems

    # 2. The title and the customer change; the card's situation is rewritten, too long at first.
    editor.locator("#f-title").fill(TITLE)  # the exercise's own title, before any case's
    card = first_customer_card(editor)
    card.get_by_label("Role").fill(CUSTOMER)
    card.get_by_label("Situation").fill(SITUATION + " " + "They ask for more data. " * 50)
    # Near and over a limit, the field says how long it is as it is typed.
    expect(card.get_by_text(re.compile(r"\(1,\d{3} now\)"))).to_be_visible()

    # Leaving with changes not saved asks first; staying keeps every word.
    editor.once("dialog", lambda dialog: dialog.dismiss())
    with editor.expect_event("dialog") as leaving:
        editor.get_by_role("link", name="← Console").click()
    assert leaving.value.type == "beforeunload"
    expect(card.get_by_label("Role")).to_have_value(CUSTOMER)
    editor.get_by_role("button", name="Save for this room").click()

    # 3. Nothing is saved; the problem names the field in the facilitator's words; the words stay.
    alert = editor.get_by_role("alert")
    expect(alert).to_contain_text("1 thing to fix")
    expect(alert).to_contain_text(
        re.compile(
            r"Case 1, cards for the first talk, customer card, situation: "
            r"too long, 1,\d{3} of 1,200 characters"
        )
    )
    card = first_customer_card(editor)
    expect(card.get_by_label("Role")).to_have_value(CUSTOMER)
    expect(card.get_by_label("Situation")).to_have_attribute("aria-invalid", "true")
    screenshot(editor, "editor-a-problem.png")
    problems = check_page(editor, live=False)
    assert problems == [], problems
    alert.get_by_role("link").click()
    expect(card.get_by_label("Situation")).to_be_focused()
    card.get_by_label("Situation").fill(SITUATION)

    # 4. The preview shows a customer's phone at the reading step with the new card.
    editor.get_by_role("button", name="Preview", exact=True).click()
    preview = editor.get_by_role("complementary", name="Preview")
    preview.get_by_label("Step").select_option(label="Round 1: Read your card")
    shown = False
    for person in ("Alex", "Sam", "Kim"):
        preview = editor.get_by_role("complementary", name="Preview")
        preview.get_by_label("Phone of").select_option(label=person)
        preview.get_by_role("button", name="Show").click()
        phone_frame = editor.frame_locator('iframe[title="Phone preview"]')
        expect(phone_frame.locator("main")).to_be_visible()
        if CUSTOMER in (phone_frame.locator("main").text_content() or ""):
            shown = True
            break
    assert shown, "no previewed phone showed the new customer card"
    projector_frame = editor.frame_locator('iframe[title="Projector preview"]')
    expect(projector_frame.get_by_text("Read your card").first).to_be_visible()
    screenshot(editor, "editor-preview.png")

    # 5. Saved for this room: it is on the agenda; started, the phones hold the new card.
    editor.get_by_role("button", name="Save for this room").click()
    expect(facilitator).to_have_url(re.compile(rf"/host/{code}$"))
    show_tab(facilitator, "Agenda")
    agenda = facilitator.get_by_role("region", name="Agenda")
    item = agenda.get_by_role("listitem").filter(has_text=TITLE)
    with facilitator.expect_download() as download_info:
        item.get_by_role("link", name="File").click()
    item.get_by_role("button", name="Start", exact=True).click()
    expect(facilitator.get_by_role("heading", name=TITLE)).to_be_visible()
    for title in ("Pair up", "Read your card"):
        facilitator.get_by_role("button", name=f"Next: {title} →").click()
        expect(facilitator.locator("#notice")).to_contain_text(title)
    for phone in phones[:2]:
        expect(phone.get_by_text("Read your card: 2 minutes, no talking yet.")).to_be_visible()
    customers = [phone for phone in phones[:2] if phone.get_by_text(CUSTOMER).count() > 0]
    assert len(customers) == 1, "one phone of the pair holds the customer's card"
    expect(customers[0].get_by_text(SITUATION)).to_be_visible()

    # 6. The downloaded file passes the check and loads back as what was saved.
    folder = tmp_path / "exercises"
    folder.mkdir()
    download_info.value.save_as(folder / download_info.value.suggested_filename)
    assert cli.main(["exercises", "check", "--dir", str(folder)]) == 0
    loaded, errors = check_library(folder)
    assert errors == []
    adapted = loaded[copy_id(ORIGINAL_ID)]
    original = LIBRARY.exercises[ORIGINAL_ID]
    assert adapted.kind == "challenge_pairs" and original.kind == "challenge_pairs"
    customer = adapted.cases[0].first.customer
    assert (adapted.title, customer.role, customer.situation) == (TITLE, CUSTOMER, SITUATION)
    first = original.cases[0].first
    expected = original.model_copy(
        update={
            "id": copy_id(ORIGINAL_ID),
            "title": TITLE,
            "cases": [
                original.cases[0].model_copy(
                    update={
                        "first": first.model_copy(
                            update={
                                "customer": first.customer.model_copy(
                                    update={"role": CUSTOMER, "situation": SITUATION}
                                )
                            }
                        )
                    }
                ),
                *original.cases[1:],
            ],
        }
    )
    assert adapted == expected
