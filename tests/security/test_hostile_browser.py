"""In a real browser, hostile names, a hostile title and hostile questions run nothing: no dialog
opens, no request goes to "/x", and the Content-Security-Policy never has to block anything."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Dialog, Page, Request, expect

from tests.e2e.conftest import NewPhone
from tests.e2e.helpers import (
    add_and_start,
    join,
    open_projector,
    show_tab,
    start_workshop,
    wait_live,
)
from tests.security.inert import NAMES, TITLE, long_text

EXERCISE = "Best question: turning a conversation"
PEOPLE = (NAMES[1], NAMES[7], NAMES[2], NAMES[0])
"""<img onerror>, "><svg onload>, hx-get/hx-trigger and <script>, one phone each."""


class Watch:
    """Everything a page does that hostile text could have caused."""

    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.blocked: list[str] = []

    def attach(self, page: Page) -> None:
        page.on("dialog", self._dialog)
        page.on("request", self._request)
        page.on("console", self._console)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _request(self, request: Request) -> None:
        path = urlsplit(request.url).path
        if path == "/x" or path.endswith("/x"):
            self.requests.append(request.url)

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.blocked.append(message.text)


def next_phase(facilitator: Page, title: str) -> None:
    facilitator.get_by_role("button", name=f"Next: {title} →").click()
    expect(facilitator.locator("#stage .phase")).to_contain_text(title)


@pytest.mark.browser
@pytest.mark.timeout(180)
def test_hostile_text_runs_nothing_in_the_browser(
    facilitator: Page, projector: Page, make_phone: NewPhone
) -> None:
    watch = Watch()
    phones = [make_phone() for _ in PEOPLE]
    for page in (facilitator, projector, *phones):
        watch.attach(page)

    code = start_workshop(facilitator)
    show_tab(facilitator, "Room")
    facilitator.get_by_label("Workshop title").fill(TITLE)
    facilitator.get_by_role("button", name="Save title").click()
    expect(facilitator.get_by_role("heading", level=1)).to_contain_text(TITLE)
    open_projector(projector, code, facilitator)
    for phone, name in zip(phones, PEOPLE, strict=True):
        join(phone, code, name, code)
        expect(phone.get_by_text(name, exact=True)).to_be_visible()
    roster = facilitator.get_by_role("region", name="People")
    for name in PEOPLE:
        expect(roster.locator(".person-name").filter(has_text=name)).to_be_visible()

    add_and_start(facilitator, EXERCISE)
    next_phase(facilitator, "Write")
    for number, phone in enumerate(phones):
        phone.get_by_label("Question 1", exact=True).fill(long_text(number))
        phone.get_by_role("button", name="Submit question 1").click()
        expect(phone.locator("#notice")).to_have_text("Question saved ✓")
        expect(phone.get_by_label("Question 1", exact=True)).to_have_value(long_text(number))
    next_phase(facilitator, "Vote")
    next_phase(facilitator, "Reveal")
    ranked = projector.locator("ol.ranked-list")
    for number in range(len(PEOPLE)):
        expect(ranked.get_by_text(long_text(number), exact=True)).to_be_visible()

    # Full renders, not just live fragments, of every screen.
    for page in (facilitator, projector, phones[0]):
        page.reload()
        wait_live(page)
    expect(facilitator.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(
        projector.locator("ol.ranked-list").get_by_text(long_text(1), exact=True)
    ).to_be_visible()
    expect(phones[0].get_by_text(PEOPLE[0], exact=True)).to_be_visible()
    for page in (facilitator, projector, *phones):
        expect(page.locator("img, [onerror], [onload], [hx-get], [hx-trigger]")).to_have_count(0)
        expect(page.locator("body script:not([src])")).to_have_count(0)
    facilitator.wait_for_timeout(500)  # room for a "load" trigger or an error handler to fire

    assert watch.dialogs == []
    assert watch.requests == []
    assert watch.blocked == []
