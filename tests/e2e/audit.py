"""Checks every screen of every phase is usable: axe-core finds no violation, nothing scrolls
sideways, nothing is loaded from another origin (the app works offline), a phone's targets are at
least 44 px, the console's cockpit fits a laptop, and the projector's stage fits a 1080p, a 720p
and a 4:3 screen with nothing cut off, its timer and room code on screen and its text read from
the back of the room.

axe-core comes from the npm registry (pinned in tests/e2e/package.json, installed by
`scripts/setup dev`). It is evaluated through the DevTools protocol, so the pages keep their
strict Content-Security-Policy while being checked.

With WORKSHOP_E2E_SCREENSHOTS set, the console, the projector (at each of its sizes) and the
phones are photographed at every moment audited, so their layout can be looked at phase by phase.
"""

import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from playwright.sync_api import Page

from tests.conftest import missing
from tests.e2e.helpers import wait_live

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
MIN_TARGET_PX = 44
# A 1080-pixel-high projector: body text at least 28 px, read from the back of the room.
PROJECTOR_MIN_TEXT_PX = 28
# The projector's stage is checked at a 16:9 1080p screen, a 720p one and a 4:3 one.
PROJECTOR_SIZES = (
    {"width": 1920, "height": 1080},
    {"width": 1280, "height": 720},
    {"width": 1024, "height": 768},
)


@cache
def axe_source() -> str:
    if not AXE.is_file():
        missing("axe-core", "run `bash scripts/setup dev` with npm installed")
    return AXE.read_text(encoding="utf-8")


# Runs in the page: every visible element that takes a tap, and its size. A radio or checkbox is
# measured by its label, which is what a thumb hits.
_SMALL_TARGETS_JS = """
(minimum) => {
  const small = [];
  const targets = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]');
  for (const element of targets) {
    let box = element;
    if (element.matches('input[type=radio], input[type=checkbox]')) {
      box = element.closest('label') || element;
    }
    const rect = box.getBoundingClientRect();
    const style = getComputedStyle(box);
    if (rect.width === 0 || rect.height === 0 || style.visibility === 'hidden') continue;
    if (box.closest('.visually-hidden')) continue;
    if (rect.width < minimum || rect.height < minimum) {
      const name = (box.innerText || box.getAttribute('aria-label') || box.name || '').trim();
      small.push(`${box.tagName.toLowerCase()} "${name.slice(0, 40)}" `
        + `${Math.round(rect.width)}x${Math.round(rect.height)}`);
    }
  }
  return small;
}
"""

_OVERFLOW_JS = """
() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) return [];
  const wide = [];
  for (const element of document.body.querySelectorAll('*')) {
    const rect = element.getBoundingClientRect();
    if (rect.right > root.clientWidth + 1 && !element.closest('.visually-hidden')) {
      wide.push(`${element.tagName.toLowerCase()}.${element.className} right=${Math.round(rect.right)}`);
    }
  }
  return [`page is ${root.scrollWidth}px wide in a ${root.clientWidth}px window`, ...wide.slice(0, 5)];
}
"""

# Runs in the page: text the projector shows (stage, join panel, timer) below the minimum size.
_SMALL_TEXT_JS = """
(minimum) => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.trim();
    const element = node.parentElement;
    if (!text || !element || element.closest('.visually-hidden, [hidden], script, style')) continue;
    if (element.closest('svg')) continue;  // charts scale with the viewBox; checked by eye
    const rect = element.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    const size = parseFloat(getComputedStyle(element).fontSize);
    if (size < minimum) small.push(`"${text.slice(0, 40)}" at ${size}px`);
  }
  return small;
}
"""


# Runs in the page: the projector is a stage that never scrolls. Anything shown that lies outside
# the window, or outside the stage body that clips it, is cut off; the timer and the room code are
# on screen.
_STAGE_JS = """
() => {
  const root = document.documentElement;
  const width = root.clientWidth, height = root.clientHeight;
  const problems = [];
  if (root.scrollHeight > height + 1) problems.push(`page is ${root.scrollHeight}px tall in a ${height}px window`);
  if (root.scrollWidth > width + 1) problems.push(`page is ${root.scrollWidth}px wide in a ${width}px window`);
  const where = el => `${el.tagName.toLowerCase()}.${el.getAttribute('class') || ''} "${(el.textContent || '').trim().slice(0, 30)}"`;
  const body = document.querySelector('#stage .stage-body');
  const clip = body ? body.getBoundingClientRect() : null;
  for (const el of document.querySelectorAll('#stage *, #join-panel *, #timer *')) {
    if (el.closest('.visually-hidden, [hidden], svg *')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.bottom > height + 1 || r.right > width + 1 || r.top < -1 || r.left < -1) {
      problems.push(`off screen: ${where(el)} at ${Math.round(r.left)},${Math.round(r.top)}-${Math.round(r.right)},${Math.round(r.bottom)}`);
    } else if (clip && body.contains(el) && (r.bottom > clip.bottom + 1 || r.right > clip.right + 1)) {
      problems.push(`cut off: ${where(el)} ends at ${Math.round(r.right)},${Math.round(r.bottom)}; the stage at ${Math.round(clip.right)},${Math.round(clip.bottom)}`);
    }
    if (problems.length > 8) break;
  }
  const inside = el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= height && r.right <= width;
  };
  const countdown = document.querySelector('#timer .countdown');
  if (countdown && !inside(countdown)) problems.push('the running timer is not on screen');
  const code = document.querySelector('#join-panel .code');
  if (!code || !inside(code)) problems.push('the room code is not on screen');
  return problems;
}
"""

# Waits until the stage has laid itself out again (stage.js fits it on resize).
_SETTLED_JS = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


# Runs in the page: anything it loaded, or links to load, from another origin (a CDN, web fonts).
_FOREIGN_JS = """
() => {
  const urls = performance.getEntriesByType('resource').map(entry => entry.name);
  document.querySelectorAll('script[src], link[href], img[src], iframe[src]').forEach(element => {
    urls.push(element.src || element.href);
  });
  return urls.filter(url => !url.startsWith(location.origin + '/') && !url.startsWith('data:'));
}
"""


# Runs in the page: what the facilitator needs now, each wholly inside the window of a laptop
# (1366 x 768) without scrolling the page; returns what is not.
_COCKPIT_JS = """
() => {
  const problems = [];
  const root = document.documentElement;
  if (window.scrollY !== 0 || window.scrollX !== 0) problems.push(`the page is scrolled`);
  if (root.scrollHeight > window.innerHeight + 1) {
    problems.push(`the page is ${root.scrollHeight}px high in a ${window.innerHeight}px window`);
  }
  const needed = [
    ['the step heading', document.getElementById('stage-heading'), true],
    ['the next-step control', document.querySelector('#stage .phase-controls .next button'), false],
    ['the Start timer button', document.querySelector('.timer-controls .timer-start button'), true],
    ['the projector miniature', document.querySelector('.miniature-box'), true],
    ['the projector controls', document.getElementById('screen-controls'), true],
    ['the people count', document.getElementById('roster-heading'), true],
  ];
  for (const [what, element, always] of needed) {
    if (!element) {
      if (always) problems.push(`${what} is missing`);
      continue;
    }
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) problems.push(`${what} is not shown`);
    else if (box.top < 0 || box.left < 0 || box.bottom > window.innerHeight + 1
             || box.right > window.innerWidth + 1) {
      problems.push(`${what} is outside the window: ${Math.round(box.left)},${Math.round(box.top)}`
        + ` to ${Math.round(box.right)},${Math.round(box.bottom)}`);
    }
  }
  // The live results (the kind's part) start inside the window, with room to show some.
  const body = document.querySelector('#stage .stage-body');
  if (body) {
    const box = body.getBoundingClientRect();
    const shown = Math.min(box.bottom, window.innerHeight) - Math.max(box.top, 0);
    if (shown < 160) problems.push(`only ${Math.round(shown)}px of the live results show`);
  }
  return problems;
}
"""
COCKPIT_SIZE = (1366, 768)
"""A laptop's window: the console fits everything the facilitator needs now in it, and more in
any larger window."""


@dataclass(frozen=True)
class Finding:
    where: str
    problems: list[str]


def axe_violations(page: Page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source() + "\n;undefined")
    results = page.evaluate(
        """async () => {
          const result = await axe.run(document, {resultTypes: ['violations']});
          return result.violations.map(v =>
            `${v.id} (${v.impact}): ${v.help}; ` +
            v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' → ' + n.failureSummary
              .replace(/\\s+/g, ' ')).join(' | '));
        }"""
    )
    return list(results)


def check_page(
    page: Page,
    *,
    phone: bool = False,
    projector: bool = False,
    console: bool = False,
    moment: str = "",
    live: bool = True,
) -> list[str]:
    """Every problem found on the page as it is now; an empty list when it passes. A console as
    large as a laptop's window or larger shows what matters now without scrolling. A page with
    no live connection (`live=False`, such as the exercise editor) is checked as it loaded."""
    if live:
        wait_live(page)
    problems = [f"axe: {violation}" for violation in axe_violations(page)]
    problems += [f"overflow: {item}" for item in page.evaluate(_OVERFLOW_JS)]
    problems += [f"loads from elsewhere: {url}" for url in page.evaluate(_FOREIGN_JS)]
    if phone:
        small = page.evaluate(_SMALL_TARGETS_JS, MIN_TARGET_PX)
        problems += [f"target under {MIN_TARGET_PX}px: {item}" for item in small]
    size = page.viewport_size or {"width": 0, "height": 0}
    if console and size["width"] >= COCKPIT_SIZE[0] and size["height"] >= COCKPIT_SIZE[1]:
        problems += [f"cockpit: {item}" for item in page.evaluate(_COCKPIT_JS)]
    if projector:
        problems += check_stage(page, moment)
    return problems


def _shot_name(moment: str, size: dict[str, int]) -> str:
    test = os.environ.get("PYTEST_CURRENT_TEST", "").split("::")[-1].split(" ")[0]
    words = re.sub(r"[^a-z0-9]+", "-", f"{test} {moment}".lower()).strip("-")
    return f"projector-{words}-{size['width']}x{size['height']}.png"


def check_stage(page: Page, moment: str = "") -> list[str]:
    """The projector at each of `PROJECTOR_SIZES`: nothing cut off or scrolled, the timer and the
    room code on screen, and at 1080p no text under `PROJECTOR_MIN_TEXT_PX`. Checked without
    motion, so that no build-up is caught half way."""
    problems: list[str] = []
    original = page.viewport_size
    page.emulate_media(reduced_motion="reduce")
    try:
        for size in PROJECTOR_SIZES:
            page.set_viewport_size(size)
            page.evaluate(_SETTLED_JS)
            at = f"{size['width']}x{size['height']}"
            problems += [f"{at}: {item}" for item in page.evaluate(_STAGE_JS)]
            # WORKSHOP_E2E_SCREENSHOTS=folder keeps what the stage showed, to be looked at.
            folder = os.environ.get("WORKSHOP_E2E_SCREENSHOTS")
            if folder:
                page.screenshot(path=Path(folder) / _shot_name(moment, size))
            if size["height"] >= 1080:
                small = page.evaluate(_SMALL_TEXT_JS, PROJECTOR_MIN_TEXT_PX)
                problems += [
                    f"{at}: text under {PROJECTOR_MIN_TEXT_PX}px: {item}" for item in small
                ]
    finally:
        page.emulate_media(reduced_motion="no-preference")
        if original is not None:
            page.set_viewport_size(original)
            page.evaluate(_SETTLED_JS)
    return problems


def audit(
    moment: str,
    *,
    console: Page | None = None,
    projector: Page | None = None,
    phones: tuple[Page, ...] | list[Page] = (),
) -> None:
    """Checks the console, the projector and the phones at one moment of an exercise; fails with
    every problem found on every screen, so one run shows them all."""
    findings: list[Finding] = []
    if console is not None:
        findings.append(Finding("console", check_page(console, console=True)))
        if folder := os.environ.get("WORKSHOP_E2E_SCREENSHOTS"):
            slug = re.sub(r"[^a-z0-9]+", "-", moment.lower()).strip("-")[:60]
            Path(folder).mkdir(parents=True, exist_ok=True)
            console.screenshot(path=Path(folder) / f"console-at-{slug}.png")
    if projector is not None:
        findings.append(Finding("projector", check_page(projector, projector=True, moment=moment)))
    for number, phone in enumerate(phones, start=1):
        size = phone.viewport_size or {"width": 0, "height": 0}
        where = f"phone {number} ({size['width']}x{size['height']})"
        findings.append(Finding(where, check_page(phone, phone=True)))
        if folder := os.environ.get("WORKSHOP_E2E_SCREENSHOTS"):
            slug = re.sub(r"[^a-z0-9]+", "-", moment.lower()).strip("-")[:60]
            at = f"{size['width']}x{size['height']}"
            phone.screenshot(
                path=Path(folder) / f"phone-{number}-{at}-at-{slug}.png", full_page=True
            )
    failed = [finding for finding in findings if finding.problems]
    if failed:
        lines = [f"{moment}:"]
        for finding in failed:
            lines.append(f"  {finding.where}:")
            lines.extend(f"    - {problem}" for problem in finding.problems)
        raise AssertionError("\n".join(lines))
