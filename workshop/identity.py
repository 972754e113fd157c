"""Who is on the other end: the facilitator's secret and participants' signed cookies."""

import hashlib
import hmac
import secrets

from itsdangerous import BadSignature, URLSafeSerializer

from workshop.models import RoomMeta

HOST_COOKIE = "workshop_host_{code}"
PARTICIPANT_COOKIE = "workshop_p_{code}"


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
