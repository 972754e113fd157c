"""The simulated phone's browser fetches what a browser fetches, and keeps what a browser keeps."""

import asyncio
import gzip
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

import pytest
from starlette.testclient import TestClient

from bench.browser import Browser, HttpError, freshness, linked_files
from tests.integration.helpers import create_room, join
from workshop.app import create_app
from workshop.settings import Settings

Handler = Callable[[str, dict[str, str]], bytes]


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = create_app(Settings(redis_url=None, secret_key="test-signing-key"))
    with TestClient(app) as test_client:
        yield test_client


@asynccontextmanager
async def server(answer: Handler, seen: list[tuple[str, dict[str, str]]]) -> AsyncIterator[str]:
    """A keep-alive HTTP/1.1 server on a free port that answers each request with `answer`."""

    handlers: set[asyncio.Task[None]] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {}
                for line in lines[1:]:
                    if line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                target = lines[0].split(" ")[1]
                seen.append((target, {**headers, "body": body.decode()}))
                writer.write(answer(target, headers))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            await writer.wait_closed()

    listening = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    async with listening:
        yield f"http://127.0.0.1:{port}"
        # Each connection's handler ends once the client has closed it.
        await asyncio.wait_for(asyncio.gather(*handlers), 5)


def response(status: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items())]
    if "Transfer-Encoding" not in headers:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


SHEET = b"body { color: black }\n" * 20


def files(target: str, headers: dict[str, str]) -> bytes:
    if target == "/join":
        return response(
            "303 See Other",
            {"Location": "/r/ROOM", "Set-Cookie": "workshop_p_ROOM=signed; Path=/; HttpOnly"},
        )
    if target.startswith("/kept.css"):
        packed = gzip.compress(SHEET)
        return response(
            "200 OK",
            {
                "Cache-Control": "public, max-age=31536000, immutable",
                "Content-Encoding": "gzip",
                "ETag": '"k1"',
            },
            packed,
        )
    if target == "/checked.js":
        if headers.get("if-none-match") == '"c1"':
            return response("304 Not Modified", {"Cache-Control": "no-cache", "ETag": '"c1"'})
        return response("200 OK", {"Cache-Control": "no-cache", "ETag": '"c1"'}, b"let a = 1;")
    if target == "/chunked":
        return response(
            "200 OK", {"Transfer-Encoding": "chunked"}, b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        )
    return response("404 Not Found", {})


def test_the_linked_files_are_read_from_the_page_as_a_browser_reads_them() -> None:
    page = """<head>
    <link rel="icon" href="/static/mark.svg?v=1" type="image/svg+xml">
    <link rel="icon" href="/favicon.ico" sizes="32x32">
    <link rel="apple-touch-icon" href="/static/icons/icon-180.png?v=2">
    <link rel="manifest" href="/static/icons/app.webmanifest?v=3">
    <link rel="stylesheet" href="/static/app.css?v=4&amp;x=1">
    <script src="/static/app.js?v=5" defer></script>
    <link rel="stylesheet" href="/static/app.css?v=4&amp;x=1">
    <script>inline()</script>
    </head>"""
    assert linked_files(page) == [
        "/static/mark.svg?v=1",
        "/static/app.css?v=4&x=1",
        "/static/app.js?v=5",
    ]


def test_cache_control_sets_how_long_a_copy_is_used_without_asking() -> None:
    assert freshness({"cache-control": "public, max-age=31536000, immutable"}, 10.0) == 31536010
    assert freshness({"cache-control": "no-cache"}, 10.0) == 10.0
    assert freshness({"cache-control": "max-age=60, no-store"}, 10.0) == 10.0
    assert freshness({}, 10.0) == 10.0


def test_a_browser_keeps_its_cookie_and_fresh_copies_and_revalidates_the_rest() -> None:
    seen: list[tuple[str, dict[str, str]]] = []

    async def visit() -> Browser:
        async with server(files, seen) as origin:
            browser = Browser.for_origin(origin)
            joined = await browser.request("POST", "/join", form={"code": "ROOM", "name": "Ada"})
            assert joined.status == 303
            assert browser.cookies == {"workshop_p_ROOM": "signed"}
            for _ in range(2):
                await browser.fetch_file("/kept.css?v=1")
                await browser.fetch_file("/checked.js")
            chunked = await browser.request("GET", "/chunked")
            assert chunked.body == b"hello world"
            await browser.aclose()
            return browser

    browser = asyncio.run(visit())
    targets = [target for target, _ in seen]
    # The immutable file once; the no-cache one twice, the second time with its validator.
    assert targets == ["/join", "/kept.css?v=1", "/checked.js", "/checked.js", "/chunked"]
    form = seen[0][1]
    assert form["body"] == "code=ROOM&name=Ada"
    assert form["origin"] == browser.origin
    assert all(headers["cookie"] == "workshop_p_ROOM=signed" for _, headers in seen[1:])
    assert all("gzip" in headers["accept-encoding"] for _, headers in seen)
    assert seen[3][1]["if-none-match"] == '"c1"'
    traffic = browser.traffic
    assert traffic.connections == 1
    assert traffic.requests == 5
    assert (traffic.static_requests, traffic.static_files, traffic.not_modified) == (3, 2, 1)
    assert (traffic.static_gzip, traffic.static_immutable, traffic.from_cache) == (1, 1, 1)
    assert traffic.wire_bytes > len(gzip.compress(SHEET))


@pytest.mark.parametrize("page", ["/", "/r/{code}"])
def test_the_app_pages_link_files_the_browser_can_fetch(client: TestClient, page: str) -> None:
    code, _ = create_room(client)
    cookie = join(client, code, "Ada")
    text = client.get(page.format(code=code), headers={"cookie": cookie}).text
    linked = linked_files(text)
    assert any(url.startswith("/static/vendor/htmx-") for url in linked)
    assert any(".css?v=" in url for url in linked)
    for url in linked:
        assert client.get(url).headers["cache-control"].endswith("immutable"), url


def test_a_request_with_no_answer_fails_after_the_timeout() -> None:
    done = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await reader.read()  # until the browser gives up and closes
        writer.close()
        await writer.wait_closed()
        done.set()

    async def run() -> None:
        listening = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = listening.sockets[0].getsockname()[1]
        async with listening:
            browser = Browser("127.0.0.1", port, f"http://127.0.0.1:{port}", timeout=0.2)
            with pytest.raises(HttpError, match="GET /"):
                await browser.request("GET", "/")
            await asyncio.wait_for(done.wait(), 5)

    asyncio.run(run())
