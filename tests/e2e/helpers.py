"""Page steps shared by the end-to-end tests: start a workshop, open the projector, join a phone."""

import re
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect


def wait_live(page: Page) -> None:
    """The page's websocket is open (app.js marks <body data-link="up">), so its forms are live."""
    expect(page.locator("body")).to_have_attribute("data-link", "up")


def start_workshop(facilitator: Page) -> str:
    facilitator.goto("/host")
    facilitator.get_by_role("button", name="Start a workshop").click()
    expect(facilitator).to_have_url(re.compile(r"/host/[A-Z0-9]+$"))
    match = re.search(r"/host/([A-Z0-9]+)$", facilitator.url)
    assert match is not None
    code = match.group(1)
    expect(facilitator.get_by_role("heading", level=1)).to_contain_text(code)
    wait_live(facilitator)
    return code


def open_projector(projector: Page, code: str, facilitator: Page) -> None:
    """Opens the projector view on another device, as the console's projector link does: the
    room code alone does not open it."""
    projector.goto(f"/screen/{code}")
    expect(projector.get_by_role("heading", name="Projector view")).to_be_visible()
    link = facilitator.get_by_label("Projector link").input_value()
    assert link.startswith("http") and f"/screen/{code}/open#" in link, link
    # Its path and key, on this test server (the link names the address phones would use).
    parts = urlsplit(link)
    projector.goto(f"{parts.path}#{parts.fragment}")
    projector.get_by_role("button", name="Show the projector view").click()
    join_panel = projector.get_by_role("complementary", name="How to join")
    expect(join_panel.get_by_text(code, exact=True)).to_be_visible()
    expect(join_panel.locator("svg.qr")).to_be_visible()
    expect(join_panel.get_by_text("0 joined")).to_be_visible()
    wait_live(projector)


def join(phone: Page, typed_code: str, name: str, code: str) -> None:
    phone.goto("/")
    phone.get_by_label("Room code").fill(typed_code)
    phone.get_by_label("Your name").fill(name)
    phone.get_by_role("button", name="Join", exact=True).click()
    expect(phone).to_have_url(re.compile(rf"/r/{code}$"))
    expect(phone.get_by_role("heading", name="You're in")).to_be_visible()
    wait_live(phone)


def show_tab(facilitator: Page, name: str) -> None:
    """Shows one of the console's tabs: Agenda, Library, Notes or Room."""
    tab = facilitator.get_by_role("tab", name=name, exact=True)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")


def add_and_start(facilitator: Page, title: str) -> None:
    """Adds an exercise from the console's library to the agenda and starts it."""
    show_tab(facilitator, "Library")
    library = facilitator.get_by_role("region", name="Exercise library")
    library.get_by_role("listitem").filter(has_text=title).get_by_role(
        "button", name="Add to agenda"
    ).click()
    expect(facilitator.locator("#notice")).to_contain_text(title)
    show_tab(facilitator, "Agenda")
    agenda = facilitator.get_by_role("region", name="Agenda")
    agenda.get_by_role("listitem").filter(has_text=title).get_by_role(
        "button", name="Start", exact=True
    ).click()
    expect(facilitator.get_by_role("heading", name=title)).to_be_visible()
