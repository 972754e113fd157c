"""The projector as a stage: join details the hero only in the lobby, a timer always on screen,
and the console's keys for blanking it, showing how to join and a dark theme for a dim room."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.audit import audit
from tests.e2e.helpers import add_and_start, join, open_projector, start_workshop

EXERCISE = "Warm-up: the hardest habit"

# The colour of the stage's background, as the projector draws it.
_BACKGROUND_JS = "() => getComputedStyle(document.body).backgroundColor"
# What the middle of the screen shows: the element a viewer's eye lands on.
_MIDDLE_JS = """() => {
  const element = document.elementFromPoint(innerWidth / 2, innerHeight / 2);
  return element ? (element.id || element.className || element.tagName) : '';
}"""


def press(console: Page, key: str) -> None:
    """A key pressed on the console with nothing focused, as a facilitator does mid-session."""
    console.bring_to_front()
    console.evaluate("document.activeElement && document.activeElement.blur()")
    console.keyboard.press(key)


def brightness(colour: str) -> float:
    """0 (black) to 255 (white) for an "rgb(r, g, b)" colour."""
    red, green, blue = (float(part) for part in colour[colour.index("(") + 1 : -1].split(",")[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


@pytest.mark.browser
def test_the_stage_gives_the_screen_to_the_content_and_obeys_the_console(
    facilitator: Page, projector: Page, phones: list[Page]
) -> None:
    code = start_workshop(facilitator)
    open_projector(projector, code, facilitator)
    join(phones[0], code, "Ada", code)
    join_panel = projector.get_by_role("complementary", name="How to join")
    qr = join_panel.locator("svg.qr")
    # The lobby: the code and the QR code are the hero.
    expect(qr).to_be_visible()
    lobby_qr = qr.bounding_box()
    assert lobby_qr is not None and lobby_qr["height"] > 400, lobby_qr
    audit("the lobby", console=facilitator, projector=projector)

    # An exercise starts: the join details shrink to a strip with the code; the QR goes.
    add_and_start(facilitator, EXERCISE)
    expect(qr).to_have_count(0)
    expect(join_panel.get_by_text(code, exact=True)).to_be_visible()
    strip = join_panel.bounding_box()
    assert strip is not None and strip["height"] < 0.12 * 1080, strip
    facilitator.get_by_role("button", name="Start timer").click()
    timer = projector.locator("#timer .countdown")
    expect(timer).to_have_text("5:00")
    box = timer.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 1080 and box["height"] > 60, box
    audit("a poll with the timer running", console=facilitator, projector=projector)

    # J shows how to join over the stage for latecomers; J again puts it away.
    press(facilitator, "j")
    expect(qr).to_be_visible()
    expect(projector.locator("#stage")).to_be_visible()
    audit("how to join shown", console=facilitator, projector=projector)
    press(facilitator, "j")
    expect(qr).to_have_count(0)

    # "." blanks the projector, as a presentation tool does; "." again brings the stage back.
    press(facilitator, ".")
    expect(projector.locator("#look")).to_have_attribute("data-blank", "true")
    assert projector.evaluate(_MIDDLE_JS) == "look"
    assert brightness(projector.evaluate("() => getComputedStyle(look).backgroundColor")) == 0
    press(facilitator, ".")
    expect(projector.locator("#look")).to_have_attribute("data-blank", "false")
    assert projector.evaluate(_MIDDLE_JS) != "look"

    # A dark stage for a dim room, chosen on the console; every screen check still passes.
    assert brightness(projector.evaluate(_BACKGROUND_JS)) > 200
    dark = facilitator.get_by_role("group", name="Projector controls").get_by_role(
        "button", name="Dark"
    )
    expect(dark).to_have_attribute("aria-pressed", "false")
    dark.click()
    expect(dark).to_have_attribute("aria-pressed", "true")
    expect(projector.locator("#look")).to_have_attribute("data-theme", "dark")
    assert brightness(projector.evaluate(_BACKGROUND_JS)) < 60
    audit("a dark stage", console=facilitator, projector=projector)
    dark.click()
    expect(projector.locator("#look")).to_have_attribute("data-theme", "light")


@pytest.mark.browser
def test_results_build_up_only_for_those_who_want_motion(
    facilitator: Page, projector: Page, phones: list[Page]
) -> None:
    code = start_workshop(facilitator)
    open_projector(projector, code, facilitator)
    join(phones[0], code, "Ada", code)
    add_and_start(facilitator, EXERCISE)
    phones[0].get_by_role("button", name="Being curious").click()
    facilitator.get_by_role("button", name="Next: Results →").click()
    bar = projector.locator("li.result.leading rect.bar")
    expect(bar).to_be_visible()
    growing = "el => getComputedStyle(el).animationName"
    assert bar.evaluate(growing) == "grow"
    projector.emulate_media(reduced_motion="reduce")
    assert bar.evaluate(growing) == "none"
