"""Acceptance: a new facilitator follows the README's "Your first session" and runs the first
exercise of the 90-minute agenda with three phones, using the README's words for every control.

The console is driven by keyboard only (Tab to reach a control, Enter to press it, and the
console's shortcut keys). The three screens are photographed for the README along the way; they
are written to docs/screenshots/ when WORKSHOP_UPDATE_SCREENSHOTS=1, elsewhere to a temporary
folder, so every run takes them.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.audit import audit
from tests.e2e.conftest import CONSOLE, PROJECTOR, REPO, NewPhone
from tests.e2e.helpers import wait_live

README = (REPO / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Your first session", 1)[-1].split("\n## ", 1)[0]

# Every control the test touches, in the README's words (checked below to be in the section).
START_WORKSHOP = "Start a workshop"
OPEN_PROJECTOR = "Open the projector view"
READY_AGENDAS = "Ready agendas"
AGENDA = "Breakthrough conversations (90 min)"
START_AGENDA = "Start this agenda"
ROOM_CODE = "Room code"
YOUR_NAME = "Your name"
JOIN = "Join"
REVEAL_KEY = "R"
WORDS = (START_WORKSHOP, OPEN_PROJECTOR, READY_AGENDAS, AGENDA, START_AGENDA, ROOM_CODE, YOUR_NAME)

QUESTION = "In a tough customer conversation, which habit is hardest for you?"
PICKS = {"Ada": "Being curious", "Grace": "Being curious", "Linus": "Being candid"}
MAX_TABS = 80


def screenshots_folder(tmp_path: Path) -> Path:
    if os.environ.get("WORKSHOP_UPDATE_SCREENSHOTS") == "1":
        return REPO / "docs" / "screenshots"
    return tmp_path


def press_by_keyboard(page: Page, target: Locator) -> None:
    """Tabs through the page until `target` has the focus, then presses Enter."""
    handle = target.element_handle()
    assert handle is not None
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(element) => document.activeElement === element", handle):
            page.keyboard.press("Enter")
            return
    raise AssertionError(f"{MAX_TABS} presses of Tab never reached {target}")


def test_the_readme_names_every_control_the_walkthrough_uses() -> None:
    assert SECTION.strip(), "README.md has no '## Your first session' section"
    missing = [word for word in WORDS if f"**{word}**" not in SECTION]
    assert not missing, f"README's first session does not mention: {missing}"
    assert f"<kbd>{REVEAL_KEY}</kbd>" in SECTION
    assert "bash scripts/run" in SECTION


@pytest.mark.browser
def test_a_new_facilitator_runs_the_first_exercise_from_the_readme(
    facilitator: Page, make_phone: NewPhone, tmp_path: Path
) -> None:
    shots = screenshots_folder(tmp_path)
    shots.mkdir(parents=True, exist_ok=True)

    # "Open http://localhost:8000/host ... press Start a workshop": the console opens.
    assert "<http://localhost:8000/host>" in SECTION
    facilitator.goto("/host")
    press_by_keyboard(facilitator, facilitator.get_by_role("button", name=START_WORKSHOP))
    expect(facilitator).to_have_url(re.compile(r"/host/[A-Z0-9]{6}$"))
    code = facilitator.url.rsplit("/", 1)[-1]
    wait_live(facilitator)

    # "Press Open the projector view and put that window on the projector."
    with facilitator.context.expect_page() as opened:
        facilitator.get_by_role("link", name=OPEN_PROJECTOR).click()
    projector = opened.value
    projector.set_viewport_size(PROJECTOR)
    join_panel = projector.get_by_role("complementary", name="How to join")
    expect(join_panel.locator("svg.qr")).to_be_visible()
    wait_live(projector)

    # "Under Ready agendas, press Start this agenda on Breakthrough conversations (90 min)."
    facilitator.bring_to_front()
    ready = facilitator.get_by_role("list", name=READY_AGENDAS).get_by_role("listitem")
    agenda_item = ready.filter(has_text=AGENDA)
    press_by_keyboard(facilitator, agenda_item.get_by_role("button", name=START_AGENDA))
    agenda = facilitator.get_by_role("region", name=re.compile(r"^Agenda"))
    expect(agenda.locator("ol.runs > li")).to_have_count(4)
    expect(agenda.get_by_role("heading")).to_contain_text("85 min planned")  # and 5 to close
    expect(agenda.locator("ol.runs > li").first).to_contain_text("running")
    expect(projector.get_by_role("heading", name=QUESTION)).to_be_visible()

    # "Participants ... fill in Room code and Your name, then press Join."
    phones: dict[str, Page] = {}
    for name in PICKS:
        phone = make_phone()
        phone.goto("/")
        phone.get_by_label(ROOM_CODE).fill(code)
        phone.get_by_label(YOUR_NAME).fill(name)
        phone.get_by_role("button", name=JOIN, exact=True).click()
        expect(phone.get_by_role("heading", name=QUESTION)).to_be_visible()
        wait_live(phone)
        phones[name] = phone
    expect(join_panel.get_by_text(f"{len(PICKS)} joined")).to_be_visible()

    # "They tap their answer; the projector counts the votes." The console's bars grow to their
    # new length, unless the facilitator's system asks for reduced motion.
    stage = facilitator.locator("#stage")
    for voted, (name, pick) in enumerate(PICKS.items(), start=1):
        if voted == 2:
            facilitator.emulate_media(reduced_motion="reduce")
        phones[name].get_by_role("button", name=re.compile(rf"^{pick}")).click()
        expect(phones[name].locator("#notice")).to_have_text("Vote saved ✓")
        expect(stage).to_contain_text(f"{voted} of {len(PICKS)} voted")
        if voted == 1:
            facilitator.wait_for_function("document.getAnimations().length > 0")
        else:
            assert facilitator.evaluate("document.getAnimations().length") == 0
    expect(projector.get_by_text(f"{len(PICKS)} of {len(PICKS)} voted")).to_be_visible()
    for page in (projector, *phones.values()):
        page.emulate_media(reduced_motion="reduce")  # still pictures for the README
    facilitator.set_viewport_size(CONSOLE)
    facilitator.screenshot(path=shots / "console.png")
    phones["Linus"].screenshot(path=shots / "phone.png")

    # "Press R (or Next: Results →) to show the results."
    facilitator.bring_to_front()
    facilitator.evaluate("document.activeElement && document.activeElement.blur()")
    facilitator.keyboard.press(REVEAL_KEY.lower())
    expect(projector.locator("li.result").filter(has_text="Being curious")).to_contain_text("2")
    announcer = projector.locator("#announce")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_contain_text("Results. The results are shown.")
    audit("the README's first exercise", console=facilitator, projector=projector)
    projector.screenshot(path=shots / "projector.png")

    # The console's other keys: P pauses a running timer, + adds a minute.
    facilitator.get_by_role("button", name="Start timer").click()
    expect(facilitator.get_by_role("button", name="Pause")).to_be_visible()
    facilitator.evaluate("document.activeElement && document.activeElement.blur()")
    facilitator.keyboard.press("p")
    expect(facilitator.get_by_role("button", name="Resume")).to_be_visible()
    expect(projector.locator("#timer")).to_contain_text("paused")
    facilitator.keyboard.press("+")
    expect(facilitator.locator("#timer .countdown")).to_have_text("6:00")
