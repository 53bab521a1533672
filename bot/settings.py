"""Configuration from the environment and an optional `.env` file (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("citebot", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir, alias="CITEBOT_DATA")
    corpus_dir: Path | None = Field(
        None, alias="CITEBOT_CORPUS", description="folder of sources; the bundled articles if unset"
    )
