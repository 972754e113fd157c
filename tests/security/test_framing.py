"""Framing: only the projector view may be shown in a frame, and only by a page of the app's own
origin (the console shows it in miniature); every other page refuses every frame, so no other
site can lay the console, a phone or a form under its own clicks."""

from collections.abc import Mapping

import pytest
from starlette.testclient import TestClient

from tests.integration.helpers import create_room, join, projector_cookie


def frame_rules(headers: Mapping[str, str]) -> tuple[str, str]:
    """The response's frame-ancestors directive and its X-Frame-Options."""
    policy = headers["content-security-policy"]
    (ancestors,) = [d.strip() for d in policy.split(";") if d.strip().startswith("frame-ancestors")]
    return ancestors, headers["x-frame-options"]


def test_the_projector_view_may_be_framed_by_the_same_origin_only(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    screen_cookie = projector_cookie(client, code, host_cookie)
    for cookie in (host_cookie, screen_cookie):
        response = client.get(f"/screen/{code}", headers={"cookie": cookie})
        assert response.status_code == 200
        assert 'id="stage"' in response.text
        assert frame_rules(response.headers) == ("frame-ancestors 'self'", "SAMEORIGIN")
    # The console's own cookie opens the projector view it frames.
    console = client.get(f"/host/{code}", headers={"cookie": host_cookie})
    assert f'src="/screen/{code}"' in console.text


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/host/{code}",
        "/host/{code}/people?find=a",
        "/host/{code}/export/md",
        "/screen/{code}/open",
        "/screen/{code}/",
        "/screen/{code}/open/x",
        "/r/{code}",
        "/static/app.js",
        "/healthz",
        "/no-such-page",
    ],
)
def test_every_other_page_refuses_every_frame(client: TestClient, path: str) -> None:
    code, host_cookie = create_room(client)
    phone_cookie = join(client, code, "Ada")
    cookie = phone_cookie if path.startswith("/r/") else host_cookie
    response = client.get(
        path.format(code=code), headers={"cookie": cookie}, follow_redirects=False
    )
    assert frame_rules(response.headers) == ("frame-ancestors 'none'", "DENY"), response.status_code
