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
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

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
class Asset:
    body: bytes
    gzipped: bytes | None
    """The body gzip-compressed, when that is smaller (never for images already compressed)."""
    version: str
    media_type: str

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


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

    async def endpoint(self, request: Request) -> Response:
        asset = self.files.get(request.path_params["path"])
        if asset is None:
            return PlainTextResponse("Not Found", status_code=404)
        versioned = request.query_params.get("v") == asset.version
        headers = {
            "cache-control": IMMUTABLE if versioned else REVALIDATE,
            "etag": asset.etag,
        }
        body = asset.body
        if asset.gzipped is not None:
            headers["vary"] = "Accept-Encoding"
            if accepts_gzip(request.headers.get("accept-encoding", "")):
                body = asset.gzipped
                headers["content-encoding"] = "gzip"
                headers["etag"] = f'"{asset.version}-gzip"'
        if headers["etag"] in _etags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers=headers)
        return Response(body, headers=headers, media_type=asset.media_type)


def _etags(if_none_match: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in if_none_match.split(",") if tag.strip()}


@cache
def default_assets() -> StaticAssets:
    """The app's own static files, read once per process."""
    return StaticAssets(STATIC_DIR)
