"""Static files: versioned URLs in every page, served once for good, compressed when asked."""

import gzip
import re
import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.integration.helpers import create_room, join, projector_cookie
from workshop.app import create_app
from workshop.assets import IMMUTABLE, StaticAssets, accepts_gzip
from workshop.settings import STATIC_DIR, Settings

STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"]*)"')
VERSIONED = re.compile(r"/static/[\w./-]+\?v=[0-9a-f]{12}")


def settings() -> Settings:
    return Settings(redis_url=None, secret_key="test-signing-key", coalesce_seconds=0.0)


@pytest.fixture
def static_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "static"
    shutil.copytree(STATIC_DIR, folder)
    return folder


def static_links(page: str) -> list[str]:
    return STATIC_LINK.findall(page)


def link_to(page: str, name: str) -> str:
    (found,) = [url for url in static_links(page) if url.startswith(f"/static/{name}?")]
    return found


def test_every_page_links_only_versioned_static_files(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    screen_cookie = projector_cookie(client, code, host_cookie)
    phone_cookie = join(client, code, "Ada")
    pages = {
        "landing": client.get("/").text,
        "start": client.get("/host").text,
        "console": client.get(f"/host/{code}", headers={"cookie": host_cookie}).text,
        "editor": client.get(
            f"/host/{code}/new?from=warmup-hardest-habit", headers={"cookie": host_cookie}
        ).text,
        "projector": client.get(f"/screen/{code}", headers={"cookie": screen_cookie}).text,
        "phone": client.get(f"/r/{code}", headers={"cookie": phone_cookie}).text,
    }
    for name, page in pages.items():
        links = static_links(page)
        assert links, name
        unversioned = [url for url in links if not VERSIONED.fullmatch(url)]
        assert not unversioned, (name, unversioned)
        for url in links:
            assert client.get(url).status_code == 200, url
    for name in ("phone.css", "app.css", "tokens.css", "app.js", "vendor/htmx-2.0.11.min.js"):
        assert link_to(pages["phone"], name)
    assert link_to(pages["editor"], "editor.css")
    assert link_to(pages["editor"], "editor.js")


def test_a_versioned_url_is_immutable_and_gzipped_when_asked(client: TestClient) -> None:
    url = link_to(client.get("/").text, "app.css")
    plain = client.get(url, headers={"accept-encoding": "identity"})
    assert plain.status_code == 200
    assert plain.headers["cache-control"] == IMMUTABLE
    assert plain.headers["content-type"].startswith("text/css")
    assert "content-encoding" not in plain.headers
    assert plain.content == (STATIC_DIR / "app.css").read_bytes()
    assert plain.headers["vary"] == "Accept-Encoding"

    # httpx would decode the body: read the raw bytes to see what travelled.
    with client.stream("GET", url, headers={"accept-encoding": "gzip, deflate, br"}) as packed:
        raw = b"".join(packed.iter_raw())
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["cache-control"] == IMMUTABLE
    assert int(packed.headers["content-length"]) == len(raw) < len(plain.content)
    assert gzip.decompress(raw) == plain.content
    # The page's policy is kept on the files too.
    assert "script-src 'self'" in packed.headers["content-security-policy"]


def test_images_are_not_compressed_again(client: TestClient) -> None:
    url = link_to(client.get("/").text, "icons/icon-180.png")
    response = client.get(url, headers={"accept-encoding": "gzip"})
    assert response.headers["cache-control"] == IMMUTABLE
    assert "content-encoding" not in response.headers
    assert response.content.startswith(b"\x89PNG")


def test_an_unversioned_url_still_works_but_is_checked_again(client: TestClient) -> None:
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert "immutable" not in response.headers["cache-control"]
    assert response.headers["cache-control"] == "no-cache"
    again = client.get("/static/app.css", headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert client.get("/static/no-such-file.css").status_code == 404
    assert client.get("/static/../pyproject.toml").status_code == 404


def test_a_changed_file_gets_a_new_url(static_copy: Path) -> None:
    with TestClient(create_app(settings(), assets=StaticAssets(static_copy))) as client:
        before = client.get("/").text
    with (static_copy / "app.css").open("a", encoding="utf-8") as sheet:
        sheet.write("\n/* changed */\n")
    with TestClient(create_app(settings(), assets=StaticAssets(static_copy))) as client:
        after = client.get("/").text
        new, old = link_to(after, "app.css"), link_to(before, "app.css")
        assert new != old
        fresh = client.get(new)
        assert fresh.headers["cache-control"] == IMMUTABLE
        assert fresh.text.endswith("/* changed */\n")
        # A page cached with the old URL still gets the file, but not for good.
        stale = client.get(old)
        assert stale.status_code == 200
        assert stale.headers["cache-control"] == "no-cache"
        assert stale.text.endswith("/* changed */\n")
    # Files that did not change keep their URLs.
    assert link_to(after, "tokens.css") == link_to(before, "tokens.css")


@pytest.mark.parametrize(
    ("header", "gzip_ok"),
    [
        ("gzip", True),
        ("gzip, deflate, br, zstd", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("*", True),
        ("gzip;q=0", False),
        ("identity", False),
        ("", False),
        ("deflate, br", False),
    ],
)
def test_accept_encoding_is_read_as_browsers_mean_it(header: str, gzip_ok: bool) -> None:
    assert accepts_gzip(header) is gzip_ok


def test_a_file_is_only_read(client: TestClient) -> None:
    url = link_to(client.get("/").text, "app.js")
    head = client.head(url, headers={"accept-encoding": "gzip"})
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) > 0
    refused = client.post(url)
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD"
