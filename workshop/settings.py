import os
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_EXERCISES = Path(__file__).resolve().parent.parent / "exercises"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
"""The app's style sheets and scripts, served under /static (and the design tokens, which the
standalone exports carry inline)."""


def default_data_dir() -> Path:
    """`$XDG_DATA_HOME/workshop`, or `~/.local/share/workshop` (the XDG base directory rules: a
    relative XDG_DATA_HOME is ignored)."""
    xdg = os.environ.get("XDG_DATA_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "workshop"


class Settings(BaseSettings):
    """Read from WORKSHOP_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="WORKSHOP_", extra="ignore")

    redis_url: str | None = None
    """Unset: an in-process store (one worker), saved to a file in `data_dir`. Set: real Redis, any
    number of processes."""
    data_dir: Path | None = Field(default_factory=default_data_dir)
    """Where the in-process store keeps its file. Empty: nowhere (state lost on exit)."""
    host: str = "0.0.0.0"  # noqa: S104 - phones in the room must reach the facilitator's laptop
    port: int = 8000
    room_ttl_days: float = Field(default=7.0, gt=0)
    secret_key: str | None = None
    """Signs participant cookies; shared by every process. Unset: kept in the store."""
    allowed_origins: Annotated[list[str], NoDecode] = []
    """Extra origins allowed to open websockets and send forms, besides the page's own host."""
    public_url: str | None = None
    """Base URL printed for phones (join link and QR), e.g. when behind a reverse proxy."""
    exercises_dir: Path = DEFAULT_EXERCISES
    coalesce_seconds: float = Field(default=0.1, ge=0)
    """Screens re-render at most once per this interval per room."""

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value

    @field_validator("data_dir", mode="before")
    @classmethod
    def _data_dir(cls, value: object) -> object:
        if isinstance(value, str):
            return Path(value).expanduser() if value.strip() else None
        return value

    @property
    def room_ttl_seconds(self) -> int:
        return int(self.room_ttl_days * 86400)
