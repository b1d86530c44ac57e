"""Typed settings, read from HORAE_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HORAE_", extra="ignore")

    database_url: str = "sqlite:///var/horae.sqlite"
    # Timezone for users who never chose one, and for new users.
    default_timezone: str = "UTC"
    default_language: str = "en"
    # Signs web session cookies; must be set outside local use.
    secret_key: str = "insecure-local-secret"
    environment: str = Field(default="local", pattern="^(local|test|production)$")
    # Failed API-password logins allowed per client address and per user in one window.
    auth_failure_limit: int = 5
    auth_failure_window_seconds: int = 60
    max_body_bytes: int = 1_048_576
    sql_echo: bool = False

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    def check_production_ready(self) -> None:
        """Refuses a default secret outside local use."""
        if self.environment == "production" and self.secret_key == "insecure-local-secret":
            raise ValueError("HORAE_SECRET_KEY must be set when HORAE_ENVIRONMENT=production")


@lru_cache
def get_settings() -> Settings:
    return Settings()
