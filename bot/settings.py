"""Configuration from the environment and an optional `.env` file (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import platformdirs
from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DISCORD_API_BASE_URL = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"
MAX_SHARDS = 100_000  # Discord asks for one shard per 1,000 servers at most; no bot needs more


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("citebot", appauthor=False))


Snowflakes = Annotated[list[int], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Field(default_factory=default_data_dir, alias="CITEBOT_DATA")
    corpus_dir: Path | None = Field(
        None, alias="CITEBOT_CORPUS", description="folder of sources; the bundled articles if unset"
    )
    database_url: str | None = Field(
        None,
        alias="CITEBOT_DATABASE_URL",
        description="postgresql://... for state shared by several processes, or an SQLite file; "
        "the SQLite file in the data folder if unset",
    )

    reader: bool = Field(
        True,
        alias="CITEBOT_READER",
        description="off: answer without the neural reader (about 0.1 s of CPU and 100 MB "
        "less per uncached answer, fewer right answers to casual questions: docs/quality.md)",
    )

    # Discord (issue 5). The token is a SecretStr so it never shows in logs or reprs.
    discord_token: SecretStr | None = Field(None, alias="DISCORD_TOKEN")
    guild_ids: Snowflakes = Field(
        default_factory=list,
        alias="CITEBOT_GUILD_IDS",
        description="servers whose commands `citebot sync` updates instantly (comma-separated)",
    )
    moderator_role: str | None = Field(
        None,
        alias="CITEBOT_MODERATOR_ROLE",
        description="role name allowed to review reports, besides Manage Messages",
    )
    source_role: str | None = Field(
        None,
        alias="CITEBOT_SOURCE_ROLE",
        description="role name allowed to add and remove sources, besides the bot's owners",
    )
    allow_private_urls: bool = Field(
        False,
        alias="CITEBOT_ALLOW_PRIVATE_URLS",
        description="let `sources add URL` reach private and loopback addresses (tests, intranets)",
    )
    watch_corpus: bool = Field(
        True,
        alias="CITEBOT_WATCH_CORPUS",
        description="`citebot run` applies changes to the corpus folder while it runs",
    )
    ask_channels: Snowflakes = Field(
        default_factory=list,
        alias="CITEBOT_ASK_CHANNELS",
        description="channel ids where every message is a question (needs message content)",
    )
    ask_threads: Snowflakes = Field(
        default_factory=list,
        alias="CITEBOT_ASK_THREADS",
        description="server ids where a mention is answered in a new thread named after it",
    )
    confirm_min_members: int = Field(
        3,
        ge=1,
        alias="CITEBOT_CONFIRM_MIN_MEMBERS",
        description="members whose 'This answered me' puts a passage first for a question",
    )
    cooldown_questions: int = Field(1, ge=1, alias="CITEBOT_COOLDOWN_QUESTIONS")
    cooldown_seconds: float = Field(
        5.0,
        ge=0,
        allow_inf_nan=False,
        alias="CITEBOT_COOLDOWN_SECONDS",
        description="0 turns the cooldown off",
    )
    # Sharding (issue 14): the total shard count, and the ids this process runs (all if empty).
    shard_count: int | None = Field(None, ge=1, le=MAX_SHARDS, alias="CITEBOT_SHARD_COUNT")
    shard_ids: Snowflakes = Field(default_factory=list, alias="CITEBOT_SHARD_IDS")
    latency_log_seconds: float = Field(
        300.0,
        ge=0,
        allow_inf_nan=False,
        alias="CITEBOT_LATENCY_LOG_SECONDS",
        description="0 turns the log off",
    )
    health_file: Path | None = Field(
        None, alias="CITEBOT_HEALTH_FILE", description="where the bot notes its shards' state"
    )
    report_cooldown_reports: int = Field(5, ge=1, alias="CITEBOT_REPORT_COOLDOWN_REPORTS")
    report_cooldown_seconds: float = Field(
        60.0,
        ge=0,
        allow_inf_nan=False,
        alias="CITEBOT_REPORT_COOLDOWN_SECONDS",
        description="reports per member per window (button, menu and /report); 0 turns it off",
    )
    # Operating (issue 21): Prometheus metrics and the log format.
    metrics_port: int | None = Field(
        None,
        ge=0,
        le=65535,
        alias="CITEBOT_METRICS_PORT",
        description="serve Prometheus metrics at http://HOST:PORT/metrics (0: any free port)",
    )
    metrics_host: str = Field(
        "127.0.0.1", alias="CITEBOT_METRICS_HOST", description="address the metrics listen on"
    )
    log_format: Literal["text", "json"] = Field(
        "text", alias="CITEBOT_LOG_FORMAT", description="json: one JSON object per line"
    )
    discord_api_base_url: str = Field(DISCORD_API_BASE_URL, alias="DISCORD_API_BASE_URL")
    discord_gateway_url: str = Field(DISCORD_GATEWAY_URL, alias="DISCORD_GATEWAY_URL")

    @field_validator("guild_ids", "ask_channels", "ask_threads", "shard_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept "1, 2 3" from the environment as well as a list."""
        if isinstance(value, str):
            parts = value.replace(",", " ").split()
            bad = [p for p in parts if not p.isdigit()]
            if bad:
                raise ValueError(f"expected numeric Discord ids, got {bad[0]!r}")
            return [int(p) for p in parts]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("shard_ids")
    @classmethod
    def _within_shard_count(cls, value: list[int], info: ValidationInfo) -> list[int]:
        if not value:
            return value
        count = info.data.get("shard_count")
        if count is None:
            raise ValueError("set CITEBOT_SHARD_COUNT too (the total number of shards)")
        outside = [i for i in value if i >= count]
        if outside:
            raise ValueError(f"shard {outside[0]} does not exist: ids go from 0 to {count - 1}")
        twice = sorted({i for i in value if value.count(i) > 1})
        if twice:
            raise ValueError(f"shard {twice[0]} is listed twice")
        return sorted(value)

    @field_validator("discord_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("discord_api_base_url", "discord_gateway_url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if "://" not in value:
            raise ValueError(
                f"expected a full URL such as wss://host/ or https://host/api/v10, got {value!r}"
            )
        return value
