"""Where a request comes from: the page's own site, a configured one, or another site."""

from collections.abc import Mapping
from urllib.parse import urlsplit


def request_origin(headers: Mapping[str, str]) -> str | None:
    """The origin a browser says the request comes from: its `Origin`, else its `Referer`'s. None
    when it says neither, or says "null" (privacy settings, or a page whose referrer policy is
    no-referrer, as ours is)."""
    origin = headers.get("origin", "").strip()
    if origin and origin != "null":
        return origin.rstrip("/")
    referer = headers.get("referer", "").strip()
    if referer:
        parts = urlsplit(referer)
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
    return None


def is_own(origin: str, host: str, extra: list[str]) -> bool:
    """The origin is this host's own (as the request addressed it) or one configured."""
    if origin in extra:
        return True
    return bool(host) and origin.split("://", 1)[-1] == host
