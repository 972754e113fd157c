"""The console as a cockpit: what matters now fits a laptop's window, focus stays where the
facilitator was after every action, and `?` lists the keys.

Screenshots of the console at 1366 x 768 and 1920 x 1080 are written to WORKSHOP_E2E_SCREENSHOTS,
or else to the test's temporary folder.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.audit import audit, check_page
from tests.e2e.conftest import CONSOLE, PROJECTOR, NewPhone
from tests.e2e.helpers import join, show_tab, start_workshop, wait_live

POLL = "Warm-up: the hardest habit"
QUESTIONS = "Best question: turning a conversation"
CHOICES = ("Being candid", "Being collaborative", "Being compassionate")

# Runs in the page: what has focus, as "tag: accessible name (title)".
_FOCUSED_JS = """
() => {
  const element = document.activeElement;
  if (!element || element === document.body) return 'body';
  const name = (element.getAttribute('aria-label') || element.textContent || '').trim()
    .replace(/\\s+/g, ' ');
  const title = element.getAttribute('title');
  return `${element.tagName.toLowerCase()}: ${name}` + (title ? ` (${title})` : '');
}
"""


def focused(page: Page) -> str:
    return str(page.evaluate(_FOCUSED_JS))


def press(page: Page, control: Locator) -> None:
    """As from the keyboard: focus the control, press Enter."""
    control.focus()
    expect(control).to_be_focused()
    page.keyboard.press("Enter")


def notice_says(page: Page, text: str) -> None:
    expect(page.locator("#notice")).to_contain_text(text)


def still_on(page: Page, expected: str) -> None:
    """Focus is on the named control (not lost to the page) once the live update has landed."""
    try:
        page.wait_for_function(f"(expected) => ({_FOCUSED_JS})() === expected", arg=expected)
    except PlaywrightTimeoutError:
        pytest.fail(f"focus is on {focused(page)!r}, not on {expected!r}")


def shots_folder(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("WORKSHOP_E2E_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shoot(page: Page, folder: Path, name: str) -> None:
    """The console at a laptop's size and a large screen's, each checked by the audit first."""
    for size in (CONSOLE, PROJECTOR):
        page.set_viewport_size(size)
        problems = check_page(page, console=True)
        assert not problems, f"{name} at {size}: {problems}"
        page.screenshot(path=folder / f"console-{name}-{size['width']}.png")
    page.set_viewport_size(CONSOLE)


@pytest.mark.browser
def test_focus_stays_where_the_facilitator_was(facilitator: Page) -> None:
    start_workshop(facilitator)

    # Add to agenda: the library is not redrawn; focus stays on the button pressed.
    show_tab(facilitator, "Library")
    library = facilitator.get_by_role("region", name="Exercise library")
    for title in (POLL, QUESTIONS):
        add = library.get_by_role("button", name="Add to agenda").and_(
            facilitator.get_by_title(f"Add {title} to the agenda")
        )
        press(facilitator, add)
        notice_says(facilitator, f"Added “{title}”")
        still_on(facilitator, f"button: Add to agenda (Add {title} to the agenda)")

    # Start: the agenda is redrawn and the started one has no buttons any more; focus moves on to
    # the next exercise's Start.
    show_tab(facilitator, "Agenda")
    agenda = facilitator.get_by_role("region", name=re.compile("^Agenda"))
    # Both are on the agenda before the first starts (the notice can come before the redraw).
    expect(agenda.get_by_role("button", name="Start", exact=True)).to_have_count(2)
    press(facilitator, agenda.get_by_role("button", name="Start", exact=True).first)
    expect(facilitator.get_by_role("heading", name=POLL)).to_be_visible()
    still_on(facilitator, f"button: Start (Start {QUESTIONS})")

    # Next: the stage is redrawn; on the last step there is no Next, so focus goes on to what
    # follows it, the live results. Back from there: on the first step there is no Back, and
    # focus again goes on to what followed it. Next, pressed again, stays Next.
    press(facilitator, facilitator.get_by_role("button", name="Next: Results →"))
    expect(facilitator.locator("#stage .phase")).to_contain_text("Results")
    still_on(facilitator, "div: Live results")
    press(facilitator, facilitator.get_by_role("button", name="← Back"))
    expect(facilitator.locator("#stage .phase")).to_contain_text("Vote")
    still_on(facilitator, "div: Live results")

    # The timer: Pause becomes Resume in the same place, and back.
    press(facilitator, facilitator.get_by_role("button", name="Start timer"))
    expect(facilitator.get_by_role("button", name="Pause")).to_be_visible()
    press(facilitator, facilitator.get_by_role("button", name="Pause"))
    expect(facilitator.locator("#timer .paused")).to_be_visible()
    still_on(facilitator, "button: Resume")
    facilitator.keyboard.press("Enter")
    expect(facilitator.locator("#timer .paused")).to_have_count(0)
    still_on(facilitator, "button: Pause")
    press(facilitator, facilitator.get_by_role("button", name="+1 min"))
    notice_says(facilitator, "Timer changed.")
    still_on(facilitator, "button: +1 min")

    # The projector's toggles keep their place whichever way they are set.
    blank = facilitator.get_by_role("button", name="Blank", exact=True)
    press(facilitator, blank)
    expect(blank).to_have_attribute("aria-pressed", "true")
    still_on(facilitator, "button: Blank (Blank the projector, or show it again)")
    facilitator.keyboard.press("Enter")
    expect(blank).to_have_attribute("aria-pressed", "false")
    still_on(facilitator, "button: Blank (Blank the projector, or show it again)")

    # Lock becomes Unlock, in the Room tab.
    show_tab(facilitator, "Room")
    press(facilitator, facilitator.get_by_role("button", name="Lock the room"))
    expect(facilitator.get_by_role("button", name="Unlock the room")).to_be_visible()
    still_on(facilitator, "button: Unlock the room")
    facilitator.keyboard.press("Enter")
    expect(facilitator.get_by_role("button", name="Lock the room")).to_be_visible()
    still_on(facilitator, "button: Lock the room")


@pytest.mark.browser
def test_question_mark_lists_the_keys_and_escape_closes(facilitator: Page) -> None:
    start_workshop(facilitator)
    help_button = facilitator.get_by_role("button", name="Keys")
    dialog = facilitator.get_by_role("dialog", name="Keyboard shortcuts")

    # By its key, from wherever focus is; Escape returns focus there.
    show_tab(facilitator, "Library")
    add = facilitator.get_by_role("button", name="Add to agenda").first
    add.focus()
    facilitator.keyboard.press("?")
    expect(dialog).to_be_visible()
    for key, meaning in (
        ("N", "Next step"),
        ("R", "Reveal the results"),
        ("B", "Back one step"),
        ("P", "Pause or resume the timer"),
        ("+", "One more minute"),
        (".", "Blank the projector"),
        ("J", "how to join"),
        ("F", "Full screen"),
        ("?", "This help"),
    ):
        term = dialog.locator("dt").filter(has=facilitator.locator("kbd", has_text=key))
        expect(term.first.locator("xpath=following-sibling::dd[1]")).to_contain_text(meaning)
    audit("the keys help", console=facilitator)
    facilitator.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(add).to_be_focused()

    # By the button; Escape returns focus to it.
    press(facilitator, help_button)
    expect(dialog).to_be_visible()
    facilitator.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(help_button).to_be_focused()


@pytest.mark.browser
def test_the_tabs_work_from_the_keyboard(facilitator: Page) -> None:
    start_workshop(facilitator)
    agenda_tab = facilitator.get_by_role("tab", name="Agenda")
    agenda_tab.focus()
    for key, name in (("ArrowRight", "Library"), ("End", "Room"), ("Home", "Agenda")):
        facilitator.keyboard.press(key)
        tab = facilitator.get_by_role("tab", name=name)
        expect(tab).to_be_focused()
        expect(tab).to_have_attribute("aria-selected", "true")
        panel = facilitator.locator(f"#{tab.get_attribute('aria-controls')}")
        expect(panel).to_be_visible()
    expect(facilitator.locator("[role=tabpanel]:visible")).to_have_count(1)


@pytest.mark.browser
@pytest.mark.timeout(180)
def test_the_cockpit_shows_the_projector_live(
    facilitator: Page, make_phone: NewPhone, tmp_path: Path
) -> None:
    folder = shots_folder(tmp_path)
    code = start_workshop(facilitator)
    mini = facilitator.frame_locator("iframe[title='What the projector shows']")
    expect(mini.get_by_text(code, exact=True).first).to_be_attached()
    # The miniature never takes focus, nor a click.
    assert facilitator.locator(".miniature-box").evaluate("box => box.inert") is True
    shoot(facilitator, folder, "ready")

    phones = [make_phone() for _ in CHOICES]
    for phone, name in zip(phones, ("Ada", "Bea", "Cy"), strict=True):
        join(phone, code, name, code)
    show_tab(facilitator, "Library")
    facilitator.get_by_role("button", name="Add to agenda").and_(
        facilitator.get_by_title(f"Add {POLL} to the agenda")
    ).click()
    notice_says(facilitator, "Added")
    show_tab(facilitator, "Agenda")
    facilitator.get_by_role("button", name="Start", exact=True).click()
    expect(mini.get_by_role("heading", level=1).first).to_be_attached()
    for phone, pick in zip(phones, CHOICES, strict=True):
        wait_live(phone)
        phone.get_by_role("button", name=re.compile(rf"^{pick}")).click()
        expect(phone.locator("#notice")).to_have_text("Vote saved ✓")
    expect(facilitator.locator("#stage")).to_contain_text("3 of 3 voted")
    audit("the poll, voted", console=facilitator)
    shoot(facilitator, folder, "poll-voted")

    facilitator.keyboard.press("n")
    expect(facilitator.locator("#stage .phase")).to_contain_text("Results")
    facilitator.keyboard.press(".")
    expect(facilitator.get_by_role("button", name="Blank", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(mini.locator("body")).to_be_attached()
    audit("the poll's results, projector blank", console=facilitator)
    shoot(facilitator, folder, "poll-results-blank")

    # The console follows the system's dark mode, through the tokens.
    facilitator.emulate_media(color_scheme="dark")
    assert facilitator.evaluate("getComputedStyle(document.body).backgroundColor") != (
        "rgb(244, 245, 249)"
    )
    shoot(facilitator, folder, "poll-results-dark")
    facilitator.emulate_media(color_scheme="light")

    # A narrow window stacks the panels; nothing scrolls sideways.
    facilitator.set_viewport_size({"width": 400, "height": 800})
    assert not check_page(facilitator)
    facilitator.screenshot(path=folder / "console-narrow-400.png", full_page=True)
    facilitator.set_viewport_size(CONSOLE)
