"""The baseline: the least a server must do to keep the same screens up to date.

It speaks the app's wire format to the same clients: it accepts websockets at `/ws/CODE/AUDIENCE`,
answers every frame with the same notice, and sends fragments of the same sizes (the conductor
measures them on the app and tells the baseline with a `configure` frame), but it keeps its room in
a few sets, renders nothing and sends every room-wide change with one bare
`websockets.broadcast()` of one string made once. No HTTP join, no store, no templates, no
coalescing, no keepalive pings: each change goes out at once, and between changes the server sends
nothing. Per phone and update it does what `broadcast()` does (frame the bytes and write them to
the socket) and nothing else. What the app spends beyond this is its own overhead.

Run it with `python -m bench baseline --port 8100`.
"""

import argparse
import asyncio
import html
import json
import signal
from pathlib import Path
from typing import Any

import yaml
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from bench import wire

ROOT = Path(__file__).resolve().parent.parent
MAX_FRAME_BYTES = 16 * 1024

DEFAULT_SIZES = {
    "phone_snapshot": 1200,
    "phone_poll": 1500,
    "phone_voted": 1500,
    "phone_results": 2500,
    "screen_snapshot": 9000,
    "screen_join": 8000,
    "screen_poll": 900,
    "screen_voted": 900,
    "screen_results": 2500,
    "timer": 250,
    "phone_ballot": 6000,
    "phone_ranking": 8000,
    "screen_ranking": 8000,
}
"""Fragment sizes in bytes, used until the conductor sends the ones it measured on the app."""


def pad(fragment: str, size: int) -> str:
    """The fragment, grown to `size` bytes with an HTML comment the browser would ignore."""
    missing = size - len(fragment.encode()) - len("<!---->")
    return fragment if missing <= 0 else f"{fragment}<!--{'x' * missing}-->"


def load_poll() -> tuple[str, list[tuple[str, str]]]:
    """The warm-up poll's question and (option id, label) pairs, from the exercise library."""
    document = yaml.safe_load((ROOT / "exercises" / f"{wire.EXERCISE}.yaml").read_text("utf-8"))
    options = [(str(o["id"]), str(o["label"])) for o in document["options"]]
    return str(document["question"]), options


class Room:
    def __init__(self, code: str) -> None:
        self.code = code
        self.question, self.options = load_poll()
        self.sizes = dict(DEFAULT_SIZES)
        self.phones: set[ServerConnection] = set()
        self.screens: set[ServerConnection] = set()
        """Projectors and consoles: they show the headcount and the vote count."""
        self.everyone: set[ServerConnection] = set()
        """Phones and screens, kept as they come and go rather than made for each update."""
        self.joined = 0
        self.phase = ""
        self.votes: dict[ServerConnection, str] = {}
        self.seen: set[str] = set()
        self.left = 0.0
        self.running = False
        self.seq = 0
        self.run = wire.RUN
        self.questions: dict[str, str] = {}
        """Best question's board: question id -> text, and the dots each has."""
        self.dots: dict[str, int] = {}

    # Fragments ---------------------------------------------------------------------------------

    def notice(self, message: str, tone: str = "ok") -> str:
        self.seq += 1
        return (
            f'<div id="notice" class="notice {tone}" role="status" aria-live="polite" '
            f'data-seq="{self.seq}">{html.escape(message)}</div>'
        )

    def poll_stage(self, chosen: str | None, size: str) -> str:
        buttons = "".join(
            '<form ws-send class="act choice">'
            '<input type="hidden" name="type" value="vote">'
            f'<input type="hidden" name="seen_phase" value="{wire.RUN}.0:vote">'
            f'<input type="hidden" name="option" value="{option}">'
            f'<button type="submit" aria-pressed="{"true" if option == chosen else "false"}">'
            f"{html.escape(label)}</button></form>"
            for option, label in self.options
        )
        body = (
            f'<main id="stage" class="stage"><h2>{html.escape(self.question)}</h2>{buttons}</main>'
        )
        return pad(body, self.sizes[size])

    def progress(self, size: str) -> str:
        body = (
            f'<main id="stage" class="stage"><p class="progress"><strong>{len(self.votes)}'
            f"</strong> of {self.joined} voted</p></main>"
        )
        return pad(body, self.sizes[size])

    def results(self, size: str) -> str:
        counts = dict.fromkeys((option for option, _ in self.options), 0)
        for option in self.votes.values():
            counts[option] += 1
        bars = "".join(
            f'<li><span class="bar-label">{html.escape(label)}</span> '
            f'<strong class="bar-count">{counts[option]}</strong></li>'
            for option, label in self.options
        )
        body = f'<main id="stage" class="stage"><ol class="bar-labels">{bars}</ol></main>'
        return pad(body, self.sizes[size])

    def headcount(self, size: str) -> str:
        body = (
            '<aside id="join-panel" class="join-panel"><p class="headcount">'
            f"<strong>{self.joined}</strong> joined</p></aside>"
        )
        return pad(body, self.sizes[size])

    def question_form(self) -> str:
        body = (
            '<main id="stage" class="stage"><form ws-send class="act question-slot">'
            '<input type="hidden" name="type" value="submit_question">'
            f'<input type="hidden" name="seen_phase" value="{self.run}.0:write">'
            '<input type="hidden" name="slot" value="1"><textarea name="text"></textarea>'
            '<button type="submit">Submit question 1</button></form></main>'
        )
        return pad(body, self.sizes["phone_poll"])

    def ballot(self) -> str:
        forms = "".join(
            f'<li><p class="question-text">{html.escape(text)}</p><form ws-send class="act">'
            '<input type="hidden" name="type" value="place_dot">'
            f'<input type="hidden" name="seen_phase" value="{self.run}.0:vote">'
            f'<input type="hidden" name="question" value="{question}">'
            '<button type="submit">Add a dot</button></form></li>'
            for question, text in self.questions.items()
        )
        body = f'<main id="stage" class="stage"><ul class="ballot">{forms}</ul></main>'
        return pad(body, self.sizes["phone_ballot"])

    def ranking(self, size: str) -> str:
        ranked = sorted(self.questions, key=lambda q: -self.dots[q])
        items = "".join(
            f'<li class="ranked-item"><span class="question-text">'
            f"{html.escape(self.questions[q])}</span>"
            f'<span class="dots-figure"><strong class="dot-count">{self.dots[q]}</strong> dots'
            "</span></li>"
            for q in ranked
        )
        body = (
            '<main id="stage" class="stage"><h2>The room\'s ranking</h2>'
            f'<ol class="ranked-list">{items}</ol></main>'
        )
        return pad(body, self.sizes[size])

    def timer(self) -> str:
        left = round(self.left)
        body = (
            f'<div id="timer" class="timer" data-running="{"true" if self.running else "false"}" '
            f'data-left="{left}"><span class="countdown">{left // 60}:{left % 60:02d}</span></div>'
        )
        return pad(body, self.sizes["timer"])

    # Connections -------------------------------------------------------------------------------

    async def arrive(self, ws: ServerConnection, audience: str) -> None:
        self.everyone.add(ws)
        if audience == "phone":
            self.phones.add(ws)
            self.joined += 1
            await ws.send(
                pad('<header id="me" class="me">Phone</header>', self.sizes["phone_snapshot"])
            )
            broadcast(self.screens, self.headcount("screen_join"))
        else:
            self.screens.add(ws)
            await ws.send(self.headcount("screen_snapshot"))

    def leave(self, ws: ServerConnection) -> None:
        self.phones.discard(ws)
        self.screens.discard(ws)
        self.everyone.discard(ws)

    async def handle(self, ws: ServerConnection, audience: str, message: str) -> None:
        try:
            payload: Any = json.loads(message)
            kind = payload["type"]
        except (ValueError, KeyError, TypeError):
            await ws.send(self.notice("That request was not understood.", "error"))
            return
        match kind:
            case "configure":
                self.sizes.update({k: int(v) for k, v in payload["sizes"].items()})
                await ws.send(self.notice("Configured."))
            case "vote":
                await self.vote(ws, payload)
            case "submit_question" | "place_dot":
                await self.best_question(ws, kind, payload)
            case "add_exercise":
                await ws.send(self.notice("Added."))
            case "start_run" if payload.get("run_id") == wire.RANKING_RUN:
                self.run, self.phase = wire.RANKING_RUN, "brief"
                await ws.send(self.notice("Started."))
            case "start_run":
                self.phase = "vote"
                await ws.send(self.notice("Started."))
                broadcast(self.phones, self.poll_stage(None, "phone_poll"))
                broadcast(self.screens, self.progress("screen_poll"))
            case "next_phase" if self.run == wire.RANKING_RUN:
                await self.next_step(ws)
            case "next_phase":
                self.phase = "reveal"
                await ws.send(self.notice("Now: Results."))
                broadcast(self.phones, self.results("phone_results"))
                broadcast(self.screens, self.results("screen_results"))
            case "timer_start" | "timer_pause" | "timer_add":
                if kind == "timer_start":
                    self.left, self.running = float(payload["minutes"]) * 60, True
                elif kind == "timer_pause":
                    self.running = False
                else:
                    self.left += float(payload["seconds"])
                await ws.send(self.notice("Timer changed."))
                broadcast(self.everyone, self.timer())
            case _:
                await ws.send(self.notice("That request was not understood.", "error"))

    async def next_step(self, ws: ServerConnection) -> None:
        """Best question's steps: brief, write, vote, then the ranking revealed."""
        match self.phase:
            case "brief":
                self.phase = "write"
                await ws.send(self.notice("Now: Write."))
                broadcast(self.phones, self.question_form())
            case "write":
                self.phase = "vote"
                await ws.send(self.notice("Now: Vote."))
                broadcast(self.phones, self.ballot())
            case _:
                self.phase = "reveal"
                await ws.send(self.notice("Now: Reveal."))
                broadcast(self.phones, self.ranking("phone_ranking"))
                broadcast(self.screens, self.ranking("screen_ranking"))

    async def best_question(self, ws: ServerConnection, kind: str, payload: dict[str, Any]) -> None:
        action_id = str(payload.get("action_id", ""))
        if action_id in self.seen:
            await ws.send(self.notice("Already saved ✓"))
            return
        if kind == "submit_question" and self.phase == "write":
            question = f"q{len(self.questions) + 1}"
            self.questions[question] = str(payload.get("text", ""))[:280]
            self.dots[question] = 0
            message = "Question saved ✓"
        elif kind == "place_dot" and self.phase == "vote" and payload.get("question") in self.dots:
            self.dots[str(payload["question"])] += 1
            message = "Dot placed ✓"
        else:
            await ws.send(self.notice("That is not open now.", "error"))
            return
        self.seen.add(action_id)
        await ws.send(self.notice(message))

    async def vote(self, ws: ServerConnection, payload: dict[str, Any]) -> None:
        action_id = str(payload.get("action_id", ""))
        option = str(payload.get("option", ""))
        if action_id in self.seen:
            await ws.send(self.notice("Already saved ✓"))
            return
        if self.phase != "vote" or option not in dict(self.options):
            await ws.send(self.notice("Voting is closed for this question.", "error"))
            return
        self.seen.add(action_id)
        self.votes[ws] = option
        await ws.send(self.notice("Vote saved ✓"))
        await ws.send(self.poll_stage(option, "phone_voted"))
        broadcast(self.screens, self.progress("screen_voted"))


class Baseline:
    def __init__(self) -> None:
        self.rooms: dict[str, Room] = {}

    def process_request(self, ws: ServerConnection, request: Request) -> Response | None:
        if request.path == "/healthz":
            return ws.respond(200, "ok\n")
        return None

    async def handler(self, ws: ServerConnection) -> None:
        parts = ws.request.path.strip("/").split("/") if ws.request else []
        if len(parts) != 3 or parts[0] != "ws" or parts[2] not in wire.PAGES:
            await ws.close(1008)
            return
        code, audience = parts[1], parts[2]
        room = self.rooms.setdefault(code, Room(code))
        try:
            await room.arrive(ws, audience)
            async for message in ws:
                if isinstance(message, str):
                    await room.handle(ws, audience, message)
        except ConnectionClosed:
            pass
        finally:
            room.leave(ws)


async def run(host: str, port: int) -> None:
    baseline = Baseline()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    async with serve(
        baseline.handler,
        host,
        port,
        compression=None,
        # A bare broadcast server: no pings of its own (the app's keepalive is part of its cost).
        ping_interval=None,
        max_size=MAX_FRAME_BYTES,
        process_request=baseline.process_request,
        server_header=None,
    ):
        print(f"baseline: listening on {host}:{port}", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench baseline")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    args = parser.parse_args(argv)
    asyncio.run(run(args.host, args.port))
