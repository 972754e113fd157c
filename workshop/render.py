"""View models for each audience, and the Jinja environment that turns them into HTML.

Views decide what each audience may see; templates only lay it out. Every live region of a screen
is a named block whose root element carries the region's id, so the same block serves the full page
and the out-of-band fragment sent over the websocket.
"""

import functools
import re
import unicodedata
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import segno
from jinja2 import (
    ChoiceLoader,
    Environment,
    PackageLoader,
    PrefixLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from markupsafe import Markup

from workshop import i18n, words
from workshop.agendas import Agenda
from workshop.assets import StaticAssets, default_assets
from workshop.caching import Lru
from workshop.exercises import Library
from workshop.i18n import N_, Message
from workshop.kinds import KINDS, PhaseSpec, kind_of
from workshop.models import RoomMeta, RoomState, Run, Timer, name_key
from workshop.settings import STATIC_DIR

REGIONS: dict[str, tuple[str, ...]] = {
    "host": (
        "room-header",
        "roster",
        "agenda",
        "notes",
        "room-settings",
        "stage",
        "timer",
        "timer-controls",
        "screen-controls",
        "announce",
    ),
    "screen": ("look", "join-panel", "stage", "timer", "announce"),
    "phone": ("me", "stage", "timer", "announce", "card-link"),
}


@dataclass(frozen=True)
class Audience:
    kind: Literal["host", "screen", "phone"]
    participant_id: str = ""
    personal: Hashable = None
    """What a kind's view of a phone's stage is given when the kind declares what is personal
    there (`Kind.phone_key`): that key, and no participant id. The view can then show nothing
    personal that the key does not name, so phones with equal keys are shown the same stage."""

    @property
    def key(self) -> str:
        return f"phone:{self.participant_id}" if self.kind == "phone" else self.kind


@dataclass(frozen=True)
class TimerView:
    running: bool
    seconds_left: int
    total: int

    @property
    def label(self) -> str:
        minutes, seconds = divmod(self.seconds_left, 60)
        return f"{minutes}:{seconds:02d}"


@dataclass(frozen=True)
class StageView:
    run: Run
    phase: PhaseSpec
    phase_number: int
    phase_count: int
    phase_key: str
    is_first: bool
    is_last: bool
    next_title: str
    next_reveals: bool
    """The next step shows the room its results."""
    round_number: int
    round_count: int
    round_word: str
    """What the kind calls a round ("Round", "Debate")."""
    view: object
    """The kind's view model, limited to what this audience may see (see `Kind.view`)."""
    template: str
    """The kind's stage template for this audience."""


@dataclass(frozen=True)
class PersonView:
    id: str
    name: str
    online: bool


def timer_view(timer: Timer | None, now: float) -> TimerView | None:
    if timer is None:
        return None
    return TimerView(timer.running, round(timer.seconds_left(now)), round(timer.total))


def stage_view(state: RoomState, viewer: Audience) -> StageView | None:
    run = state.current_run
    if run is None:
        return None
    kind = kind_of(run.exercise)
    view = kind.view(state, run, _stage_viewer(state, viewer))
    template = f"{kind.name}/{kind.templates[viewer.kind]}"
    count = len(run.phases)
    position = run.round * count + run.phase
    last = position == run.rounds * count - 1
    following = run.phases[(run.phase + 1) % count]
    next_title = "" if last else following.title
    if not last and run.phase + 1 == count:
        next_title = Message("Round %(number)s: %(step)s", number=run.round + 2, step=next_title)
    return StageView(
        run=run,
        phase=run.current_phase,
        phase_number=run.phase + 1,
        phase_count=count,
        phase_key=run.phase_key,
        is_first=position == 0,
        is_last=last,
        next_title=next_title,
        next_reveals=not last and following.reveals,
        round_number=run.round + 1,
        round_count=run.rounds,
        round_word=kind.round_word,
        view=view,
        template=template,
    )


@dataclass(frozen=True)
class AgendaView:
    agenda: Agenda
    titles: list[str]
    """The title of each item's exercise, in order."""


@dataclass(frozen=True)
class LanguagesView:
    """The languages an exercise can be played in, for the library's badges."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    """Each language's name in the language being spoken."""
    foreign: str
    """The language the exercise's texts are shown in when it is not the one being spoken (its
    file's own), for the page to mark them so; else ''."""


def languages_view(codes: tuple[str, ...]) -> LanguagesView:
    return _languages_view(codes, i18n.current())


@functools.cache
def _languages_view(codes: tuple[str, ...], speaking: str) -> LanguagesView:
    names = tuple(i18n.language_name(code, speaking) for code in codes)
    return LanguagesView(codes, names, "" if speaking in codes else codes[0])


FULLY_KEYED_REGIONS = frozenset({"me", "card-link"})
"""Phone regions whose key (see `phone_keys`) determines their HTML entirely, not only its personal
part."""
PHONE_OWN_REGIONS = tuple(r for r in REGIONS["phone"] if r in FULLY_KEYED_REGIONS)
"""A phone's regions that only it shows, rendered for it alone when their key changes."""
PHONE_SHARED_REGIONS = tuple(r for r in REGIONS["phone"] if r not in FULLY_KEYED_REGIONS)
"""A phone's other regions, rendered once per distinct key and shared by phones that have it."""

# `_phone_keys` gives the keys in this order; "timer" and "announce" show nothing personal.
assert PHONE_OWN_REGIONS == ("me", "card-link") and PHONE_SHARED_REGIONS == (
    "stage",
    "timer",
    "announce",
)

PhoneKeys = tuple[tuple[Hashable, ...], tuple[Hashable, ...]]
"""The keys of a phone's regions: those of `PHONE_OWN_REGIONS`, then of `PHONE_SHARED_REGIONS`."""
_PHONE_KEYS = "phone keys"
"""Where a read keeps its `phone_keys` (in `RoomState.derived`)."""
_STAGE_KEY = "stage key"
"""Where a read keeps its kind's `phone_key` (in `RoomState.derived`)."""
_CARD_HOLDERS = "card holders"
"""Where a read keeps `card_holders` (in `RoomState.derived`)."""


def card_holders(state: RoomState) -> frozenset[str]:
    """Everyone with something on their personal card: feedback received, a question ranked, a
    post written, in any exercise played so far whose data the read holds (a room's shared read
    holds every one; see `Store.load`). Worked out once per read."""
    holders: frozenset[str] | None = state.derived.get(_CARD_HOLDERS)
    if holders is None:
        found: set[str] = set()
        for run in state.meta.agenda:
            if run.started:
                found |= kind_of(run.exercise).card_holders(state, run)
        holders = state.derived[_CARD_HOLDERS] = frozenset(found)
    return holders


def _stage_key(state: RoomState) -> Callable[[str], Hashable] | None:
    """The current kind's `phone_key` for this read (None when nothing runs, or when the kind has
    not worked out what is personal on a phone's stage)."""
    if _STAGE_KEY not in state.derived:
        run = state.current_run
        state.derived[_STAGE_KEY] = (
            kind_of(run.exercise).phone_key(state, run) if run is not None else None
        )
    key: Callable[[str], Hashable] | None = state.derived[_STAGE_KEY]
    return key


def _stage_viewer(state: RoomState, viewer: Audience) -> Audience:
    """Who a kind's view is drawn for: a phone, when its kind declares what is personal on its
    stage, only as that (see `Audience.personal`)."""
    key = _stage_key(state) if viewer.kind == "phone" else None
    return viewer if key is None else Audience("phone", personal=key(viewer.participant_id))


def phone_keys(state: RoomState) -> Callable[[str], PhoneKeys]:
    """For each region of a phone, everything personal it shows, as a function of the participant.
    Phones with equal keys are shown the same HTML, so a region is rendered once per refresh for
    each distinct key rather than once per phone. A key must name everything personal the region
    shows: where that has not been worked out for an exercise, the key is the participant's id,
    which no other phone shares. Set up once per read: a refresh asks it for every phone."""
    keys: Callable[[str], PhoneKeys] | None = state.derived.get(_PHONE_KEYS)
    if keys is None:
        keys = state.derived[_PHONE_KEYS] = _phone_keys(state)
    return keys


def _phone_keys(state: RoomState) -> Callable[[str], PhoneKeys]:
    people = state.participants
    run = state.current_run
    stage_key = _stage_key(state)
    shared_by = kind_of(run.exercise).name if run is not None else ""
    holders = card_holders(state)

    def keys(participant_id: str) -> PhoneKeys:
        me = people.get(participant_id)
        if me is None or me.removed:
            return (("me", participant_id, None), ("card", False)), (("idle", False), (), ())
        stage: Hashable
        if run is None:
            stage = ("idle", True)
        elif stage_key is not None:
            stage = (shared_by, stage_key(participant_id))
        else:
            stage = ("person", participant_id)
        me_key = ("me", participant_id, me.name)
        return (me_key, ("card", participant_id in holders)), (stage, (), ())

    return keys


def me_context(state: RoomState, participant_id: str) -> dict[str, Any]:
    """All a phone's own regions need: who it is, and whether its feedback card has anything on
    it yet (the link to it shows only then)."""
    me = state.participants.get(participant_id)
    present = me is not None and not me.removed
    return {
        "code": state.meta.code,
        "me": me if present else None,
        "has_card": present and participant_id in card_holders(state),
    }


def announcement(stage: StageView | None) -> str:
    """What a screen reader says when the room moves on: the exercise and its step."""
    if stage is None:
        return N_("Waiting for the first exercise.")
    said = (
        Message(
            "%(exercise)s: %(word)s %(number)s of %(of)s, %(step)s.",
            exercise=stage.run.exercise.title,
            word=stage.round_word,
            number=stage.round_number,
            of=stage.round_count,
            step=stage.phase.title,
        )
        if stage.round_count > 1
        else Message(
            "%(exercise)s: %(step)s.", exercise=stage.run.exercise.title, step=stage.phase.title
        )
    )
    return Message.joined(said, N_("The results are shown.")) if stage.phase.reveals else said


def dom_id(value: str) -> str:
    """An element id that is also a plain CSS selector (htmx looks preserved elements up by one)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", value)


@functools.lru_cache(maxsize=256)
def qr_svg(url: str) -> Markup:
    code = segno.make(url, error="m")
    svg = code.svg_inline(
        scale=1, border=2, omitsize=True, svgclass="qr", dark="#000", light="#fff"
    )
    return Markup(svg)  # noqa: S704 - generated by segno from our own URL; no user text inside


NOTICES_KEPT = 512
PIECES_KEPT = 4096
"""Pieces kept (see `Renderer.piece`): a ballot's items in each state a phone may see them in,
for every question of the round, with room to spare."""
_SEQ_MARK = "\x00"
"""Stands for a notice's number while its wording is rendered (no message holds it: names are
cleaned of control characters, and the rest is our own wording)."""


def design_tokens() -> Markup:
    """The design system's token sheet (static/tokens.css), for the `<style>` of the standalone
    exports, which load nothing from elsewhere."""
    sheet = (STATIC_DIR / "tokens.css").read_text(encoding="utf-8")
    if "</" in sheet:
        raise ValueError("tokens.css must not hold '</': it is written inside a <style> element")
    return Markup(sheet)  # noqa: S704 - the app's own file, checked above


@functools.lru_cache(maxsize=8192)
def _said(language: str, message: str, plain: bool) -> Markup:
    """A template's message in `language`, as Jinja's new-style gettext makes it: safe markup
    (the catalogs are the app's own), and, when it has no parameters (`plain`), formatted once
    already, so that an escaped "%%" reads "%"."""
    said = Markup(i18n.translations(language).gettext(message))  # noqa: S704 - our catalogs
    return said % {} if plain else said


@pass_context
def _gettext(context: Context, message: str, /, **variables: Any) -> str:
    """Jinja's new-style `_()` and `gettext()`: the message in the language being spoken, its
    parameters escaped into it."""
    if not context.eval_ctx.autoescape:
        return i18n.gettext(message) % variables
    if variables:
        return _said(i18n.current(), message, False) % variables
    return _said(i18n.current(), message, True)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int, /, **variables: Any) -> str:
    """Jinja's new-style `ngettext()` (and a `{% trans %}` block's plural): the form that agrees
    with `n`, which is the `num` parameter unless another is given."""
    variables.setdefault("num", n)
    said = i18n.ngettext(singular, plural, n)
    if context.eval_ctx.autoescape:
        return Markup(said) % variables  # noqa: S704 - our catalogs
    return said % variables


class Renderer:
    def __init__(self, assets: StaticAssets | None = None) -> None:
        self.env = Environment(
            # The app's own templates, then each registered kind's, under its name: a kind's
            # stage template is "<kind name>/host.html" and so on.
            loader=ChoiceLoader(
                [
                    PackageLoader("workshop", "templates"),
                    PrefixLoader(
                        {
                            name: PackageLoader(kind.package, "templates")
                            for name, kind in KINDS.items()
                        }
                    ),
                ]
            ),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            # Templates ship with the package: looking one up must not stat its file each time
            # (every fragment and every notice looks one up).
            auto_reload=False,
            extensions=["jinja2.ext.i18n"],
        )
        # Every word goes through the catalogs of the language being spoken where it is drawn
        # (`i18n.speaking`): one environment, and one compiled template, for every language.
        # Trimmed, as `workshop translations update` extracts them.
        self.env.policies["ext.i18n.trimmed"] = True
        self.env.install_gettext_callables(  # type: ignore[attr-defined]
            i18n.gettext, i18n.ngettext, newstyle=True
        )
        # The same callables, saying each message once per language (see `_said`): the
        # extension's own wrappers cost several times the lookup on every word of every fragment.
        self.env.globals.update(_=_gettext, gettext=_gettext, ngettext=_ngettext)
        self.env.filters["dom_id"] = dom_id
        self.env.filters["number"] = words.number
        self.env.filters["decimal"] = words.decimal
        # A label within a sentence ("Remove case 2"; German keeps a noun's capital).
        self.env.filters["within"] = words.within
        # Words marked where they were made and kept as plain text since (a summary's data).
        self.env.filters["translated"] = i18n.translated
        self.env.globals["language"] = i18n.current
        self.env.globals["languages"] = i18n.LANGUAGES
        self.env.globals["count"] = words.count
        # A page drawn for the editor's preview: still, with no live connection to the room.
        self.env.globals["preview"] = False
        self.env.globals["static_url"] = (assets or default_assets()).url
        self.env.filters["moment"] = words.moment
        self.env.filters["day"] = words.day
        self.env.globals["design_tokens"] = design_tokens()
        # What the printable report needs of each registered kind: its label and its section.
        self.env.globals["kind_names"] = {name: kind.label for name, kind in KINDS.items()}
        self.env.globals["kind_exports"] = {
            name: f"{name}/{kind.export_template}" for name, kind in KINDS.items()
        }
        self._notices: Lru[tuple[str, str, str], tuple[str, str]] = Lru("notices", NOTICES_KEPT)
        self._pieces: Lru[Hashable, Markup] = Lru("pieces", PIECES_KEPT)
        self.env.globals["piece"] = self.piece
        # Macros are globals, not per-template imports, so blocks rendered alone can call them.
        macros = self.env.get_template("_macros.html").module
        for name in (
            "act",
            "timer_region",
            "bars_chart",
            "progress",
            "ranked_list",
            "link_status",
            "mark",
            "announcer",
        ):
            self.env.globals[name] = getattr(macros, name)

    def page(self, template: str, /, **context: Any) -> str:
        return self.env.get_template(template).render(context)

    def notice(self, message: str, tone: str, seq: int) -> str:
        """The notice fragment, in the language being spoken. Each wording is rendered once per
        language and kept in two parts around its number: every action is answered with one,
        and a burst of votes is thousands a second of the same few wordings."""
        said = str(i18n.say(message))
        key = (i18n.current(), said, tone)
        parts = self._notices.get(key)
        if parts is None:
            html = self.page("_notice.html", message=said, tone=tone, seq=_SEQ_MARK)
            # The number comes before the message in the template: the first mark is it.
            before, _, after = html.partition(_SEQ_MARK)
            parts = (before, after)
            self._notices.put(key, parts)
        return f"{parts[0]}{seq}{parts[1]}"

    def piece(self, template: str, /, **context: Hashable) -> Markup:
        """A small template drawn from `context` alone (hashable values), kept by what it is drawn
        from: an item that many screens show alike, each among items of its own (a phone's ballot
        lists the same questions as every other, in an order of its own), is drawn once."""
        key = (template, i18n.current(), *sorted(context.items()))
        html = self._pieces.get(key)
        if html is None:
            html = Markup(self.page(template, **context))  # noqa: S704 - our template's output
            self._pieces.put(key, html)
        return html

    def regions(
        self, name: str, context: Mapping[str, Any], regions: tuple[str, ...]
    ) -> dict[str, str]:
        template = self.env.get_template(name)
        ctx = template.new_context(dict(context))
        return {
            region: "".join(template.blocks[region.replace("-", "_")](ctx)) for region in regions
        }


ROSTER_LISTED = 100
"""The console lists at most this many people: the latest to arrive."""
FOUND_LISTED = 20
"""A search of the room's people lists at most this many."""


def _unaccented(name: str) -> str:
    """A name as a search compares it: the name's `name_key` (the comparison that keeps names
    unique: "alice" finds it in fullwidth letters), with the accents dropped ("Zoë" is found as "zoe")."""
    spelled = unicodedata.normalize("NFKD", name_key(name))
    return "".join(ch for ch in spelled if not unicodedata.combining(ch))


def find_people(state: RoomState, text: str) -> tuple[list[PersonView], int]:
    """People still in the room whose name holds `text`, whatever the case or the accents, in
    order of arrival: the first `FOUND_LISTED`, and how many more match. In a big room the
    console lists only the latest arrivals; this is how the facilitator reaches anyone else."""
    wanted = _unaccented(text)
    if not wanted:
        return [], 0
    found = [p for p in state.present if wanted in _unaccented(p.name)]
    listed = found[:FOUND_LISTED]
    return [PersonView(p.id, p.name, p.id in state.online) for p in listed], len(found) - len(
        listed
    )


TIMER_REGIONS = frozenset({"timer", "timer-controls"})
"""The regions that show the timer, drawn from `timer_context` alone: after a change of the timer
and nothing else, every screen drawn from the room as it was before draws these only."""


def timer_context(meta: RoomMeta, now: float) -> dict[str, Any]:
    """All that `TIMER_REGIONS` are drawn from."""
    return {"timer": timer_view(meta.timer, now), "server_now": now}


def room_context(
    state: RoomState,
    viewer: Audience,
    now: float,
    join_url: str,
    library: Library,
) -> dict[str, Any]:
    """Everything a screen's template needs, limited to what this audience may see."""
    meta = state.meta
    base: dict[str, Any] = {
        "code": meta.code,
        "room_language": meta.language,
        "title": meta.title,
        "locked": meta.locked,
        "look": meta.screen,
        "headcount": len(state.present),
        "stage": stage_view(state, viewer),
        **timer_context(meta, now),
        "join_url": join_url,
        # What people type: the address without its scheme; the code goes in the page's form.
        "join_address": urlsplit(join_url).netloc,
    }
    base["announcement"] = announcement(base["stage"])
    if viewer.kind == "host":
        present = state.present
        # A big room lists its latest arrivals, the ones a facilitator looks for (a name to
        # welcome, or one to remove): two thousand names help nobody and cost every refresh.
        listed = present[-ROSTER_LISTED:]
        base["people"] = [PersonView(p.id, p.name, p.id in state.online) for p in listed]
        base["unlisted"] = len(present) - len(listed)
        base["online_count"] = len(state.present_ids.intersection(state.online))
        base["agenda"] = meta.agenda
        base["current"] = meta.current
        # The library as the room would add it: in its language, where a translation exists.
        offered = library.exercises_in(meta.language)
        base["library"] = sorted(offered.values(), key=lambda e: (e.kind, e.title))
        base["library_languages"] = {
            exercise_id: languages_view(library.languages(exercise_id))
            for exercise_id in library.exercises
        }
        agendas = (agenda.in_language(meta.language) for agenda in library.agendas.values())
        base["agendas"] = [
            AgendaView(agenda, [offered[item.exercise].title for item in agenda.items])
            for agenda in sorted(agendas, key=lambda agenda: agenda.title)
        ]
        base["planned_minutes"] = sum(run.planned_minutes for run in meta.agenda)
    elif viewer.kind == "screen":
        base["qr"] = qr_svg(join_url)
    else:
        base |= me_context(state, viewer.participant_id)
    return base
