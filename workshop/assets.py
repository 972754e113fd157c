"""The static files (style sheets, scripts, icons), read once at start-up and served from memory.

Each file's URL in a page carries a version, the first characters of the SHA-256 of its bytes:
`/static/app.css?v=3f2a...`. A request whose version is the file's own gets
`Cache-Control: public, max-age=31536000, immutable`, so a browser asks for it once and never
again; a changed file gets a new URL. A URL without a version (or with an old one) still works,
but must be checked again each time (`no-cache`, answered 304 when its ETag still matches).

Text files are also kept gzip-compressed, done once here: in a join storm every phone fetches
every file, and compressing each answer again would cost the one core that also runs the room.
"""

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from starlette.types import Receive, Scope, Send

from workshop.settings import STATIC_DIR

VERSION_LENGTH = 12
"""Hex digits of the SHA-256 kept in a URL: 48 bits, plenty to tell one file's versions apart."""
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
COMPRESSED_TYPES = (
    "text/",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "image/svg+xml",
)
MEDIA_TYPES = {
    ".css": "text/css",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


@dataclass(frozen=True)
class Variant:
    """One way of answering for a file: its body and every header, made once."""

    body: bytes
    etag: str
    headers: list[tuple[bytes, bytes]]
    validators: list[tuple[bytes, bytes]]
    """What a 304 answer carries: the same validators and caching rules, no body."""


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    """The body gzip-compressed, when that is smaller (never for images already compressed)."""
    version: str
    media_type: str

    @property
    def etag(self) -> str:
        return f'"{self.version}"'

    @cached_property
    def variants(self) -> dict[tuple[bool, bool], Variant]:
        """By (asked for with this version, gzip): a versioned URL is kept for good."""
        found = {}
        for versioned in (True, False):
            for gzipped in (True, False):
                body = self.gzipped if gzipped and self.gzipped is not None else self.body
                etag = f'"{self.version}-gzip"' if body is not self.body else self.etag
                validators = [
                    (b"cache-control", (IMMUTABLE if versioned else REVALIDATE).encode()),
                    (b"etag", etag.encode()),
                ]
                if self.gzipped is not None:
                    validators.append((b"vary", b"Accept-Encoding"))
                headers = [*validators]
                if body is not self.body:
                    headers.append((b"content-encoding", b"gzip"))
                content_type = self.media_type
                if content_type.startswith("text/") or content_type.endswith(
                    ("json", "javascript")
                ):
                    content_type += "; charset=utf-8"
                headers += [
                    (b"content-type", content_type.encode()),
                    (b"content-length", str(len(body)).encode()),
                ]
                found[versioned, gzipped] = Variant(body, etag, headers, validators)
        return found


def _media_type(path: Path) -> str:
    known = MEDIA_TYPES.get(path.suffix.lower())
    if known is not None:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def read_asset(path: Path) -> Asset:
    body = path.read_bytes()
    media_type = _media_type(path)
    gzipped: bytes | None = None
    if media_type.startswith(COMPRESSED_TYPES):
        # mtime=0: the same bytes give the same compressed bytes, on every start.
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        gzipped = packed if len(packed) < len(body) else None
    version = hashlib.sha256(body).hexdigest()[:VERSION_LENGTH]
    return Asset(body, gzipped, version, media_type)


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (`gzip`, or `*`, with a quality above 0)."""
    for part in accept_encoding.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            return True
    return False


class StaticAssets:
    """Every file under a folder, by its path there (`app.css`, `vendor/htmx-2.0.11.min.js`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files: dict[str, Asset] = {
            path.relative_to(directory).as_posix(): read_asset(path)
            for path in sorted(directory.rglob("*"))
            if path.is_file()
        }

    def url(self, name: str) -> str:
        """The versioned URL of a file; a name that is not a file here is an error, found when
        the template using it is first rendered."""
        asset = self.files.get(name)
        if asset is None:
            raise KeyError(f"no static file {name!r} in {self.directory.name}/")
        return f"/static/{name}?v={asset.version}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Served as a plain ASGI app, not through a request and a response object: a join storm
        asks for every file once per phone, thousands of times a second at its peak."""
        if scope["method"] not in ("GET", "HEAD"):
            await _send(send, 405, [(b"allow", b"GET, HEAD")], b"Method Not Allowed")
            return
        asset = self.files.get(scope["path_params"]["path"])
        if asset is None:
            await _send(send, 404, [], b"Not Found")
            return
        versioned = f"v={asset.version}".encode() in scope["query_string"].split(b"&")
        gzipped = False
        etags = ""
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                gzipped = asset.gzipped is not None and accepts_gzip(value.decode("latin-1"))
            elif name == b"if-none-match":
                etags = value.decode("latin-1")
        variant = asset.variants[versioned, gzipped]
        if variant.etag in _etags(etags):
            await _send(send, 304, variant.validators, b"")
            return
        body = b"" if scope["method"] == "HEAD" else variant.body
        await _send(send, 200, variant.headers, body)


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    if status >= 400:
        headers = [*headers, (b"content-type", b"text/plain; charset=utf-8")]
        headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _etags(if_none_match: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in if_none_match.split(",") if tag.strip()}


@cache
def default_assets() -> StaticAssets:
    """The app's own static files, read once per process."""
    return StaticAssets(STATIC_DIR)
