"""Nothing stays in Redis for ever: after a whole workshop every key expires, and "Delete now" leaves
nothing of the room behind, even with every screen still connected."""

import re
import time

import pytest
import redis
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.integration.helpers import ORIGIN
from tests.security.workshop_run import Writing, live_room, play_every_kind
from workshop.app import create_app
from workshop.settings import Settings
from workshop.store import SIGNING_KEY

pytestmark = pytest.mark.redis

NAMES = ("Ada", "Grace", "Linus", "Barbara", "Alan")
ROOM_TTL_DAYS = 2
ROOM_TTL = ROOM_TTL_DAYS * 86400
JOIN_FAILURE_WINDOW = 600
SIGNING_KEY_TTL = ROOM_TTL + 30 * 86400
"""As documented in workshop/store.py: the key outlives the rooms whose cookies it signed."""
WRITING = Writing(
    title="Quarterly field day",
    long_text=lambda person: f"What would change your mind, number {person}?",
    comment=lambda person, part: f"Comment {part} from person {person}.",
)


def keys_and_ttls(client: redis.Redis) -> dict[str, int]:
    return {key: int(client.ttl(key)) for key in client.scan_iter(count=1000)}


@pytest.mark.timeout(180)
def test_every_key_expires_and_delete_now_leaves_nothing_of_the_room(
    clean_redis_url: str,
) -> None:
    settings = Settings(redis_url=clean_redis_url, room_ttl_days=ROOM_TTL_DAYS, coalesce_seconds=0)
    db = redis.Redis.from_url(clean_redis_url, decode_responses=True)
    try:
        with TestClient(create_app(settings)) as client:
            assert client.post("/join", data={"code": "ZZZZZZ", "name": "Eve"}).status_code == 404
            with live_room(client, NAMES) as room:
                code = room.code
                play_every_kind(room, WRITING)
                keys = keys_and_ttls(db)
                room_keys = {k: ttl for k, ttl in keys.items() if f"{{{code}}}" in k}
                runs = {m.group(1) for k in room_keys if (m := re.search(r":run:(r\d+):", k))}
                assert runs == {"r1", "r2", "r3", "r4"}, sorted(room_keys)
                for name in ("meta", "version", "seen", "people", "names", "presence"):
                    assert f"room:{{{code}}}:{name}" in room_keys, name
                for key, ttl in keys.items():
                    if key in room_keys:
                        assert 0 < ttl <= ROOM_TTL, (key, ttl)
                    elif key == SIGNING_KEY:
                        assert 0 < ttl <= SIGNING_KEY_TTL, (key, ttl)
                    elif key.startswith("workshop:join-failures:"):
                        assert 0 < ttl <= JOIN_FAILURE_WINDOW, (key, ttl)
                    else:
                        pytest.fail(f"a key the store does not document: {key} (TTL {ttl})")
                assert SIGNING_KEY in keys and any("join-failures" in k for k in keys)

                deleted = client.post(
                    f"/host/{code}/delete", headers={"cookie": room.host_cookie, **ORIGIN}
                )
                assert deleted.status_code == 200
                for recorder in room.recorders():
                    with pytest.raises(WebSocketDisconnect):
                        for _ in range(1000):
                            recorder.receive()
            # Screens that were connected have now left; give whatever they set off time to land.
            time.sleep(1.0)
            left = keys_and_ttls(db)
    finally:
        db.close()
    assert {key: ttl for key, ttl in left.items() if f"{{{code}}}" in key} == {}
    assert all(key.startswith("workshop:") for key in left), left
