"""What one app process holds while it runs: settings, store, hub, rules service and renderer."""

import time
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import HTTPConnection

from workshop import network
from workshop.exercises import Library
from workshop.hub import Hub
from workshop.identity import ParticipantCookies
from workshop.models import RoomState
from workshop.render import (
    FULLY_KEYED_REGIONS,
    REGIONS,
    Audience,
    Renderer,
    me_context,
    phone_region_keys,
    room_context,
)
from workshop.service import Rooms
from workshop.settings import Settings
from workshop.store import Store

ROSTERS_KEPT = 256


@dataclass
class Runtime:
    settings: Settings
    store: Store
    hub: Hub
    rooms: Rooms
    renderer: Renderer
    cookies: ParticipantCookies
    library: Library
    connections: set[Any] = field(default_factory=set)
    rosters: dict[str, tuple[Hashable, str]] = field(default_factory=dict)
    """Each room's console roster as last rendered, with what it was rendered from: in a big room
    it is the largest render, and it changes only when someone joins, leaves or (dis)connects."""

    def base_url(self, conn: HTTPConnection) -> str:
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/")
        url = conn.base_url
        scheme = {"ws": "http", "wss": "https"}.get(url.scheme, url.scheme)
        netloc = url.netloc
        # A console opened as localhost would print a join link no phone can reach: when the app
        # listens on every interface, phones are sent to this machine's network address instead.
        if url.hostname and network.is_loopback(url.hostname):
            addresses = network.lan_addresses()
            if addresses and not network.is_loopback(self.settings.host):
                netloc = f"{addresses[0]}:{url.port}" if url.port else addresses[0]
        return f"{scheme}://{netloc}"

    def join_url(self, conn: HTTPConnection, code: str) -> str:
        return f"{self.base_url(conn)}/r/{code}"

    def context(self, state: RoomState, audience: Audience, conn: HTTPConnection) -> dict[str, Any]:
        return room_context(
            state, audience, time.time(), self.join_url(conn, state.meta.code), self.library
        )

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
        cache: dict[Hashable, Any],
        skip: Mapping[str, Hashable] | None = None,
    ) -> tuple[dict[str, str], dict[str, Hashable]]:
        """The regions of one screen after a change, and their keys. `cache` lives for one refresh of
        the room and is shared by all its screens: the console and the projector are rendered once,
        and each phone region once per distinct key (see `phone_region_keys`). Fully keyed regions
        whose key is the same as in `skip` (what the screen already shows) are left out."""
        if audience.kind == "host":
            rendered = cache.get("host")
            if rendered is None:
                rendered = cache["host"] = self._console_regions(state, audience, conn)
            return rendered, {}
        if audience.kind != "phone":
            rendered = cache.get(audience.kind)
            if rendered is None:
                rendered = cache[audience.kind] = self.render_regions(state, audience, conn)
            return rendered, {}
        keys = phone_region_keys(state, audience.participant_id)
        regions: dict[str, str] = {}
        missing: list[str] = []
        for region in REGIONS["phone"]:
            key = keys[region]
            if region in FULLY_KEYED_REGIONS:
                if skip is None or skip.get(region) != key:
                    me = me_context(state, audience.participant_id)
                    regions |= self.renderer.regions("phone.html", me, (region,))
                continue
            html = cache.get((region, key))
            if html is None:
                missing.append(region)
            else:
                regions[region] = html
        if missing:
            context = self.context(state, audience, conn)
            fresh = self.renderer.regions("phone.html", context, tuple(missing))
            for region, html in fresh.items():
                cache[(region, keys[region])] = html
                regions[region] = html
        return regions, keys

    def _console_regions(
        self, state: RoomState, audience: Audience, conn: HTTPConnection
    ) -> dict[str, str]:
        """The console's regions, its roster rendered again only when the people in it changed."""
        context = self.context(state, audience, conn)
        code = state.meta.code
        key: Hashable = (
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
        if len(self.rosters) >= ROSTERS_KEPT:
            self.rosters.clear()  # rooms come and go; a cleared entry only costs one render
        self.rosters[code] = (key, rendered["roster"])
        return rendered

    def notice(self, message: str, tone: str, seq: int) -> str:
        return self.renderer.page("_notice.html", message=message, tone=tone, seq=seq)
