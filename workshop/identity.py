"""Who is on the other end: the facilitator's secret and participants' signed cookies."""

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping

from itsdangerous import BadSignature, URLSafeSerializer

from workshop.models import RoomMeta

HOST_COOKIE = "workshop_host_{code}"
PARTICIPANT_COOKIE = "workshop_p_{code}"
SCREEN_COOKIE = "workshop_screen_{code}"
LANGUAGE_COOKIE = "workshop_language"
"""The language a phone chose for itself, in every room."""


def new_host_secret() -> str:
    """256 bits from the OS's CSPRNG."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def is_host(meta: RoomMeta, secret: str | None) -> bool:
    return bool(secret) and hmac.compare_digest(hash_secret(secret or ""), meta.host_key_hash)


def new_participant_id() -> str:
    """Never starts with "-": the CSV export would have to disarm it as a formula, and it would no
    longer match the id in the other formats."""
    while True:
        participant_id = secrets.token_urlsafe(12)
        if not participant_id.startswith("-"):
            return participant_id


class ParticipantCookies:
    def __init__(self, key: str) -> None:
        self._serializer = URLSafeSerializer(key, salt="workshop.participant")

    def dump(self, code: str, participant_id: str) -> str:
        return self._serializer.dumps([code, participant_id])

    def load(self, code: str, value: str | None) -> str | None:
        """The participant id carried by a cookie, if it is genuine and for this room."""
        if not value:
            return None
        try:
            room, participant_id = self._serializer.loads(value)
        except (BadSignature, ValueError, TypeError):
            return None
        if room != code or not isinstance(participant_id, str):
            return None
        return participant_id


class RoomKeys:
    """Capabilities derived from the signing key and one room's own random facilitator hash, so
    they end with the room (a later room with the same code gets others) and need no storage:
    - the projector key, which lets a device show the room's projector view;
    - the form token, which the console's forms carry against cross-site requests."""

    def __init__(self, key: str) -> None:
        self._key = key.encode()

    def _derive(self, purpose: str, meta: RoomMeta) -> str:
        message = f"{purpose}|{meta.code}|{meta.host_key_hash}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def screen_key(self, meta: RoomMeta) -> str:
        return self._derive("screen", meta)

    def form_token(self, meta: RoomMeta) -> str:
        return self._derive("form", meta)

    def may_watch(self, meta: RoomMeta, cookies: Mapping[str, str]) -> bool:
        """The room's console, or a device the projector link was opened on."""
        if is_host(meta, cookies.get(HOST_COOKIE.format(code=meta.code))):
            return True
        return matches(cookies.get(SCREEN_COOKIE.format(code=meta.code)), self.screen_key(meta))


def matches(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest((given or "").encode(), expected.encode())
