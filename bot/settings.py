"""The bot's configuration, from the environment (prefix `BOT_`) and the command line."""

from __future__ import annotations

from datetime import timedelta
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.registries.port import DEFAULT_TIMEOUT
from domain.conversation import EXPIRE_AFTER, REMIND_AFTER


def proxy_networks(text: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """Comma-separated addresses or networks ("127.0.0.1, 10.0.0.0/8"); ValueError naming
    the one that is neither."""
    found: list[IPv4Network | IPv6Network] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            found.append(ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"{part!r} is not an IP address or network") from None
    return tuple(found)


SQLITE_PREFIX = "sqlite:///"  # sqlite:///relative/path, sqlite:////absolute/path
POSTGRES_PREFIXES = ("postgresql://", "postgres://")


class Settings(BaseSettings):
    """Where the bot keeps its data, what it talks to, and its timing."""

    model_config = SettingsConfigDict(env_prefix="BOT_", extra="ignore", populate_by_name=True)

    data_dir: Path = Path("data")
    # The bot's own database: sqlite:///PATH (the default: bot.sqlite3 in the data directory)
    # or postgresql://USER:PASSWORD@HOST:PORT/DATABASE for several instances at once. The env
    # name is the usual unprefixed DATABASE_URL; BOT_DATABASE_URL works too.
    database_url: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "BOT_DATABASE_URL")
    )
    simulation: bool = True  # testers move the clock and play phones
    registries_url: str | None = None  # None: the registries' file in the data directory
    registry_timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0)
    sms_rate: float = Field(default=100.0, gt=0)  # messages per second to the SMS gateway
    remind_after: timedelta = REMIND_AFTER  # SPEC Interpretation: offer reminders
    expire_after: timedelta = EXPIRE_AFTER  # SPEC Interpretation: offer expiry
    tick_interval: float = Field(default=1.0, gt=0)  # serve: seconds between passes of due work

    # SMS: the simulated provider (its own SQLite file) or a real SMSC over SMPP 3.4. The env
    # name SMS_GATEWAY is the issue's, unprefixed; BOT_SMS_GATEWAY works too.
    sms_gateway: Literal["simulated", "smpp"] = Field(
        default="simulated", validation_alias=AliasChoices("SMS_GATEWAY", "BOT_SMS_GATEWAY")
    )
    smpp_host: str = "127.0.0.1"
    smpp_port: int = Field(default=2775, gt=0, lt=65536)
    smpp_system_id: str = Field(default="", max_length=15)  # section 5.2.1: 16 octets with NULL
    smpp_password: SecretStr = Field(default=SecretStr(""))  # up to 8 characters (section 5.2.2)
    smpp_system_type: str = Field(default="", max_length=12)
    smpp_source: str = Field(default="1414", min_length=1, max_length=20)  # citizens reply here
    smpp_tps: float = Field(default=100.0, gt=0)  # submit_sm per second, each part counted
    smpp_window: int = Field(default=10, ge=1, le=1000)  # submit_sm awaiting their response
    smpp_enquire_interval: float = Field(default=30.0, gt=0)  # idle seconds before enquire_link
    smpp_response_timeout: float = Field(default=10.0, gt=0)
    smpp_submit_timeout: float = Field(default=60.0, gt=0)  # one message, reconnects included
    smpp_reconnect_max: float = Field(default=60.0, gt=0)  # the longest backoff between connects
    smpp_throttle_pause: float = Field(default=1.0, gt=0)  # after ESME_RTHROTTLED, doubling

    # Telegram: on when a token is set (BOT_TOKEN, from @BotFather).
    token: SecretStr | None = None
    # any Bot API server; None: api.telegram.org. The env name is the issue's, unprefixed.
    telegram_api_base: str | None = Field(
        default=None,
        validation_alias=AliasChoices("TELEGRAM_API_BASE", "BOT_TELEGRAM_API_BASE"),
    )
    telegram_rate: float = Field(default=25.0, gt=0)  # messages per second in all
    telegram_chat_interval: float = Field(default=1.0, ge=0)  # seconds between two in a chat
    webhook_url: str | None = None  # set: webhook mode at this public https URL; else polling
    webhook_host: str = "127.0.0.1"  # where the webhook server listens (behind a proxy)
    webhook_port: int = Field(default=8081, gt=0, lt=65536)
    webhook_path: str = "/telegram/webhook"
    webhook_secret: SecretStr | None = None  # checked on every webhook call when set

    # The console (bot.web): on loopback unless told otherwise.
    console: bool = True  # serve starts it
    log_format: Literal["text", "json"] = "text"  # serve's log lines: text, or JSON lines
    # serve's operator endpoints: /healthz, /readyz, /metrics (port 0: any free one)
    metrics: bool = True
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9464, ge=0, lt=65536)
    console_host: str = "127.0.0.1"
    console_port: int = Field(default=8080, gt=0, lt=65536)
    console_secure_cookies: bool = False  # True when served over HTTPS (behind a proxy)
    # the proxies in front of the console whose X-Forwarded-For names the browser's address:
    # addresses or networks, comma-separated ("127.0.0.1, 10.0.0.0/8"); none: the peer's own
    console_trusted_proxies: str = ""

    @property
    def console_proxies(self) -> tuple[IPv4Network | IPv6Network, ...]:
        """`console_trusted_proxies` as networks (an address is a network of one)."""
        return proxy_networks(self.console_trusted_proxies)

    @field_validator("console_trusted_proxies")
    @classmethod
    def _proxies_readable(cls, value: str) -> str:
        proxy_networks(value)
        return value

    @property
    def database(self) -> Path:
        """The bot's own SQLite file (when the database is SQLite: see `postgres_url`)."""
        url = self._database_url()
        if url is None:
            return self.data_dir / "bot.sqlite3"
        return Path(url.removeprefix(SQLITE_PREFIX))

    @property
    def postgres_url(self) -> str | None:
        """The PostgreSQL database's URL, or None when the bot's database is a SQLite file."""
        url = self._database_url()
        return None if url is None or url.startswith(SQLITE_PREFIX) else url

    def _database_url(self) -> str | None:
        if self.database_url is None or not self.database_url.get_secret_value().strip():
            return None
        return self.database_url.get_secret_value().strip()

    @field_validator("database_url")
    @classmethod
    def _database_url_known(cls, value: SecretStr | None) -> SecretStr | None:
        url = "" if value is None else value.get_secret_value().strip()
        if url and not url.startswith((SQLITE_PREFIX, *POSTGRES_PREFIXES)):
            raise ValueError(
                "DATABASE_URL is sqlite:///PATH or postgresql://USER@HOST:PORT/DATABASE"
            )
        if url.startswith(SQLITE_PREFIX) and not url.removeprefix(SQLITE_PREFIX):
            raise ValueError("DATABASE_URL sqlite:/// needs a path: sqlite:///data/bot.sqlite3")
        return value

    @field_validator("smpp_password")
    @classmethod
    def _password_fits(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) > 8:
            raise ValueError("an SMPP password is at most 8 characters (section 5.2.2)")
        return value

    @property
    def smpp_database(self) -> Path:
        """The SMPP channel's own file: submitted parts, receipts and replies."""
        return self.data_dir / "smpp_gateway.sqlite3"

    @property
    def sms_database(self) -> Path:
        """The simulated SMS gateway's file (it stands for an external SMSC)."""
        return self.data_dir / "sms_gateway.sqlite3"
