"""Where phones can reach this machine: its addresses on the local network.

The addresses come from the network interfaces, not from the machine's name: on a usual Debian
laptop the name resolves only to the loopback entry of /etc/hosts, though Wi-Fi gave it an address.
"""

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import psutil

CACHE_SECONDS = 30.0
"""A laptop may move from the venue's Wi-Fi to a phone hotspot during the day."""

_VIRTUAL_PREFIXES = (
    "docker",  # Docker's default bridge
    "br-",  # Docker's user-defined networks
    "veth",  # containers' ends of virtual cables
    "virbr",  # libvirt
    "vboxnet",  # VirtualBox host-only
    "vmnet",  # VMware
    "lxcbr",  # LXC
    "lxdbr",  # LXD
    "podman",
    "cni",
    "flannel",
    "tailscale",  # VPNs: an address phones in the room do not have a route to
    "wg",
    "tun",
    "tap",
    "utun",
    "zt",  # ZeroTier
)
"""Interfaces that join this machine to containers, virtual machines or a VPN, not to the room:
their addresses are offered only when the machine has no other."""

_PRIVATE_RANGES = (
    ipaddress.IPv4Network("192.168.0.0/16"),  # home routers and phone hotspots
    ipaddress.IPv4Network("10.0.0.0/8"),  # venues' and companies' networks
    ipaddress.IPv4Network("172.16.0.0/12"),
)


@dataclass(frozen=True)
class Interface:
    """One network interface: its name, whether it is up, and its IPv4 addresses."""

    name: str
    up: bool
    addresses: tuple[str, ...]


InterfaceSource = Callable[[], Iterable[Interface]]
"""What lists this machine's interfaces: `system_interfaces`, or a fixed list in tests."""


def system_interfaces() -> list[Interface]:
    """This machine's interfaces, in the order the operating system gives them."""
    # psutil rather than ifaddr: it also says which interfaces are up, and is widely used and kept.
    stats = psutil.net_if_stats()
    return [
        Interface(
            name=name,
            up=name in stats and stats[name].isup,
            addresses=tuple(a.address for a in addresses if a.family == socket.AF_INET),
        )
        for name, addresses in psutil.net_if_addrs().items()
    ]


def reachable_addresses(interfaces: Iterable[Interface]) -> list[str]:
    """The IPv4 addresses other machines may reach this one at, the likeliest first: those of
    interfaces that are up, neither loopback nor link-local (169.254/16, what an interface takes
    when no network gave it an address); private ranges (192.168/16, then 10/8, then 172.16/12)
    before others; an interface to containers, virtual machines or a VPN only if there is no
    other. Interfaces keep their order within a rank."""
    ranked: dict[str, tuple[bool, int]] = {}
    for interface in interfaces:
        if not interface.up:
            continue
        virtual = interface.name.lower().startswith(_VIRTUAL_PREFIXES)
        for text in interface.addresses:
            try:
                address = ipaddress.IPv4Address(text)
            except ValueError:
                continue
            if address.is_loopback or address.is_link_local or address.is_unspecified:
                continue
            rank = next(
                (i for i, network in enumerate(_PRIVATE_RANGES) if address in network),
                len(_PRIVATE_RANGES),
            )
            ranked.setdefault(str(address), (virtual, rank))
    addresses = sorted(ranked, key=ranked.__getitem__)  # stable: ties keep interface order
    real = [address for address in addresses if not ranked[address][0]]
    return real or addresses


class LanAddresses:
    """This machine's addresses on the local network (see `reachable_addresses`), looked up at
    most every `CACHE_SECONDS`. Call it for the list."""

    def __init__(
        self,
        interfaces: InterfaceSource = system_interfaces,
        *,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interfaces = interfaces
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._looked_at = float("-inf")
        self._addresses: list[str] = []

    def __call__(self) -> list[str]:
        now = self._clock()
        if now - self._looked_at >= self._cache_seconds:
            try:
                self._addresses = reachable_addresses(self._interfaces())
            except (OSError, psutil.Error):
                self._addresses = []
            self._looked_at = now
        return list(self._addresses)


def phones_base_url(
    page: str, *, public_url: str | None, listening_on: str, addresses: Callable[[], list[str]]
) -> str:
    """Where phones are sent to join, as a base URL without a trailing slash: WORKSHOP_PUBLIC_URL
    when it is set; otherwise the scheme, host and port the page (or websocket) was opened at.

    A console opened as localhost would give a join link no phone can reach: unless the app
    listens on this machine's loopback only, phones are sent to its likeliest network address
    (the first of `addresses`, looked up only then) on the same port. When it has none, the link
    stays as it is and the console says why (see `unreachable`)."""
    if public_url:
        return public_url.rstrip("/")
    url = urlsplit(page)
    scheme = {"ws": "http", "wss": "https"}.get(url.scheme, url.scheme)
    netloc = url.netloc
    if url.hostname and is_loopback(url.hostname) and not is_loopback(listening_on):
        lan = addresses()
        if lan:
            netloc = f"{lan[0]}:{url.port}" if url.port else lan[0]
    return f"{scheme}://{netloc}"


Unreachable = Literal["", "listening-locally", "public-url", "offline"]
"""Why no phone can open the join link: the app listens on this machine's loopback only,
WORKSHOP_PUBLIC_URL names this machine, or this machine has no address on a network ("" when a
phone may open it, as far as this machine can tell)."""


def unreachable(join_url: str, *, public_url: str | None, listening_on: str) -> Unreachable:
    """Why no phone can open `join_url` (see `Unreachable`): it names this machine's loopback."""
    if not is_loopback(urlsplit(join_url).hostname or ""):
        return ""
    if public_url:
        return "public-url"
    if is_loopback(listening_on):
        return "listening-locally"
    return "offline"


def is_loopback(host: str) -> bool:
    """localhost, 127.x.y.z or ::1: an address only this machine can reach."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    """0.0.0.0, :: or nothing: listening on every interface of this machine."""
    return host.strip("[]") in ("", "0.0.0.0", "::")  # noqa: S104


def url_host(host: str) -> str:
    """An address as a URL writes it: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
