"""Acceptance: the facilitator finds someone by name on the console and removes them from there.
In a big room the roster lists only the latest arrivals; the search reaches everyone."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.audit import audit
from tests.e2e.helpers import join, show_tab, start_workshop


@pytest.mark.browser
def test_the_facilitator_finds_a_participant_by_name_and_removes_them(
    facilitator: Page, phones: list[Page]
) -> None:
    code = start_workshop(facilitator)
    zoe, sam = phones[0], phones[1]
    join(zoe, code, "Zoë Early", code)
    join(sam, code, "Sam", code)
    roster = facilitator.get_by_role("region", name=re.compile(r"^People\b"))
    expect(roster.get_by_role("heading", name=re.compile(r"^People 2\b"))).to_be_visible()

    show_tab(facilitator, "Room")
    finder = facilitator.get_by_role("region", name="Find someone")
    finder.get_by_label("Name, or part of it").fill("zoe")
    finder.get_by_role("button", name="Find", exact=True).click()
    expect(finder.get_by_text("1 found.")).to_be_visible()
    audit("a search of the people", console=facilitator)

    finder.get_by_role("button", name="Remove Zoë Early").click()
    expect(facilitator.locator("#notice")).to_have_text("Removed Zoë Early.")
    expect(roster.get_by_role("heading", name=re.compile(r"^People 1\b"))).to_be_visible()
    expect(zoe.get_by_role("heading", name="You are no longer in this workshop")).to_be_visible()
    expect(sam.get_by_role("heading", name="You're in")).to_be_visible()

    finder.get_by_role("button", name="Find", exact=True).click()
    expect(finder.get_by_text("Nobody in the room has “zoe” in their name.")).to_be_visible()
