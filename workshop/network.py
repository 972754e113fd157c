"""Where phones can reach this machine: its addresses on the local network."""

import ipaddress
import socket
import time

_CACHE_SECONDS = 30.0
_cached: tuple[float, list[str]] = (float("-inf"), [])


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses other than loopback, looked up at most every 30 s (a laptop
    may move from the venue's Wi-Fi to a phone hotspot during the day)."""
    global _cached
    looked_at, addresses = _cached
    if time.monotonic() - looked_at < _CACHE_SECONDS:
        return addresses
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        infos = []
    addresses = sorted({str(info[4][0]) for info in infos if not is_loopback(str(info[4][0]))})
    _cached = (time.monotonic(), addresses)
    return addresses


def is_loopback(host: str) -> bool:
    """localhost, 127.x.y.z or ::1: an address only this machine can reach."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
