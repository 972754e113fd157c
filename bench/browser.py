"""One phone's browser, as far as HTTP goes: its own connection, its cookies and its cache.

Each simulated phone is a fresh browser: it has fetched nothing before, so its join costs the
server the join form's POST, the room page and every style sheet, script and icon the page links
to, as a phone that scans the QR code does. The files are fetched as a browser would fetch them
(`Accept-Encoding: gzip`, the cache's validators when it holds a stale copy), and the cache keeps
what the answers allow, so a second look at the same URL costs what it would cost a browser:
nothing while the copy is fresh (`immutable`, or within `max-age`), a conditional request when it
must be checked again (`no-cache`, or stale with an ETag).

The client is a plain HTTP/1.1 client on one keep-alive connection with one request at a time,
not a general HTTP library: in a join storm the load generator makes thousands of requests a
second on one core, and must not be what limits the storm. A browser would open a few connections
and fetch the files in parallel; the server's work per file is the same.
"""

import asyncio
import contextlib
import html
import re
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

ACCEPT_ENCODING = "gzip, deflate, br, zstd"
"""What a current mobile browser sends."""
USER_AGENT = "workshop-bench (a simulated phone)"
TAG = re.compile(r"<(link|script)\b([^>]*)>", re.I)
ATTRIBUTE = re.compile(r'([\w-]+)\s*=\s*"([^"]*)"')
MAX_AGE = re.compile(r"\bmax-age\s*=\s*(\d+)", re.I)
HEADER_LIMIT = 64 * 1024
TIMEOUT_SECONDS = 60.0
"""How long one request may take, from connecting to the last byte of its answer."""


class HttpError(Exception):
    """The server answered in a way no browser would accept, or the connection broke."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    """Lower-case names; repeated headers joined with ", " (Set-Cookie kept apart)."""
    body: bytes
    """As sent (still compressed if it was)."""
    cookies: dict[str, str]
    wire_bytes: int
    """Bytes read from the socket for this answer: status line, headers and body."""

    def text(self) -> str:
        body = self.body
        if self.headers.get("content-encoding") == "gzip":
            body = zlib.decompress(body, wbits=31)
        return body.decode("utf-8", errors="replace")


@dataclass
class Cached:
    etag: str
    fresh_until: float
    """`time.monotonic()` until which the copy is used without asking."""


@dataclass
class Traffic:
    """What one browser asked for and received."""

    requests: int = 0
    wire_bytes: int = 0
    static_requests: int = 0
    static_wire_bytes: int = 0
    static_files: int = 0
    static_gzip: int = 0
    static_immutable: int = 0
    not_modified: int = 0
    from_cache: int = 0
    connections: int = 0


def linked_files(page: str) -> list[str]:
    """The style sheets, scripts and first icon a page links to, in the order a browser meets
    them, each once (what a browser fetches before the page can run; the manifest and the touch
    icon are fetched only when the page is installed)."""
    found: list[str] = []
    icon = False
    for tag, attributes in TAG.findall(page):
        values = {
            name.lower(): html.unescape(value) for name, value in ATTRIBUTE.findall(attributes)
        }
        url = ""
        if tag.lower() == "script":
            url = values.get("src", "")
        else:
            rel = values.get("rel", "").lower().split()
            if "stylesheet" in rel or ("icon" in rel and not icon):
                url = values.get("href", "")
                icon = icon or "icon" in rel
        if url and url not in found:
            found.append(url)
    return found


def freshness(headers: dict[str, str], now: float) -> float:
    """Until when a browser may use its copy without asking (now: it must ask every time)."""
    control = headers.get("cache-control", "").lower()
    if "no-store" in control or "no-cache" in control:
        return now
    found = MAX_AGE.search(control)
    return now + int(found.group(1)) if found else now


@dataclass
class Browser:
    host: str
    port: int
    origin: str
    cookies: dict[str, str] = field(default_factory=dict)
    cache: dict[str, Cached] = field(default_factory=dict)
    traffic: Traffic = field(default_factory=Traffic)
    timeout: float = TIMEOUT_SECONDS
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None

    @classmethod
    def for_origin(cls, origin: str) -> "Browser":
        parts = urlsplit(origin)
        return cls(parts.hostname or "127.0.0.1", parts.port or 80, origin)

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            self.traffic.connections += 1
        return self._reader, self._writer

    async def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        extra: dict[str, str] | None = None,
    ) -> Answer:
        body = urlencode(form).encode() if form is not None else b""
        headers = {
            "Host": f"{self.host}:{self.port}",
            "User-Agent": USER_AGENT,
            "Accept-Encoding": ACCEPT_ENCODING,
            **(extra or {}),
        }
        if self.cookies:
            headers["Cookie"] = self.cookie_header
        if form is not None:
            headers["Origin"] = self.origin
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Content-Length"] = str(len(body))
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in headers.items()
        )
        try:
            async with asyncio.timeout(self.timeout):
                reader, writer = await self._connection()
                writer.write(head.encode("latin-1") + b"\r\n" + body)
                answer = await self._read_answer(reader, method)
        except (
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ConnectionError,
            TimeoutError,
        ) as error:
            self.close()
            raise HttpError(f"{method} {path}: {error!r}") from error
        self.traffic.requests += 1
        self.traffic.wire_bytes += answer.wire_bytes
        self.cookies.update(answer.cookies)
        if answer.headers.get("connection", "").lower() == "close":
            self.close()
        return answer

    async def _read_answer(self, reader: asyncio.StreamReader, method: str) -> Answer:
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > HEADER_LIMIT:
            raise HttpError("headers too long")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        cookies: dict[str, str] = {}
        for line in lines[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                pair = value.split(";", 1)[0]
                cookie, _, cookie_value = pair.partition("=")
                cookies[cookie.strip()] = cookie_value.strip()
            else:
                headers[name] = f"{headers[name]}, {value}" if name in headers else value
        wire = len(head)
        body = b""
        if method != "HEAD" and status not in (204, 304) and status >= 200:
            if headers.get("transfer-encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size_line = await reader.readuntil(b"\r\n")
                    size = int(size_line.split(b";")[0], 16)
                    chunk = await reader.readexactly(size + 2)
                    wire += len(size_line) + len(chunk)
                    if size == 0:
                        break
                    chunks.append(chunk[:-2])
                body = b"".join(chunks)
            else:
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                wire += len(body)
        return Answer(status, headers, body, cookies, wire)

    async def fetch_file(self, url: str) -> None:
        """A file a page links to, through the cache, as a browser fetches it."""
        path = urlsplit(url)._replace(scheme="", netloc="").geturl()
        now = time.monotonic()
        cached = self.cache.get(path)
        if cached is not None and cached.fresh_until > now:
            self.traffic.from_cache += 1
            return
        extra = {"If-None-Match": cached.etag} if cached is not None and cached.etag else {}
        before = self.traffic.wire_bytes
        answer = await self.request("GET", path, extra=extra)
        self.traffic.static_requests += 1
        self.traffic.static_wire_bytes += self.traffic.wire_bytes - before
        if answer.status == 304 and cached is not None:
            self.traffic.not_modified += 1
            cached.fresh_until = freshness(answer.headers, now)
            return
        if answer.status != 200:
            raise HttpError(f"GET {path} answered {answer.status}")
        self.traffic.static_files += 1
        if answer.headers.get("content-encoding") == "gzip":
            self.traffic.static_gzip += 1
        if "immutable" in answer.headers.get("cache-control", "").lower():
            self.traffic.static_immutable += 1
        if "no-store" not in answer.headers.get("cache-control", "").lower():
            self.cache[path] = Cached(
                answer.headers.get("etag", ""), freshness(answer.headers, now)
            )

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def aclose(self) -> None:
        writer = self._writer
        self.close()
        if writer is not None:
            with contextlib.suppress(OSError):
                await writer.wait_closed()
