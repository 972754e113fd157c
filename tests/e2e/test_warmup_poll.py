"""Acceptance: a whole warm-up poll across console, projector and three phones, all live."""

import re

import pytest
from playwright.sync_api import Dialog, Locator, Page, expect

from tests.e2e.audit import audit
from tests.e2e.helpers import add_and_start, join, open_projector, start_workshop, wait_live

EXERCISE = "Warm-up: the hardest habit"
QUESTION = "In a tough customer conversation, which habit is hardest for you?"
CHOICES = ("Being candid", "Being collaborative", "Being compassionate", "Being curious")
HOSTILE_NAME = '<script>alert(1)</script><b hx-get="/x">'


def mark_document(page: Page) -> None:
    """Tag the current document, so a later check can tell it was never reloaded."""
    page.evaluate("window.e2eSameDocument = true")


def assert_same_document(page: Page) -> None:
    assert page.evaluate("window.e2eSameDocument === true"), f"{page.url} was reloaded"


def choice(phone: Page, label: str) -> Locator:
    """A poll choice button; the chosen one's accessible name gains the CSS check mark " ✓"."""
    answers = phone.get_by_role("group", name="Your answer")
    return answers.get_by_role("button", name=re.compile(rf"^{re.escape(label)}( ✓)?$"))


@pytest.mark.browser
def test_warmup_poll_from_start_to_results(
    facilitator: Page, projector: Page, phones: list[Page]
) -> None:
    # 1. The facilitator starts a workshop and lands on its console.
    code = start_workshop(facilitator)

    # 2. The projector shows the code, a QR code and nobody joined yet.
    open_projector(projector, code, facilitator)

    audit("an empty room", console=facilitator, projector=projector)
    mark_document(facilitator)
    mark_document(projector)

    # 3. Three phones join by code (one types it in lower case) and name.
    names = ("Ada", "Grace", "Linus")
    typed = (code.lower(), code, code)
    for phone, typed_code, name in zip(phones, typed, names, strict=True):
        join(phone, typed_code, name, code)

    # 4. The console roster and the projector's headcount follow without a reload.
    roster = facilitator.get_by_role("region", name=re.compile(r"^People\b"))
    expect(roster.get_by_role("heading", name=re.compile(r"^People 3\b"))).to_be_visible()
    for name in names:
        expect(roster.get_by_text(name, exact=True)).to_be_visible()
    expect(projector.get_by_text("3 joined")).to_be_visible()
    assert_same_document(facilitator)
    assert_same_document(projector)

    # 5. The facilitator adds the warm-up from the library and starts it.
    add_and_start(facilitator, EXERCISE)

    for phone in phones:
        expect(phone.get_by_role("heading", name=QUESTION)).to_be_visible()
        for label in CHOICES:
            expect(choice(phone, label)).to_be_visible()
            expect(choice(phone, label)).to_have_attribute("aria-pressed", "false")
        expect(phone.get_by_role("group", name="Your answer").get_by_role("button")).to_have_count(
            len(CHOICES)
        )
    expect(projector.get_by_role("heading", name=QUESTION)).to_be_visible()
    audit("the poll is open", console=facilitator, projector=projector, phones=phones)

    # 6. Each phone votes, sees its vote saved and its choice marked; the projector counts voters.
    picks = ("Being curious", "Being curious", "Being candid")
    for phone, pick in zip(phones, picks, strict=True):
        choice(phone, pick).click()
        expect(phone.get_by_role("status").filter(has_text="Vote saved ✓")).to_be_visible()
        expect(choice(phone, pick)).to_have_attribute("aria-pressed", "true")
        for other in CHOICES:
            if other != pick:
                expect(choice(phone, other)).to_have_attribute("aria-pressed", "false")
    expect(projector.get_by_text("3 of 3 voted")).to_be_visible()
    expect(projector.locator("ol.results")).to_have_count(0)
    expect(projector.locator(".bar-count")).to_have_count(0)
    audit("everyone voted", console=facilitator, projector=projector, phones=phones)

    # 7. A phone reloaded mid-poll keeps its identity and its vote.
    phone3 = phones[2]
    phone3.reload()
    expect(phone3).to_have_url(re.compile(rf"/r/{code}$"))
    expect(phone3.get_by_text(names[2], exact=True)).to_be_visible()
    expect(choice(phone3, "Being candid")).to_have_attribute("aria-pressed", "true")
    wait_live(phone3)

    # 8. The facilitator reveals the results: the projector and the phones show the bar chart.
    facilitator.get_by_role("button", name="Next: Results →").click()
    expect(projector.locator("ol.results")).to_be_visible()
    expected = {"Being curious": "2", "Being candid": "1", "Being collaborative": "0"}
    for label, count in expected.items():
        bar = projector.locator("li.result").filter(has_text=label)
        expect(bar.locator(".bar-count")).to_have_text(count)
    # Read from the back of the room: the share on each bar, and the winner marked.
    winner = projector.locator("li.result").filter(has_text="Being curious")
    expect(winner.locator(".bar-pct")).to_have_text("67%")
    expect(winner.locator(".winner-mark")).to_have_text("★ most votes")
    expect(projector.locator(".winner-mark")).to_have_count(1)
    for phone, pick in zip(phones, picks, strict=True):
        expect(phone.locator("ol.results")).to_be_visible()
        expect(
            phone.locator("li.result").filter(has_text="Being curious").locator(".bar-count")
        ).to_have_text("2")
        expect(phone.get_by_text(f"You voted: {pick}")).to_be_visible()
        expect(phone.get_by_role("group", name="Your answer")).to_have_count(0)
    audit("the results", console=facilitator, projector=projector, phones=phones)
    # A smaller projector, and a phone turned sideways.
    projector.set_viewport_size({"width": 1280, "height": 720})
    phones[0].set_viewport_size({"width": 844, "height": 390})
    audit("the results, 720p and landscape", projector=projector, phones=phones[:1])
    assert_same_document(facilitator)
    assert_same_document(projector)


@pytest.mark.browser
def test_hostile_name_is_shown_as_text(
    facilitator: Page, projector: Page, phones: list[Page]
) -> None:
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    phone = phones[0]
    screens = (facilitator, projector, phone)
    for page in screens:
        page.on("dialog", record)

    code = start_workshop(facilitator)
    open_projector(projector, code, facilitator)
    join(phone, code, HOSTILE_NAME, code)

    roster = facilitator.get_by_role("region", name=re.compile(r"^People\b"))
    expect(roster.get_by_role("heading", name=re.compile(r"^People 1\b"))).to_be_visible()
    expect(roster.get_by_text(HOSTILE_NAME, exact=True)).to_be_visible()
    expect(projector.get_by_text("1 joined")).to_be_visible()
    expect(phone.get_by_text(HOSTILE_NAME, exact=True)).to_be_visible()

    # A fresh full render of the console must escape the name too, not just the live update.
    facilitator.reload()
    wait_live(facilitator)
    expect(roster.get_by_text(HOSTILE_NAME, exact=True)).to_be_visible()

    for page in screens:
        expect(page.locator("b[hx-get]")).to_have_count(0)
        expect(page.locator("body script:not([src])")).to_have_count(0)
    assert dialogs == []
