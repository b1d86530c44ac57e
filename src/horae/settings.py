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
    # Request bodies above this size are refused with 413 before any handler runs.
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    sql_echo: bool = False
    # NORMAL survives a killed process; FULL also keeps the last commits through a power loss.
    sqlite_synchronous: str = Field(default="NORMAL", pattern="^(NORMAL|FULL)$")
    # Memory per process for built catalog lists (catalog_cache.py); 0 switches the cache off.
    list_cache_mb: int = Field(default=64, ge=0)
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")

    @field_validator("sqlite_synchronous", "log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

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
