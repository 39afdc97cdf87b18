"""Settings from the environment, read and validated in one place."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
# Hosts a plain-http webhook may name when BOT_WEBHOOK_ALLOW_LOCAL_HTTP is set (tests only).
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class SettingsError(Exception):
    """A missing or invalid setting, as one line a person can act on."""


class Settings(BaseModel):
    """Every setting of the bot. Environment names are in `ENVIRONMENT` below and the README."""

    model_config = ConfigDict(frozen=True)

    token: SecretStr | None = None
    base_url: str | None = None
    data_dir: Path = Path("data")
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    # For tests against a local fake Bot API only: allow http:// for 127.0.0.1/localhost/::1.
    webhook_allow_local_http: bool = False
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    retention_days: int = Field(default=30, ge=1, le=3650)
    admin_ids: frozenset[int] = frozenset()
    catalog_file: Path | None = None
    catalog_check_seconds: int = Field(default=60, ge=0)
    log_level: str = "INFO"

    @field_validator("token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN.match(value.get_secret_value()):
            raise ValueError("does not look like a bot token from @BotFather (123456:ABC…)")
        return value

    @field_validator("base_url", "webhook_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        try:
            parts = urlsplit(value)
            port = parts.port  # raises for a port outside 0-65535
        except ValueError:
            raise ValueError("is not a valid address (check the host and port)") from None
        if not parts.hostname or port == 0:
            raise ValueError("needs a host name, e.g. https://example.org/bot")
        return value.rstrip("/")

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("use 1-256 characters: letters, digits, _ and -")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("use DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @property
    def database(self) -> Path:
        return self.data_dir / "bot.sqlite3"


ENVIRONMENT = {
    "TELEGRAM_BOT_TOKEN": "token",
    "TELEGRAM_BASE_URL": "base_url",
    "BOT_DATA_DIR": "data_dir",
    "BOT_WEBHOOK_URL": "webhook_url",
    "BOT_WEBHOOK_SECRET": "webhook_secret",
    "BOT_WEBHOOK_ALLOW_LOCAL_HTTP": "webhook_allow_local_http",
    "BOT_WEBHOOK_LISTEN": "webhook_listen",
    "BOT_WEBHOOK_PORT": "webhook_port",
    "BOT_RETENTION_DAYS": "retention_days",
    "BOT_ADMIN_IDS": "admin_ids",
    "BOT_CATALOG_FILE": "catalog_file",
    "BOT_CATALOG_CHECK_SECONDS": "catalog_check_seconds",
    "BOT_LOG_LEVEL": "log_level",
}
FIELD_TO_ENV = {field: env for env, field in ENVIRONMENT.items()}


def load_settings(environ: Mapping[str, str] | None = None, *, need_token: bool) -> Settings:
    """Settings from the environment; raises `SettingsError` with one clear line."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for env, field in ENVIRONMENT.items():
        raw = environ.get(env, "").strip()
        if not raw:
            continue
        if field == "admin_ids":
            try:
                values[field] = frozenset(int(part) for part in re.split(r"[,\s]+", raw) if part)
            except ValueError:
                raise SettingsError(
                    "BOT_ADMIN_IDS: give Telegram user ids (numbers) separated by commas"
                ) from None
        else:
            values[field] = raw
    try:
        settings = Settings.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{FIELD_TO_ENV.get(field, field)}: {message}") from None
    if need_token and settings.token is None:
        raise SettingsError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather")
    if settings.webhook_url and not _secure_webhook(settings):
        raise SettingsError(
            "BOT_WEBHOOK_URL must start with https:// (Telegram calls webhooks only over TLS):"
            " put the bot behind a TLS proxy such as Caddy and give its https address"
        )
    if settings.webhook_url and settings.webhook_secret is None:
        raise SettingsError("BOT_WEBHOOK_SECRET must be set when BOT_WEBHOOK_URL is set")
    return settings


def _secure_webhook(settings: Settings) -> bool:
    """https, or plain http to this machine when BOT_WEBHOOK_ALLOW_LOCAL_HTTP is set."""
    assert settings.webhook_url is not None
    parts = urlsplit(settings.webhook_url)
    if parts.scheme.lower() == "https":
        return True
    return settings.webhook_allow_local_http and (parts.hostname or "") in LOCAL_HOSTS
