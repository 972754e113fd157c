"""What one app process holds while it runs: settings, store, hub, rules service and renderer."""

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import HTTPConnection

from workshop import i18n, network
from workshop.caching import Lru, Refresh
from workshop.exercises import Library
from workshop.hub import Hub
from workshop.identity import ParticipantCookies, RoomKeys
from workshop.models import RoomState
from workshop.render import (
    PHONE_OWN_REGIONS,
    PHONE_SHARED_REGIONS,
    REGIONS,
    TIMER_REGIONS,
    Audience,
    Renderer,
    me_context,
    phone_keys,
    room_context,
    timer_context,
)
from workshop.service import Rooms
from workshop.settings import Settings
from workshop.store import Store

ROSTERS_KEPT = 256

Shown = tuple[Hashable, Hashable, tuple[int, ...]]
"""What a screen shows: the key of its own regions, the keys of its shared ones and a digest of
each of its other regions."""
NOTHING_SHOWN: Shown = (None, None, ())


@dataclass
class Runtime:
    settings: Settings
    store: Store
    hub: Hub
    rooms: Rooms
    renderer: Renderer
    cookies: ParticipantCookies
    keys: RoomKeys
    library: Library
    connections: set[Any] = field(default_factory=set)
    rosters: Lru[str, tuple[Hashable, str]] = field(
        default_factory=lambda: Lru("console rosters", ROSTERS_KEPT)
    )
    """Each room's console roster as last rendered, with what it was rendered from: in a big room
    it is the largest render, and it changes only when someone joins, leaves or (dis)connects."""
    lan_addresses: Callable[[], list[str]] = field(default_factory=network.LanAddresses)
    """This machine's addresses on the local network, the likeliest for phones first."""

    def base_url(self, conn: HTTPConnection) -> str:
        return network.phones_base_url(
            str(conn.base_url),
            public_url=self.settings.public_url,
            listening_on=self.settings.host,
            addresses=self.lan_addresses,
        )

    def join_url(self, conn: HTTPConnection, code: str) -> str:
        return f"{self.base_url(conn)}/r/{code}"

    def context(self, state: RoomState, audience: Audience, conn: HTTPConnection) -> dict[str, Any]:
        join_url = self.join_url(conn, state.meta.code)
        context = room_context(state, audience, time.time(), join_url, self.library)
        if audience.kind == "host":
            context["unreachable"] = network.unreachable(
                join_url, public_url=self.settings.public_url, listening_on=self.settings.host
            )
        return context

    def render_regions(
        self, state: RoomState, audience: Audience, conn: HTTPConnection
    ) -> dict[str, str]:
        context = self.context(state, audience, conn)
        return self.renderer.regions(f"{audience.kind}.html", context, REGIONS[audience.kind])

    def live_regions(
        self,
        state: RoomState,
        audience: Audience,
        conn: HTTPConnection,
        refresh: Refresh,
    ) -> dict[str, str]:
        """Every region of one screen, drawn as `live_update` draws it: `refresh` is shared by all
        the room's screens, so the console and the projector are
        rendered once, and each shared phone region once per distinct key (see `phone_keys`)."""
        if audience.kind != "phone":
            return self._screen_regions(state, audience, conn, refresh)
        _, shared = phone_keys(state)(audience.participant_id)
        regions = self._own_regions(state, audience)
        regions |= self._phone_shared_regions(state, audience, conn, refresh, shared)
        return {region: regions[region] for region in REGIONS["phone"]}

    def live_update(
        self,
        state: RoomState,
        audience: Audience,
        conn: HTTPConnection,
        refresh: Refresh,
        shown: Shown,
        timer_alone: bool = False,
    ) -> tuple[Shown, str]:
        """What one screen must be sent after a change: the regions whose HTML differs from what
        `shown` says it shows, as one fragment ("" when nothing changed), and what it shows then.
        `timer_alone`: only the timer can have changed since it was drawn (see
        `Refresh.timer_alone_since`), so only the regions that show it are drawn.

        Screens that show the same and are due the same regions share the work through `refresh`: in a room of 2,000 phones that is a few lookups per phone, and
        the fragment is one string object for all of them, so that it is encoded once."""
        own_key, _, digests = shown
        own_html = ""
        own: Hashable = None
        shared: tuple[Hashable, ...] | None = None
        if audience.kind == "phone":
            mine, shared = phone_keys(state)(audience.participant_id)
            # Its own regions are drawn again when they change, or the language does.
            own = (mine, i18n.current())
            if own != own_key:
                own_html = "".join(self._own_regions(state, audience).values())
            group: Hashable = ("phone", shared, digests, i18n.current())
        else:
            group = (audience.kind, digests, i18n.current())
        updates = refresh.updates
        update = updates.get(group)
        if update is None and timer_alone and digests:
            update = updates[group] = self._timer_update(state, audience, digests)
        if update is None:
            if shared is not None:
                regions = self._phone_shared_regions(state, audience, conn, refresh, shared)
            else:
                regions = self._screen_regions(state, audience, conn, refresh)
            fresh = tuple(hash(html) for html in regions.values())
            update = updates[group] = (
                fresh,
                "".join(
                    html
                    for index, html in enumerate(regions.values())
                    if index >= len(digests) or digests[index] != fresh[index]
                ),
            )
        return (own, shared, update[0]), own_html + update[1] if own_html else update[1]

    def _timer_update(
        self, state: RoomState, audience: Audience, digests: tuple[int, ...]
    ) -> tuple[tuple[int, ...], str]:
        """A screen's update after a change of the timer alone: its timer regions drawn from the
        timer alone (not from the whole room), the others as shown (a phone's own regions are
        left to `live_update`)."""
        names = PHONE_SHARED_REGIONS if audience.kind == "phone" else REGIONS[audience.kind]
        drawn = self.renderer.regions(
            f"{audience.kind}.html",
            timer_context(state.meta, time.time()),
            tuple(name for name in names if name in TIMER_REGIONS),
        )
        fresh = tuple(
            hash(drawn[name]) if name in drawn else digest
            for name, digest in zip(names, digests, strict=True)
        )
        html = "".join(
            html for name, html in drawn.items() if hash(html) != digests[names.index(name)]
        )
        return fresh, html

    def _own_regions(self, state: RoomState, audience: Audience) -> dict[str, str]:
        me = me_context(state, audience.participant_id)
        return self.renderer.regions("phone.html", me, PHONE_OWN_REGIONS)

    def _phone_shared_regions(
        self,
        state: RoomState,
        audience: Audience,
        conn: HTTPConnection,
        refresh: Refresh,
        keys: tuple[Hashable, ...],
    ) -> dict[str, str]:
        """A phone's regions other than its own (`keys` are theirs, in `PHONE_SHARED_REGIONS`
        order), each rendered once per key and refresh."""
        regions: dict[str, str] = {}
        missing: dict[str, Hashable] = {}
        language = i18n.current()
        for region, key in zip(PHONE_SHARED_REGIONS, keys, strict=True):
            html = refresh.regions.get((region, key, language))
            if html is None:
                missing[region] = key
            else:
                regions[region] = html
        if missing:
            context = self.context(state, audience, conn)
            fresh = self.renderer.regions("phone.html", context, tuple(missing))
            for region, html in fresh.items():
                refresh.regions[(region, missing[region], language)] = html
                regions[region] = html
        return {region: regions[region] for region in PHONE_SHARED_REGIONS}

    def _screen_regions(
        self,
        state: RoomState,
        audience: Audience,
        conn: HTTPConnection,
        refresh: Refresh,
    ) -> dict[str, str]:
        """The console's or the projector's regions, rendered once per refresh and language."""
        screen = (audience.kind, i18n.current())
        rendered = refresh.screens.get(screen)
        if rendered is None:
            if audience.kind == "host":
                rendered = self._console_regions(state, audience, conn)
            else:
                rendered = self.render_regions(state, audience, conn)
            refresh.screens[screen] = rendered
        return rendered

    def _console_regions(
        self, state: RoomState, audience: Audience, conn: HTTPConnection
    ) -> dict[str, str]:
        """The console's regions, its roster rendered again only when the people in it changed."""
        context = self.context(state, audience, conn)
        code = state.meta.code
        key: Hashable = (
            i18n.current(),
            context["join_url"],
            context["headcount"],
            context["online_count"],
            tuple((person.id, person.name, person.online) for person in context["people"]),
        )
        regions = REGIONS["host"]
        known = self.rosters.get(code)
        if known is not None and known[0] == key:
            rendered = self.renderer.regions(
                "host.html", context, tuple(r for r in regions if r != "roster")
            )
            return {
                region: known[1] if region == "roster" else rendered[region] for region in regions
            }
        rendered = self.renderer.regions("host.html", context, regions)
        self.rosters.put(code, (key, rendered["roster"]))
        return rendered

    def notice(self, message: str, tone: str, seq: int) -> str:
        return self.renderer.notice(message, tone, seq)
