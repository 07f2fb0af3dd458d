"""The bot's configuration, from the environment (prefix `BOT_`) and the command line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the bot keeps its data, what it talks to, and its timing."""

    model_config = SettingsConfigDict(env_prefix="BOT_", extra="ignore")

    data_dir: Path = Path("data")
    simulation: bool = True  # testers move the clock and play phones
    registries_url: str | None = None  # None: the registries' file in the data directory
    registry_timeout: float = Field(default=2.0, gt=0)
    sms_rate: float = Field(default=100.0, gt=0)  # messages per second to the SMS gateway
    remind_after: timedelta = timedelta(hours=48)  # SPEC Interpretation: offer reminders
    expire_after: timedelta = timedelta(hours=72)  # SPEC Interpretation: offer expiry

    @property
    def database(self) -> Path:
        """The bot's own SQLite file."""
        return self.data_dir / "bot.sqlite3"

    @property
    def sms_database(self) -> Path:
        """The simulated SMS gateway's file (it stands for an external SMSC)."""
        return self.data_dir / "sms_gateway.sqlite3"
