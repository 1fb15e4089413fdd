"""One validated settings object, read once from ``TUTELA_*`` environment variables.

Nothing reads the environment anywhere else: commands build a ``Settings`` at start-up and pass what
each part needs into its constructor.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tutela.errors import ConfigurationError


def _default_home() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("tutela", appauthor=False))


class Settings(BaseSettings):
    """Every setting Tutela reads; each field is documented in docs/settings.md."""

    model_config = SettingsConfigDict(env_prefix="TUTELA_", extra="ignore", frozen=True)

    home: Path = Field(default_factory=_default_home, description="folder for the store and indexes")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite under home")
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=256)
    item_timeout: float = Field(default=120.0, gt=0, description="seconds one file may take to hash")
    max_pixels: int = Field(default=100_000_000, ge=1, description="larger images are refused (bombs)")
    max_still_bytes: int = Field(default=256 * 2**20, ge=1, description="larger stills are digested only")
    ingest_batch: int = Field(default=500, ge=1, description="media items an ingest writes per transaction")
    media_key: str | None = Field(default=None, repr=False, description="Fernet key thumbnails are encrypted with")
    vics_profile: str = Field(default="us", description="how VICS category codes read: us or uk")
    vics_map: dict[str, str] = Field(default_factory=dict, description="VICS code -> category overrides (JSON)")
    timezone: str = Field(default="Europe/London", description="the unit's time zone for dates and weeks")
    triage_rules: Path | None = Field(default=None, description="YAML rule set for referral risk triage")
    match_max_hashes: int = Field(default=10_000, ge=1, description="hashes and video frames per match request")
    match_max_upload_bytes: int = Field(default=64 * 2**20, ge=1, description="largest media upload to match")
    match_rate_limit: float = Field(default=20.0, gt=0, description="match requests per second per partner")
    match_workers: int = Field(default=1, ge=1, le=64, description="processes of `tutela serve --match-only`")
    match_reload_seconds: float = Field(default=10.0, gt=0, description="how often the match service looks "
                                        "for library changes")
    vpdq_distance: int = Field(default=31, ge=1, le=256, description="video frames match below this distance")
    vpdq_quality: int = Field(default=50, ge=0, le=100, description="video frames of lower quality are ignored")
    vpdq_query_percent: float = Field(default=80.0, ge=0, le=100, description="share of the query's frames")
    vpdq_bank_percent: float = Field(default=80.0, ge=0, le=100, description="share of the bank video's frames")
    secret_key: SecretStr | None = Field(default=None, description="signs web session cookies; required to serve")
    session_minutes: int = Field(default=480, ge=1, le=7 * 24 * 60, description="a web session's lifetime")
    debug: bool = False

    @field_validator("home")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Europe/London)") from None
        return value

    @field_validator("media_key")
    @classmethod
    def _fernet_key(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from cryptography.fernet import Fernet

        try:
            Fernet(value.strip())
        except (ValueError, TypeError):
            raise ValueError("not a Fernet key (32 bytes in URL-safe base64: make one with `tutela keygen`)") from None
        return value.strip()

    @property
    def zone(self):
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.timezone)

    @property
    def index_folder(self) -> Path:
        return self.home / "indexes"


def load_settings() -> Settings:
    """Read the environment once; a bad value is a ConfigurationError naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "TUTELA_" + str(first["loc"][0]).upper() if first["loc"] else "TUTELA_*"
        raise ConfigurationError(f"{name}: {first['msg']}") from None
