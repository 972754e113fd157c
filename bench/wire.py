"""What travels over the wire: the frames a browser's htmx ws extension sends, and how to read the
HTML fragments the server pushes back.

Both the app and the baseline server speak this, so the same clients drive both.
"""

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

PAGES = {"host": "host", "screen": "screen", "phone": "r"}
"""Which page opens each audience's websocket: `/host/CODE`, `/screen/CODE`, `/r/CODE`."""

EXERCISE = "warmup-hardest-habit"
"""The warm-up poll every scenario runs: one question, four options, one changeable vote each."""
RUN = "r1"
"""The id the app gives the first exercise added to a room's agenda."""
RANKING_EXERCISE = "best-question-first-meetings"
"""The best-question exercise whose ranking is revealed after the poll: a share of the phones write
a question, every phone dots one, and the facilitator reveals the ranked list."""
RANKING_RUN = "r2"
"""The id the app gives the second exercise added."""
RANKED = 'class="ranked-list"'
"""Marks the ranked list of questions, on the projector and on every phone."""
DOT_COUNT = re.compile(r'<strong class="dot-count">(\d+)</strong>')

NOTICE = re.compile(r'<div id="notice" class="notice (ok|error)"[^>]*>(.*?)</div>', re.S)
FORM = re.compile(r"<form ws-send\b[^>]*>(.*?)</form>", re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
BUTTON = re.compile(r"<button\b([^>]*)>(.*?)</button>", re.S)
TIMER_LEFT = re.compile(r'\bdata-left="(\d+)"')
HEADCOUNT = re.compile(r"(\d+) joined\b")
VOTED = re.compile(r"(\d+) of (\d+) voted\b")
# A chart's row: its label, then (after its share and a mark for the most chosen) its count.
BAR = re.compile(
    r'<span class="bar-label"[^>]*>(.*?)</span>(?:(?!class="bar-label").)*?'
    r'<(?:strong|span) class="bar-count">(\d+)</',
    re.S,
)


def frame(fields: Mapping[str, Any], page_url: str) -> str:
    """A frame as the htmx ws extension sends it: the form's values plus a `HEADERS` object."""
    payload: dict[str, Any] = {
        **fields,
        "HEADERS": {
            "HX-Request": "true",
            "HX-Trigger": None,
            "HX-Trigger-Name": None,
            "HX-Target": "",
            "HX-Current-URL": page_url,
        },
    }
    return json.dumps(payload)


_ACTION_MARK = "__action_id__"


def frame_parts(fields: Mapping[str, Any], page_url: str) -> tuple[str, str]:
    """A frame made once, in two parts around its action id: `before + id + after` is
    `frame({**fields, "action_id": id}, page_url)` for an id of letters, digits, `-` and `_`
    (which JSON writes as they are). The vote flood sends thousands of frames a second from one
    core; encoding each one again would make the load generator, not the server, the limit."""
    before, marker, after = frame({**fields, "action_id": _ACTION_MARK}, page_url).partition(
        f'"{_ACTION_MARK}"'
    )
    assert marker, "the action id is written once"
    return before + '"', '"' + after


def action_id(kind: str, seed: int, phone: int, step: int) -> str:
    """A client-made action id (8 to 64 letters, digits, `-` or `_`), unique per run."""
    return f"{kind}-{seed}-{phone:05d}-{step}"


@dataclass(frozen=True)
class Notice:
    tone: Literal["ok", "error"]
    message: str


def notice(fragment: str) -> Notice | None:
    """The outcome notice a frame is answered with, if `fragment` is one."""
    found = NOTICE.fullmatch(fragment.strip())
    if found is None:
        return None
    tone: Literal["ok", "error"] = "ok" if found.group(1) == "ok" else "error"
    return Notice(tone, html.unescape(text(found.group(2))))


def region(fragment: str, region_id: str) -> str | None:
    """The element with id `region_id` in a fragment, with everything inside it."""
    start = re.search(rf'<([a-z][a-z0-9]*)\b[^>]*\bid="{re.escape(region_id)}"', fragment)
    if start is None:
        return None
    tag = start.group(1)
    depth = 0
    for token in re.finditer(rf"<(/?){tag}\b[^>]*>", fragment[start.start() :]):
        depth += -1 if token.group(1) else 1
        if depth == 0:
            return fragment[start.start() : start.start() + token.end()]
    return fragment[start.start() :]


def text(fragment: str) -> str:
    """Visible text with tags dropped and whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]*>", " ", fragment).split())


@dataclass(frozen=True)
class Choice:
    """One answer button of a poll, with the hidden fields its form sends."""

    fields: dict[str, str]
    label: str
    pressed: bool


def choices(stage: str) -> list[Choice]:
    """The vote buttons of a poll's stage, as the browser would submit them."""
    found = []
    for body in FORM.findall(stage):
        fields = {name: html.unescape(value) for name, value in HIDDEN.findall(body)}
        button = BUTTON.search(body)
        if fields.get("type") != "vote" or button is None:
            continue
        label = html.unescape(text(button.group(2)))
        found.append(Choice(fields, label, 'aria-pressed="true"' in button.group(1)))
    return found


def forms(stage: str, kind: str) -> list[dict[str, str]]:
    """The hidden fields of each of a stage's forms that send an action of this type."""
    found = []
    for body in FORM.findall(stage):
        fields = {name: html.unescape(value) for name, value in HIDDEN.findall(body)}
        if fields.get("type") == kind:
            found.append(fields)
    return found


def dots_shown(stage: str) -> int:
    """Every dot on a ranked list of questions."""
    return sum(int(count) for count in DOT_COUNT.findall(stage))


def pressed(stage: str) -> str | None:
    """The option the stage shows as this phone's vote, if any."""
    return next((c.fields.get("option") for c in choices(stage) if c.pressed), None)


def bar_counts(stage: str) -> dict[str, int]:
    """Option label -> count, from a revealed poll's chart."""
    return {html.unescape(text(label)): int(count) for label, count in BAR.findall(stage)}


def headcount(panel: str) -> int | None:
    found = HEADCOUNT.search(text(panel))
    return int(found.group(1)) if found else None


def voted(stage: str) -> int | None:
    found = VOTED.search(text(stage))
    return int(found.group(1)) if found else None


def timer_left(timer: str) -> int | None:
    found = TIMER_LEFT.search(timer)
    return int(found.group(1)) if found else None
